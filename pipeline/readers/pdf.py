"""PDF with a text layer: PDFium reads each page once; pdfplumber's layout code turns its characters into lines and
its ruling lines into table cells; camelot reads the tables of pages whose rulings are only pixels.

1. pdf_layer.py reads every page with PDFium (pypdfium2): characters with their boxes, ruling lines (path objects),
   and the share of the page under pictures.
2. Ruled tables: pdfplumber's table geometry (merge_edges → edges_to_intersections → intersections_to_cells →
   cells_to_tables) builds cells from the ruling lines; a cell that covers several rows or columns of the table's
   grid becomes a rowspan/colspan, and each cell takes the characters whose centre lies inside it.
3. Text: the other characters, doubled glyphs removed (pdfplumber's rule), grouped into lines by pdfplumber's
   TextMap; page furniture (page numbers like `- 3 -` or `— 3 —`) is kept out of prose and cells.
4. A page that carries a text layer over a picture (a scan with OCR text) has no ruling lines to read: camelot's
   lattice flavour finds the table rulings in the rendered page. Pages that print a table with no rulings at all
   keep it as text lines, which the table stage reads as loose rows.
5. Tables that continue on the next page are stitched back together.

`ReadOptions.tables = "camelot"` (readers/options.py) reads every ruled page with camelot instead (the reference the ruling reader was
checked against; about twenty times slower).
"""

from __future__ import annotations

import io
import logging
import re

from ..document import Cell, Document, ReadError
from .cell_text import clean_cell_text, is_page_number, ocr_cell_text, printed_cell_text
from .loose_tables import loose_tables
from .ocr.engine import OcrUnavailable
from .ocr.options import OcrOptions
from .options import ReadOptions
from .printed_pages import PrintedPage, RuledTable, move_boxes, page_blocks
from .ruling_grid import table_grids


MAX_UNMAPPED_SHARE = 0.3  # more glyphs than this without a Unicode mapping: the text layer cannot be read


def dedupe_chars(chars: list[dict], tolerance: float = 1.0) -> list[dict]:
    """Glyphs printed twice at (almost) the same place, as Word does to fake bold, kept once: the rule of
    pdfplumber's dedupe_chars (same character and size, corners within `tolerance`), found through a grid of
    buckets instead of pdfplumber's clustering, which costs a third of the reading time of a page."""
    kept: list[dict] = []
    buckets: dict[tuple, list[dict]] = {}
    for ch in chars:
        key = (ch["text"], ch.get("size"))
        gx, gy = int(ch["x0"] // tolerance), int(ch["top"] // tolerance)
        duplicate = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in buckets.get((key, gx + dx, gy + dy), ()):
                    if abs(other["x0"] - ch["x0"]) <= tolerance and abs(other["top"] - ch["top"]) <= tolerance:
                        duplicate = True
                        break
                if duplicate:
                    break
            if duplicate:
                break
        if not duplicate:
            kept.append(ch)
            buckets.setdefault((key, gx, gy), []).append(ch)
    return kept


# ---------------------------------------------------------------- ruled tables from the PDF's own lines


def ruled_tables(edges: list[dict], chars: list[dict], min_lines: int) -> tuple[list[RuledTable], list[dict]]:
    """The page's tables, built by pdfplumber's table geometry from its ruling lines (ruling_grid.py), and the
    characters that are not inside any of them. Each cell takes the characters whose centre lies inside it."""
    from pdfplumber.utils import collate_line

    tables = []
    free = list(chars)
    for grid in table_grids(edges, min_lines):
        inside: dict[tuple[int, int, int, int], list[dict]] = {}
        rest = []
        for ch in free:
            cell = grid.cell_at((ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2)
            if cell is None:
                rest.append(ch)  # outside the table, or in a hole of its grid
            else:
                inside.setdefault(cell, []).append(ch)
        free = rest
        rows = grid.rows(
            lambda cell: Cell(printed_cell_text(_lines_text(inside.get(cell, []), collate_line)), box=grid.box(cell))
        )
        tables.append(RuledTable(grid.bbox, rows))
    return tables, free


def _lines_text(chars: list[dict], collate_line) -> str:
    """The characters of one cell as text: lines top to bottom (pdfplumber's collate_line within a line)."""
    if not chars:
        return ""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2):
        mid = (ch["top"] + ch["bottom"]) / 2
        if lines:
            last = lines[-1][-1]
            if mid - (last["top"] + last["bottom"]) / 2 <= max(1.5, 0.4 * (last["bottom"] - last["top"])):
                lines[-1].append(ch)
                continue
        lines.append([ch])
    return "\n".join(collate_line(line, tolerance=max(1.5, 0.3 * line[0]["size"])) for line in lines)


def _text_lines(chars: list[dict]) -> list[tuple[float, float, str, float, float]]:
    """The page's free text as (top, bottom, text, x0, x1) lines, by pdfplumber's TextMap."""
    from pdfplumber.utils.text import chars_to_textmap

    if not chars:
        return []
    out = []
    for line in chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=False):
        text = clean_cell_text(line["text"])
        if text:
            out.append((line["top"], line["bottom"], text, line["x0"], line["x1"]))
    return out


# ---------------------------------------------------------------- camelot, for rulings drawn in pixels


def _camelot_cells_to_rows(table) -> list[list[Cell]]:
    """camelot's cell grid, with merged cells (missing inner edges) turned back into rowspan/colspan."""
    cells = table.cells
    nrows = len(cells)
    ncols = len(cells[0]) if nrows else 0
    covered = set()
    rows = []
    for r in range(nrows):
        row = []
        for c in range(ncols):
            if (r, c) in covered:
                continue
            colspan = 1
            while c + colspan < ncols and not cells[r][c + colspan].left and (r, c + colspan) not in covered:
                colspan += 1
            rowspan = 1
            while r + rowspan < nrows and not cells[r + rowspan][c].top:
                rowspan += 1
            text = " ".join(
                cells[rr][cc].text
                for rr in range(r, r + rowspan)
                for cc in range(c, c + colspan)
                if cells[rr][cc].text.strip()
            )
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    if (rr, cc) != (r, c):
                        covered.add((rr, cc))
            row.append(Cell(printed_cell_text(re.sub(r"\(cid:\d+\)", "", text)), rowspan, colspan))
        rows.append(row)
    return rows


def camelot_tables(data: bytes, pages: list[int], opts: ReadOptions, heights: dict[int, float]) -> dict:
    """{page: [RuledTable]} read by camelot on the given pages (1-based)."""
    if not pages:
        return {}
    import tempfile
    import warnings

    import camelot

    logging.getLogger("camelot").setLevel(logging.ERROR)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = {"line_scale": opts.line_scale} if opts.camelot_flavor == "lattice" else {}
            found = camelot.read_pdf(tmp.name, pages=",".join(map(str, pages)), flavor=opts.camelot_flavor, **kwargs)
    by_page: dict[int, list] = {}
    for t in found:
        if t.shape[1] < 2:
            continue
        page = int(t.page)
        x1, y1, x2, y2 = t._bbox
        h = heights[page]
        by_page.setdefault(page, []).append(RuledTable((x1, h - y2, x2, h - y1), _camelot_cells_to_rows(t)))
    return by_page


# ---------------------------------------------------------------- pdfplumber, for text PDFium cannot measure


class _PlumberPages:
    """pdfplumber (pdfminer) opened once, for the pages whose text PDFium could not measure."""

    def __init__(self, data: bytes):
        import pdfplumber

        try:
            self.pdf = pdfplumber.open(io.BytesIO(data))
        except Exception:
            self.pdf = None

    def chars(self, index: int, fallback: list[dict]) -> list[dict]:
        if self.pdf is None:
            return fallback
        try:
            page = self.pdf.pages[index]
            chars = [
                c
                for c in page.chars
                if c.get("upright", True) and c["text"].strip() and not c["text"].startswith("(cid:")
            ]
            page.close()
        except Exception:
            return fallback
        return chars if len(chars) >= sum(1 for c in fallback if c["text"].strip()) else fallback

    def close(self):
        if self.pdf is not None:
            self.pdf.close()


def _ranges(numbers: list[int]) -> str:
    out, start = [], None
    for k, n in enumerate(numbers):
        if start is None:
            start = n
        if k + 1 == len(numbers) or numbers[k + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ", ".join(out)


# ---------------------------------------------------------------- OCR, for pages and pictures without usable text

SCAN_IMAGE_SHARE = 0.5  # a page this much under a picture, its text invisible, is a scan with an OCR layer


def _ocr_plan(layer, chars: list[dict], ocr: OcrOptions) -> str | None:
    """ "page" when the page has no usable text layer (OCR reads all of it), "pictures" when its text layer is
    good but large pictures carry no text over them (one may be a table pasted as a picture), else None. A page
    with a usable text layer is never read whole by OCR: its prose and headings come from the text layer."""
    if ocr.mode == "off":
        return None
    if ocr.mode == "force":
        return "page"
    visible = sum(1 for c in chars if c["text"].strip())
    if not visible:
        drawn = layer.image_share > 0 or layer.unmapped or layer.text_objects or layer.edges or layer.drawings
        return "page" if drawn else None  # a scan, glyphs without Unicode, outlines; an empty page is left alone
    if layer.unmapped > MAX_UNMAPPED_SHARE * (layer.unmapped + visible):
        return "page"  # most glyphs cannot be mapped to characters
    if (
        layer.image_share >= SCAN_IMAGE_SHARE
        and layer.invisible_text >= 0.5 * max(1, layer.text_objects)
        and _largest_picture_share(layer) >= SCAN_PAGE_SHARE
    ):
        return "page"  # a scan with another program's OCR layer: evidence, not truth; read the pixels
    # otherwise the text layer is the source of the page's text, invisible words included (Word exports a font it
    # may not embed as a picture of the words with the words laid invisibly over it): OCR reads the pictures only
    if any(not _text_over(picture, chars) for picture in layer.pictures):
        return "pictures"
    return None


SCAN_PAGE_SHARE = 0.8  # a scan is one picture covering the page; table pictures beside text cover less


def _largest_picture_share(layer) -> float:
    area = max(((x1 - x0) * (bottom - top) for x0, top, x1, bottom in layer.pictures), default=0.0)
    return area / max(1.0, layer.width * layer.height)


def _text_over(picture: tuple, chars: list[dict]) -> bool:
    """Whether the text layer prints over a picture (a background): then the text layer reads it, not OCR."""
    x0, top, x1, bottom = picture
    return (
        sum(1 for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom)
        > 5
    )


MAX_OCR_DPI = 400  # a finer scan is read at this resolution (time and memory grow with its square)


MAX_UPSAMPLING = 1.35  # a page that is one picture is rendered at most this much finer than the picture itself


def ocr_dpi(layer, ocr: OcrOptions) -> int:
    """The resolution a page is rendered at for OCR: the set one, or the scan's own where it is finer (a 300 dpi
    scan is not read from a 200 dpi copy), at most MAX_OCR_DPI. A page that is one coarse picture (photos bound
    into a PDF at 72 dpi: a 1700-pixel photo on a 24-inch page) is not blown up past MAX_UPSAMPLING times its own
    pixels, which would add no detail (OCR measures the picture's scale from its content, ocr.find_page)."""
    dpi = max(ocr.dpi, round(layer.picture_dpi))
    if layer.picture_dpi and layer.image_share >= SCAN_IMAGE_SHARE:
        dpi = min(dpi, max(72, round(MAX_UPSAMPLING * layer.picture_dpi)))
    return int(min(MAX_OCR_DPI, dpi))


def _ocr_page(pdf, index: int, layer, ocr: OcrOptions) -> PrintedPage:
    """A page with no usable text layer, read by OCR as a whole: its text lines and ruled tables."""
    from .ocr.page import read_picture, render_page

    grey, scale = render_page(pdf, index, ocr_dpi(layer, ocr))
    found = read_picture(grey, scale, ocr)
    lines = [ln for ln in found.lines if not is_page_number(ln[2])]
    tables = [RuledTable(bbox, [[ocr_cell_text(c) for c in row] for row in rows]) for bbox, rows in found.tables]
    return PrintedPage(layer.number, found.height or layer.height, lines, tables, ocr=True)


def _ocr_pictures(pdf, index: int, layer, chars: list[dict], ocr: OcrOptions, warnings: list[str]):
    """The large pictures of a page with a good text layer that hold a ruled table (a table pasted as a picture),
    read by OCR: their lines and tables, placed where the picture is. Pictures without a table are left alone."""
    from .ocr.page import OcrResult, read_picture, render_page

    try:
        grey, scale = render_page(pdf, index, ocr_dpi(layer, ocr))
        lines, tables = [], []
        for x0, top, x1, bottom in layer.pictures:
            if _text_over((x0, top, x1, bottom), chars):
                continue  # text printed over the picture (a background): the text layer reads it
            px0, py0 = max(0, int((x0 - layer.left) * scale)), max(0, int(top * scale))
            px1, py1 = min(grey.shape[1], int((x1 - layer.left) * scale)), min(grey.shape[0], int(bottom * scale))
            if px1 - px0 < 20 or py1 - py0 < 20:
                continue
            found = read_picture(grey[py0:py1, px0:px1], scale, ocr, tables_only=True)
            dx, dy = px0 / scale, py0 / scale
            lines += [(t + dy, b + dy, text, a + dx, z + dx) for t, b, text, a, z in found.lines]
            for _, rows in found.tables:
                move_boxes(rows, dx, dy)
            tables += [
                ((a + dx, t + dy, z + dx, b + dy), [[ocr_cell_text(c) for c in row] for row in rows])
                for (a, t, z, b), rows in found.tables
            ]
    except OcrUnavailable as e:
        warnings.append(f"page {layer.number}: its pictures were not read: {e}")
        return None
    return OcrResult(lines, tables) if tables else None


# ---------------------------------------------------------------- the document


def read_pdf(path: str, data: bytes, opts: ReadOptions | None = None) -> Document:
    from .pdf_layer import open_pdf, read_page

    opts = opts or ReadOptions()
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ReadError("not a PDF: the file does not start with %PDF")
    pdf = open_pdf(data)
    plumber = None  # pdfplumber, opened only for pages PDFium cannot measure (closed in `finally`, whatever fails)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ReadError("corrupt PDF: no pages")
        if n_pages > opts.max_pages:
            raise ReadError(
                f"PDF too long: {n_pages} pages (the limit is {opts.max_pages}; an annual report has a few dozen)"
            )
        pages: list[PrintedPage] = []
        warnings: list[str] = []
        ocr_pages: list[int] = []  # pages read by OCR as a whole (no usable text layer)
        ocr_pictures: list[int] = []  # pages whose pictures were read by OCR beside their text layer
        ocr_skipped: list[int] = []
        camelot_pages: list[int] = []
        fallback_pages: list[int] = []
        n_chars = unmapped = 0
        for i in range(n_pages):
            try:
                layer = read_page(pdf, i)
            except ReadError:
                raise
            except Exception as e:
                raise ReadError(f"corrupt PDF: page {i + 1} unreadable ({type(e).__name__}: {str(e)[:120]})")
            raw_chars = layer.chars
            if layer.unmeasured_text:
                plumber = plumber or _PlumberPages(data)
                raw_chars = plumber.chars(i, layer.chars)
                fallback_pages.append(layer.number)
            chars = dedupe_chars(raw_chars)
            plan = _ocr_plan(layer, chars, opts.ocr)
            if plan == "page" and len(ocr_pages) >= opts.ocr.max_pages:
                ocr_skipped.append(layer.number)
                plan = None
            if plan == "page":
                pages.append(_ocr_page(pdf, i, layer, opts.ocr))
                ocr_pages.append(layer.number)
                continue
            n_chars += len(chars)
            unmapped += layer.unmapped
            if opts.tables == "camelot":
                tables, free = [], chars
                if len(layer.edges) >= opts.min_ruling_lines:
                    camelot_pages.append(layer.number)
            else:
                tables, free = ruled_tables(layer.edges, chars, opts.min_ruling_lines)
                if not tables and chars and layer.image_share >= opts.min_image_share and opts.ocr.mode == "off":
                    camelot_pages.append(layer.number)  # text over a picture: the rulings are pixels
                else:
                    loose, free = loose_tables(free)
                    tables += loose
            if layer.left:
                for t in tables:
                    move_boxes(t.rows, -layer.left)
            page = PrintedPage(layer.number, layer.height, _text_lines(free), tables)
            if plan == "pictures":
                found = _ocr_pictures(pdf, i, layer, chars, opts.ocr, warnings)
                if found:
                    page.lines = sorted(page.lines + found.lines)
                    page.tables += [RuledTable(bbox, rows) for bbox, rows in found.tables]
                    page.ocr = True
                    ocr_pictures.append(layer.number)
            if layer.number in camelot_pages:
                page.all_lines = page.lines
                page.chars = free  # read without rulings if camelot finds no table there
            pages.append(page)
    finally:
        pdf.close()
        if plumber is not None:
            plumber.close()
    limit = ""
    if ocr_skipped:  # said in the warnings, and in the error when the pages read hold no text
        limit = (
            f"OCR read {len(ocr_pages)} of the {len(ocr_pages) + len(ocr_skipped)} pages that need it: "
            f"page(s) {_ranges(ocr_skipped)} were not read (at most {opts.ocr.max_pages} pages of a document "
            f"are OCR'd: ocr.max_pages in params.yaml, --ocr-max-pages)"
        )
        warnings.append(limit)
    if n_chars == 0 and not ocr_pages:
        hint = "OCR is off (--ocr auto reads it)" if opts.ocr.mode == "off" else "OCR found nothing"
        if unmapped:
            raise ReadError(f"unreadable PDF text layer: all {unmapped} glyphs lack a Unicode mapping (cid); {hint}")
        raise ReadError(f"scanned PDF: no text layer on any of its {n_pages} pages; {hint}")
    if ocr_pages and not any(p.lines or p.tables for p in pages):
        if limit:
            raise ReadError(
                f"scanned PDF: OCR found no text on the {len(ocr_pages)} pages it read of its {n_pages}; {limit}"
            )
        raise ReadError(f"scanned PDF: OCR found no text on any of its {n_pages} pages (blank pages?)")
    if n_chars == 0:
        n_chars = 1  # every page with text was OCR'd: no text layer share to judge
    share = unmapped / (unmapped + n_chars)
    if share > MAX_UNMAPPED_SHARE:
        raise ReadError(
            f"unreadable PDF text layer: {share:.0%} of its characters are glyphs without a Unicode "
            f"mapping (cid); the text cannot be read without OCR"
        )
    if fallback_pages:
        warnings.append(
            f"text of page(s) {_ranges(fallback_pages)} read by pdfplumber: PDFium could not measure "
            f"some of their text (a font the file does not embed)"
        )
    if share:
        warnings.append(f"{share:.1%} of the text layer are glyphs without a Unicode mapping (cid); left out")
    if camelot_pages:
        chosen = camelot_pages[: opts.max_table_pages]
        if len(camelot_pages) > len(chosen):
            warnings.append(
                f"camelot read the first {len(chosen)} of {len(camelot_pages)} pages it was given; "
                f"the others kept as text lines"
            )
        try:
            found = camelot_tables(data, chosen, opts, {p.number: p.height for p in pages})
        except Exception as e:  # camelot failing on one file must not lose its text
            found = {}
            warnings.append(f"camelot failed, tables read from text lines: {type(e).__name__}: {str(e)[:120]}")
        for p in pages:
            if p.number in found:
                p.tables = found[p.number]
            elif p.chars is not None:
                p.tables, free = loose_tables(p.chars)
                if p.tables:
                    p.lines, p.all_lines = _text_lines(free), None
            p.chars = None
    blocks = page_blocks(pages, warnings)
    if ocr_pages:
        warnings.append(f"page(s) {_ranges(ocr_pages)} read by OCR (no usable text layer)")
    if ocr_pictures:
        warnings.append(f"pictures on page(s) {_ranges(ocr_pictures)} read by OCR")
    return Document(
        path=path,
        format="pdf",
        blocks=blocks,
        pages=n_pages,
        warnings=warnings,
        ocr_pages=sorted(set(ocr_pages) | set(ocr_pictures)),
    )
