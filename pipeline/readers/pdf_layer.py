"""What a PDF page holds, read once with PDFium (pypdfium2): its characters with their boxes, its ruling lines,
and how much of it is covered by pictures.

PDFium parses a page about ten times faster than pdfminer, so this is the only pass over the file's content. The
characters and edges come out as the dictionaries pdfplumber's own layout code works on (`x0`, `x1`, `top`,
`bottom`, … with the top of the page at 0), and pdf.py hands them to pdfplumber to group characters into lines
and ruling lines into table cells.

Ruling lines are the page's path objects that draw a horizontal or vertical stroke, or a filled rectangle thin
enough to be a line; the four sides of a larger filled or stroked rectangle (a shaded or framed cell) count too.
White or fully transparent paint is not a line anyone sees and is left out.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

from ..document import ReadError

THIN = 2.0  # a filled rectangle this thin (pt) is drawn as a line
MIN_EDGE = 3.0  # shorter strokes are glyph parts or dots, not rulings
MAX_PATH_SEGMENTS = 20_000  # a path this complex is a drawing, not a table; it is skipped
MAX_OBJECTS = 200_000
MIN_PICTURE_SHARE = 0.04  # a picture this share of the page or larger may print a table or text (OCR reads it)
MAX_PICTURES = (
    20  # pictures kept per page  # objects looked at on one page (a hostile page cannot keep the reader busy)
)


@dataclass
class PageLayer:
    number: int  # 1-based
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    unmapped: int = 0  # glyphs whose font gives no Unicode character (what pdfminer prints as (cid:N))
    image_share: float = 0.0  # share of the page's area under pictures
    # text objects PDFium could give no box in a font the file does not embed (a CJK font missing from this
    # machine): their characters are missing from `chars`, so another reader must read the page's text. PDFium
    # gives such an object no text either (a 。 of reportlab's non-embedded STSong reads as ''). An object without
    # a box in an embedded font draws nothing (LibreOffice writes such empty glyphs by the dozen): not counted
    unmeasured_text: int = 0
    text_objects: int = 0
    drawings: int = 0  # path objects (ruling lines, shapes, or text drawn as outlines)
    invisible_text: int = 0  # text objects drawn invisible (render mode 3): an OCR layer laid over a scan
    pictures: list = field(default_factory=list)  # (x0, top, x1, bottom) of the page's larger pictures, in pt
    left: float = 0.0  # the media box's left edge: x of the rendered page's first pixel column
    picture_dpi: float = 0.0  # the resolution of the page's sharpest large picture (a scan's own dpi)


def open_pdf(data: bytes):
    """A PdfDocument, or a ReadError saying why the file cannot be read."""
    import pypdfium2 as pdfium

    if b"%%EOF" not in data[-2048:]:
        raise ReadError("corrupt or truncated PDF: the file ends without its %%EOF marker (cut short?)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise ReadError("encrypted PDF: cannot be opened without a password")
        if "security" in msg.lower():
            raise ReadError(f"encrypted PDF: unsupported security handler ({msg[:120]})")
        raise ReadError(f"corrupt PDF: {msg[:160]}")


def _matrix_product(m, n):
    """m then n, for matrices (a, b, c, d, e, f) as PDF writes them."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _visible(raw, getter) -> bool:
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    if not getter(raw, r, g, b, a):
        return True
    return a.value > 0 and not (r.value > 245 and g.value > 245 and b.value > 245)


def _edge(x0, top0, x1, top1, page_number) -> dict | None:
    """A horizontal or vertical edge in pdfplumber's shape, or None for a slanted or tiny stroke."""
    if abs(top0 - top1) <= 0.5 and abs(x1 - x0) >= MIN_EDGE:
        x0, x1 = sorted((x0, x1))
        top = (top0 + top1) / 2
        return {
            "x0": x0,
            "x1": x1,
            "top": top,
            "bottom": top,
            "width": x1 - x0,
            "height": 0.0,
            "orientation": "h",
            "object_type": "line",
            "page_number": page_number,
        }
    if abs(x0 - x1) <= 0.5 and abs(top1 - top0) >= MIN_EDGE:
        top0, top1 = sorted((top0, top1))
        x = (x0 + x1) / 2
        return {
            "x0": x,
            "x1": x,
            "top": top0,
            "bottom": top1,
            "width": 0.0,
            "height": top1 - top0,
            "orientation": "v",
            "object_type": "line",
            "page_number": page_number,
        }
    return None


def _rect_edges(xs, tops, page_number, filled: bool) -> list[dict]:
    x0, x1, t0, t1 = min(xs), max(xs), min(tops), max(tops)
    w, h = x1 - x0, t1 - t0
    if filled and h <= THIN and w >= MIN_EDGE:
        e = _edge(x0, (t0 + t1) / 2, x1, (t0 + t1) / 2, page_number)
        return [e] if e else []
    if filled and w <= THIN and h >= MIN_EDGE:
        e = _edge((x0 + x1) / 2, t0, (x0 + x1) / 2, t1, page_number)
        return [e] if e else []
    out = [
        _edge(x0, t0, x1, t0, page_number),
        _edge(x0, t1, x1, t1, page_number),
        _edge(x0, t0, x0, t1, page_number),
        _edge(x1, t0, x1, t1, page_number),
    ]
    return [e for e in out if e]


def _path_edges(raw, matrix, height, page_number) -> list[dict]:
    import pypdfium2.raw as R

    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not R.FPDFPath_GetDrawMode(raw, fill, stroke):
        return []
    filled = bool(fill.value) and _visible(raw, R.FPDFPageObj_GetFillColor)
    stroked = bool(stroke.value) and _visible(raw, R.FPDFPageObj_GetStrokeColor)
    if not (filled or stroked):
        return []
    n = R.FPDFPath_CountSegments(raw)
    if n <= 0 or n > MAX_PATH_SEGMENTS:
        return []
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    curved = []
    for k in range(n):
        seg = R.FPDFPath_GetPathSegment(raw, k)
        R.FPDFPathSegment_GetPoint(seg, x, y)
        px, py = _apply(matrix, x.value, y.value)
        point = (px, height - py)
        kind = R.FPDFPathSegment_GetType(seg)
        if kind == R.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([point])
            curved.append(False)
        else:
            subpaths[-1].append(point)
            curved[-1] = curved[-1] or kind == R.FPDF_SEGMENT_BEZIERTO
        if R.FPDFPathSegment_GetClose(seg) and subpaths[-1][0] != point:
            subpaths[-1].append(subpaths[-1][0])
    edges = []
    for pts, is_curved in zip(subpaths, curved):
        if is_curved or len(pts) < 2:
            continue
        xs = [p[0] for p in pts]
        tops = [p[1] for p in pts]
        axis_aligned = all(abs(a[0] - b[0]) <= 0.5 or abs(a[1] - b[1]) <= 0.5 for a, b in zip(pts, pts[1:]))
        if filled and len(pts) >= 4 and axis_aligned:
            edges += _rect_edges(xs, tops, page_number, filled=True)  # a rectangle: a line if thin, else 4 sides
        elif stroked:
            for a, b in zip(pts, pts[1:]):
                e = _edge(a[0], a[1], b[0], b[1], page_number)
                if e:
                    edges.append(e)
    return edges


def _chars(page, number: int, height: float) -> tuple[list[dict], int]:
    import pypdfium2.raw as R

    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        n = R.FPDFText_CountChars(raw)
        chars = []
        unmapped = 0
        rect = R.FS_RECTF()
        tm = R.FS_MATRIX()
        left, right, low, high = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        # the page's characters in one call (UTF-16, one unit a character while every character is in the BMP;
        # otherwise one call each), and IsGenerated asked only of blanks: PDFium adds spaces and line breaks only
        units = (ctypes.c_ushort * (n + 1))()
        bulk = (
            n > 0
            and R.FPDFText_GetText(raw, 0, n, units) == n + 1
            and not any(0xD800 <= u <= 0xDFFF for u in units[:n])
        )
        for i in range(n):
            code = units[i] if bulk else R.FPDFText_GetUnicode(raw, i)
            if code in (0x20, 0x0D, 0x0A, 0x00) and R.FPDFText_IsGenerated(raw, i) == 1:
                continue  # spaces and line breaks PDFium adds between words and lines
            if R.FPDFText_HasUnicodeMapError(raw, i) == 1:
                unmapped += 1
                continue
            if code in (0, 0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF:
                if code == 0 or code >= 0xFFFE:
                    unmapped += 1
                continue
            text = chr(code)
            if text in "\r\n":
                continue
            if not R.FPDFText_GetLooseCharBox(raw, i, rect):
                continue
            x0, x1, y0, y1 = rect.left, rect.right, rect.bottom, rect.top
            size = R.FPDFText_GetFontSize(raw, i)
            if R.FPDFText_GetMatrix(raw, i, tm):
                size *= abs(tm.a * tm.d - tm.b * tm.c) ** 0.5  # the size as printed, not in text space
            if (
                size > 0
                and (abs(x1 - x0) > 2.5 * size or abs(y1 - y0) > 2.5 * size)
                and R.FPDFText_GetCharBox(raw, i, left, right, low, high)
            ):
                # PDFium gives some glyphs (a tall label printed one character a line) a box many times their size:
                # the glyph's own outline, widened to the font size around its centre, stands in for it
                cx, cy = (left.value + right.value) / 2, (low.value + high.value) / 2
                half = size / 2
                x0, x1 = min(left.value, cx - half), max(right.value, cx + half)
                y0, y1 = cy - half, cy + half
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            top, bottom = height - y1, height - y0
            chars.append(
                {
                    "text": text,
                    "x0": x0,
                    "x1": x1,
                    "top": top,
                    "bottom": bottom,
                    "width": x1 - x0,
                    "height": bottom - top,
                    "size": round(size, 2),
                    "upright": True,
                    "object_type": "char",
                    "page_number": number,
                    "doctop": top,
                }
            )
        return chars, unmapped
    finally:
        textpage.close()


def _embedded_font(text_object) -> bool:
    """Whether the text object's font program is in the file (PDFium then has every glyph's outline)."""
    import pypdfium2.raw as R

    font = R.FPDFTextObj_GetFont(text_object)
    return bool(font) and R.FPDFFont_GetIsEmbedded(font) == 1


def _objects(page_raw, max_depth: int):
    """(object, type, level) of every page object, forms descended into up to `max_depth` levels, in the order of
    pypdfium2's PdfPage.get_objects, through PDFium's own calls (no Python wrapper object per page object: a page
    of text has hundreds)."""
    import pypdfium2.raw as R

    def walk(parent, is_form, level):
        count = R.FPDFFormObj_CountObjects(parent) if is_form else R.FPDFPage_CountObjects(parent)
        get = R.FPDFFormObj_GetObject if is_form else R.FPDFPage_GetObject
        for i in range(max(0, count)):
            obj = get(parent, i)
            if not obj:
                continue
            kind = R.FPDFPageObj_GetType(obj)
            yield obj, kind, level
            if kind == R.FPDF_PAGEOBJ_FORM and level < max_depth - 1:
                yield from walk(obj, True, level + 1)

    yield from walk(page_raw, False, 0)


def read_page(pdf, index: int, want_edges: bool = True) -> PageLayer:
    """Characters, ruling lines and picture cover of page `index` (0-based)."""
    import pypdfium2.raw as R

    page = pdf[index]
    try:
        width, height = page.get_size()
        left, bottom, right, top = page.get_mediabox()
        layer = PageLayer(index + 1, width, height)
        layer.left = left
        layer.chars, layer.unmapped = _chars(page, index + 1, top)
        image_area = 0.0
        forms: list[tuple[int, tuple]] = []  # (level, matrix of the form's content), innermost last
        seen = 0
        fs_matrix = R.FS_MATRIX()
        b0, b1, b2, b3 = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()

        def bounds(obj):
            if not R.FPDFPageObj_GetBounds(obj, b0, b1, b2, b3):
                return 0.0, 0.0, 0.0, 0.0
            return b0.value, b1.value, b2.value, b3.value

        def matrix_of(obj):
            if not R.FPDFPageObj_GetMatrix(obj, fs_matrix):
                return (1, 0, 0, 1, 0, 0)
            m = fs_matrix
            return (m.a, m.b, m.c, m.d, m.e, m.f)

        for obj, kind, level in _objects(page.raw, max_depth=4):
            seen += 1
            if seen > MAX_OBJECTS:
                break
            while forms and forms[-1][0] >= level:
                forms.pop()
            parent = forms[-1][1] if forms else (1, 0, 0, 1, 0, 0)
            if kind == R.FPDF_PAGEOBJ_FORM:
                forms.append((level, _matrix_product(matrix_of(obj), parent)))
            elif kind == R.FPDF_PAGEOBJ_PATH and want_edges:
                layer.drawings += 1
                layer.edges += _path_edges(obj, _matrix_product(matrix_of(obj), parent), top, index + 1)
            elif kind == R.FPDF_PAGEOBJ_TEXT:
                layer.text_objects += 1
                if R.FPDFTextObj_GetTextRenderMode(obj) == R.FPDF_TEXTRENDERMODE_INVISIBLE:
                    layer.invisible_text += 1
                x0, y0, x1, y1 = bounds(obj)
                if x1 - x0 < 0.01 and y1 - y0 < 0.01 and not _embedded_font(obj):
                    layer.unmeasured_text += 1
            elif kind == R.FPDF_PAGEOBJ_IMAGE and level == 0:
                x0, y0, x1, y1 = bounds(obj)
                x0, x1, y0, y1 = max(x0, left), min(x1, right), max(y0, bottom), min(y1, top)
                area = max(0.0, x1 - x0) * max(0.0, y1 - y0)
                image_area += area
                if area >= MIN_PICTURE_SHARE * width * height and len(layer.pictures) < MAX_PICTURES:
                    layer.pictures.append((x0, top - y1, x1, top - y0))
                    px_w, px_h = ctypes.c_uint(), ctypes.c_uint()
                    px_width = px_w.value if R.FPDFImageObj_GetImagePixelSize(obj, px_w, px_h) else 0
                    if x1 > x0 and px_width:
                        layer.picture_dpi = max(layer.picture_dpi, px_width / ((x1 - x0) / 72))
        layer.image_share = min(1.0, image_area / max(1.0, width * height))
        return layer
    finally:
        page.close()
