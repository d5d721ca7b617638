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

`PdfOptions.tables = "camelot"` reads every ruled page with camelot instead (the reference the ruling reader was
checked against; about twenty times slower).
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field

from ..document import Block, BlockLimit, Cell, Document, ReadError, table_size_problem
from .html import clean_cell_text
from .ocr import OcrOptions, OcrUnavailable
from .ruling_grid import table_grids
from .text import split_heading

PAGE_NUMBER = re.compile(r"^\s*([-—–－_~·•]+\s*\d{1,4}\s*[-—–－_~·•]+|第\s*\d{1,4}\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?"
                         r"|\d{1,4}\s*/\s*\d{1,4})\s*$")


@dataclass
class PdfOptions:
    camelot_flavor: str = "lattice"  # camelot's flavour for the pages it reads
    min_ruling_lines: int = 6  # fewer ruling lines on a page do not make a table
    line_scale: int = 40  # camelot lattice: the shortest line it detects, as a fraction of the page
    max_pages: int = 1000  # an annual report has a few dozen pages
    max_table_pages: int = 100  # camelot costs ~0.2 s a page; later pages keep their text lines
    tables: str = "rulings"  # "rulings": from the PDF's ruling lines; "camelot": camelot on every ruled page
    min_image_share: float = 0.3  # a page this much under pictures may hold a table drawn in pixels (camelot)
    ocr: OcrOptions = field(default_factory=OcrOptions)  # when and how pages and pictures are OCR'd


MAX_UNMAPPED_SHARE = 0.3  # more glyphs than this without a Unicode mapping: the text layer cannot be read
_PAGE_NUMBER_TAIL = re.compile(r"\s+[-—–－]\s*\d{1,4}\s*[-—–－]\s*$")


def is_page_number(text: str) -> bool:
    return bool(PAGE_NUMBER.match(text)) and len(text.strip()) <= 12


def _cell_text(text: str) -> str:
    text = _PAGE_NUMBER_TAIL.sub("", clean_cell_text(text))
    return "" if is_page_number(text) else text


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

@dataclass
class RuledTable:
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    rows: list[list[Cell]]
    loose: bool = False  # rebuilt from word positions (no rulings)


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
        rows = grid.rows(lambda cell: Cell(_cell_text(_lines_text(inside.get(cell, []), collate_line)),
                                           box=grid.box(cell)))
        tables.append(RuledTable(grid.bbox, rows))
    return tables, free


def move_boxes(rows: list[list[Cell]], dx: float = 0.0, dy: float = 0.0, page: int | None = None) -> None:
    """Cell boxes moved by (dx, dy) points — from a picture cut out of a page onto the page, or from the text
    layer's x (counted from the media box's origin) to the page's left edge — and given their page."""
    for row in rows:
        for cell in row:
            if cell.box is not None:
                if dx or dy:
                    cell.box = (cell.box[0] + dx, cell.box[1] + dy, cell.box[2] + dx, cell.box[3] + dy)
                if page is not None and cell.page is None:
                    cell.page = page


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


# ---------------------------------------------------------------- tables printed without rulings

_VALUE_WORD = re.compile(r"^(?:[+\-－]?\d[\d,，.]*(?:万元|元)?|[/／—–\-－]{1,2})$")
_NUMBERED_HEADING = re.compile(r"^[一二三四五六七八九十]{1,2}[、.．]")
MAX_HEADER_LINES = 12
_HEADER_WORDS = re.compile(r"^第二十条|信息内容|[（(]?本列数据|申请人情况|^行政复议|^结果")
_CAPTION = re.compile(r"^[（(]?(?:本表数据)?单位[：:]|^附?表\s*[\d一二三四五六]")


def _word_lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into printed lines (by their vertical centre), top to bottom, each line left to right."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        if lines:
            last = lines[-1]
            ref = sum((x["top"] + x["bottom"]) / 2 for x in last) / len(last)
            if abs(mid - ref) <= max(1.5, 0.35 * (w["bottom"] - w["top"])):
                last.append(w)
                continue
        lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _values_of(line: list[dict]) -> list[dict]:
    """The value words that end a line (a row of a table printed without rulings), or [] for any other line."""
    k = len(line)
    while k > 0 and _VALUE_WORD.match(line[k - 1]["text"]):
        k -= 1
    values = line[k:]
    if not values or (k == 0 and len(values) < 2) or "。" in "".join(w["text"] for w in line[:k]):
        return []
    return values


def _intervals(spans: list[tuple[float, float]], gap: float = 1.5) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def loose_tables(chars: list[dict]) -> tuple[list[RuledTable], list[dict]]:
    """Tables printed without ruling lines, rebuilt from word positions, and the characters outside them.

    A row of such a table is a line that ends with numbers (or blank marks such as / and —); three or more of them
    in a row, with only label or header lines between, make a table. Value columns are where the value words of
    the table lie (their spans, merged where they overlap); a cell left empty prints nothing and reads as blank.
    Lines without values between rows are wrapped labels, given to the nearest row; the lines right above the first
    row that are not prose or a heading are the table's header."""
    from pdfplumber.utils import extract_words

    if not chars:
        return [], chars
    words = extract_words(chars, x_tolerance=2, y_tolerance=2, keep_blank_chars=False)
    lines = [line for line in _word_lines(words) if not is_page_number(" ".join(w["text"] for w in line))]
    values = [_values_of(line) for line in lines]
    data = [i for i, v in enumerate(values) if v]
    regions: list[list[int]] = []
    for i in data:
        between = range(regions[-1][-1] + 1, i) if regions else range(0)
        if regions and all(_may_be_in_table(lines[j]) for j in between) and i - regions[-1][-1] <= 6:
            regions[-1].append(i)
        else:
            regions.append([i])
    tables = []
    used: set[int] = set()
    for region in regions:
        if len(region) < 3 and max(len(values[i]) for i in region) < 5:
            continue  # too little to be a table (a table 4 prints a single row of 15 numbers)
        first, last = region[0], region[-1]
        top_line = first
        while top_line > 0 and first - top_line < MAX_HEADER_LINES and _may_be_in_table(lines[top_line - 1]) \
                and lines[top_line - 1][0]["bottom"] > lines[top_line][0]["top"] - 30:
            top_line -= 1
        columns = _intervals([(w["x0"], w["x1"]) for i in region for w in values[i]])
        columns = _columns_from_header(columns, [lines[i] for i in range(top_line, first)])
        label_right = columns[0][0]
        members = list(range(top_line, last + 1))
        row_of: dict[int, int] = {}
        centre = {i: sum((w["top"] + w["bottom"]) / 2 for w in lines[i]) / len(lines[i]) for i in members}
        pitch = sorted(centre[b] - centre[a] for a, b in zip(region, region[1:]))
        pitch = pitch[len(pitch) // 2] if pitch else 2 * (lines[first][0]["bottom"] - lines[first][0]["top"])
        header = [i for i in members if (i < first and (_is_header_line(lines[i], label_right)
                                                         or centre[first] - centre[i] > 0.75 * pitch))
                  or (i not in region and i > first and _is_header_line(lines[i], label_right))]
        for i in members:
            if i in region:
                row_of[i] = i
            elif i not in header:
                row_of[i] = min(region, key=lambda r: (abs(centre[r] - centre[i]), -r))
        rows = []
        for r in sorted(region + header):
            if r in header:
                rows.append(_header_cells(lines[r], columns, label_right))
                continue
            label_words = [w for i in members if row_of.get(i) == r for w in lines[i]
                           if w["x1"] <= label_right + 1 and (i != r or w not in values[r])]
            parts = []
            for a, b in _intervals([(w["x0"], w["x1"]) for w in label_words], gap=4):
                ws = sorted((w for w in label_words if a <= w["x0"] and w["x1"] <= b),
                            key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"]))
                parts.append(Cell(_cell_text("".join(w["text"] for w in ws))))
            cells = [""] * len(columns)
            boxes: dict[int, tuple] = {}  # the words of each value cell, as one box
            for w in values[r]:
                cx = (w["x0"] + w["x1"]) / 2
                k = min(range(len(columns)), key=lambda c: 0 if columns[c][0] <= cx <= columns[c][1]
                        else min(abs(cx - columns[c][0]), abs(cx - columns[c][1])))
                cells[k] = (cells[k] + " " + w["text"]).strip()
                b = boxes.get(k, (w["x0"], w["top"], w["x1"], w["bottom"]))
                boxes[k] = (min(b[0], w["x0"]), min(b[1], w["top"]), max(b[2], w["x1"]), max(b[3], w["bottom"]))
            rows.append(parts + [Cell(t, box=boxes.get(k)) for k, t in enumerate(cells)])
        inside = {id(w) for i in members if (i in row_of or i in header) for w in lines[i]}
        used |= inside
        x0 = min(w["x0"] for i in members for w in lines[i])
        x1 = max(w["x1"] for i in members for w in lines[i])
        tables.append(RuledTable((x0, min(w["top"] for w in lines[top_line]), x1,
                                  max(w["bottom"] for w in lines[last])), rows, loose=True))
    if not tables:
        return [], chars
    boxes = [(w["x0"], w["top"], w["x1"], w["bottom"]) for line in lines for w in line if id(w) in used]
    free = [ch for ch in chars if not any(b[0] - 0.5 <= (ch["x0"] + ch["x1"]) / 2 <= b[2] + 0.5 and
                                          b[1] - 0.5 <= (ch["top"] + ch["bottom"]) / 2 <= b[3] + 0.5 for b in boxes)]
    return tables, free


def _columns_from_header(columns: list[tuple[float, float]], header: list[list[dict]]) -> list[tuple[float, float]]:
    """Value columns found where values are printed, completed from the header: a column whose cells are all blank
    (zeros printed as nothing) shows only as a header word over no value. Only a header line whose words each
    stand over at most one known column is used, and only right of the first value column's start."""
    if not columns:
        return columns
    for line in header:
        words = [w for w in line if w["x0"] >= columns[0][0] - 2]
        if len(words) < 2:
            continue
        overlaps = [[c for c in columns if w["x0"] <= c[1] and c[0] <= w["x1"]] for w in words]
        if any(len(o) > 1 for o in overlaps):
            continue  # a word spanning columns (法人或其他组织) does not mark one
        new = [(w["x0"], w["x1"]) for w, o in zip(words, overlaps) if not o]
        if new and len(words) >= len(columns):
            columns = sorted(columns + new)
    return columns


def _may_be_in_table(line: list[dict]) -> bool:
    """A line that can sit inside or on top of a table printed without rulings: a wrapped label or a header, not
    prose (a full stop), a numbered section heading or a page number."""
    from ..headings import keyword_scores

    text = "".join(w["text"] for w in line)
    if "。" in text or is_page_number(" ".join(w["text"] for w in line)) or _CAPTION.match(text):
        return False
    return not (_NUMBERED_HEADING.match(text) and not _values_of(line) and max(keyword_scores(text)) >= 1.5)


def _is_header_line(line: list[dict], label_right: float) -> bool:
    """Inside a table: a header line (第二十条第（五）项, 信息内容 | 本年处理决定数量) rather than a wrapped label."""
    text = "".join(w["text"] for w in line)
    return any(w["x0"] >= label_right - 1 for w in line) or bool(_HEADER_WORDS.search(text))


def _header_cells(line: list[dict], columns, label_right: float) -> list[Cell]:
    """A header line: its label-side words as one cell, then each value column's words (a word between columns
    goes to the nearest)."""
    left = "".join(w["text"] for w in line if w["x1"] <= label_right + 1)
    texts = [""] * len(columns)
    for w in line:
        if w["x1"] <= label_right + 1:
            continue
        cx = (w["x0"] + w["x1"]) / 2
        k = min(range(len(columns)), key=lambda c: abs(cx - (columns[c][0] + columns[c][1]) / 2))
        texts[k] += w["text"]
    # only the cells that print something: a header row padded with empty cells would read as a row of zeros
    return [Cell(t) for t in [_cell_text(left)] + [_cell_text(t) for t in texts] if t]


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
            text = " ".join(cells[rr][cc].text for rr in range(r, r + rowspan) for cc in range(c, c + colspan)
                            if cells[rr][cc].text.strip())
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    if (rr, cc) != (r, c):
                        covered.add((rr, cc))
            row.append(Cell(_cell_text(re.sub(r"\(cid:\d+\)", "", text)), rowspan, colspan))
        rows.append(row)
    return rows


def camelot_tables(data: bytes, pages: list[int], opts: PdfOptions, heights: dict[int, float]) -> dict:
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
            found = camelot.read_pdf(tmp.name, pages=",".join(map(str, pages)), flavor=opts.camelot_flavor,
                                     **kwargs)
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
            chars = [c for c in page.chars if c.get("upright", True) and c["text"].strip()
                     and not c["text"].startswith("(cid:")]
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
    """"page" when the page has no usable text layer (OCR reads all of it), "pictures" when its text layer is
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
    if (layer.image_share >= SCAN_IMAGE_SHARE and layer.invisible_text >= 0.5 * max(1, layer.text_objects)
            and _largest_picture_share(layer) >= SCAN_PAGE_SHARE):
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
    return sum(1 for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
               and top <= (c["top"] + c["bottom"]) / 2 <= bottom) > 5


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


def _ocr_page(pdf, index: int, layer, ocr: OcrOptions) -> "PrintedPage":
    """A page with no usable text layer, read by OCR as a whole: its text lines and ruled tables."""
    from .ocr import read_picture, render_page

    grey, scale = render_page(pdf, index, ocr_dpi(layer, ocr))
    found = read_picture(grey, scale, ocr)
    lines = [ln for ln in found.lines if not is_page_number(ln[2])]
    tables = [RuledTable(bbox, [[ocr_cell_text(c) for c in row] for row in rows]) for bbox, rows in found.tables]
    return PrintedPage(layer.number, found.height or layer.height, lines, tables, ocr=True)


def ocr_cell_text(cell: Cell) -> Cell:
    cell.text = _cell_text(cell.text)
    return cell


def _ocr_pictures(pdf, index: int, layer, chars: list[dict], ocr: OcrOptions, warnings: list[str]):
    """The large pictures of a page with a good text layer that hold a ruled table (a table pasted as a picture),
    read by OCR: their lines and tables, placed where the picture is. Pictures without a table are left alone."""
    from .ocr import OcrResult, read_picture, render_page

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
            tables += [((a + dx, t + dy, z + dx, b + dy), [[ocr_cell_text(c) for c in row] for row in rows])
                       for (a, t, z, b), rows in found.tables]
    except OcrUnavailable as e:
        warnings.append(f"page {layer.number}: its pictures were not read: {e}")
        return None
    return OcrResult(lines, tables) if tables else None


# ---------------------------------------------------------------- the document

@dataclass
class PrintedPage:
    number: int
    height: float
    lines: list  # (top, bottom, text) outside tables
    tables: list  # RuledTable
    all_lines: list | None = None  # every line, tables included (for camelot's pages, whose tables replace them)
    chars: list | None = None  # the characters of a page given to camelot, until it has read it
    ocr: bool = False  # its text lines were read by OCR (wholly, or from its pictures)


def read_pdf(path: str, data: bytes, opts: PdfOptions | None = None) -> Document:
    from .pdf_layer import open_pdf, read_page

    opts = opts or PdfOptions()
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ReadError("not a PDF: the file does not start with %PDF")
    pdf = open_pdf(data)
    plumber = None  # pdfplumber, opened only for pages PDFium cannot measure (closed in `finally`, whatever fails)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ReadError("corrupt PDF: no pages")
        if n_pages > opts.max_pages:
            raise ReadError(f"PDF too long: {n_pages} pages (the limit is {opts.max_pages}; an annual report has a "
                            f"few dozen)")
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
        limit = (f"OCR read {len(ocr_pages)} of the {len(ocr_pages) + len(ocr_skipped)} pages that need it: "
                 f"page(s) {_ranges(ocr_skipped)} were not read (at most {opts.ocr.max_pages} pages of a document "
                 f"are OCR'd: ocr.max_pages in params.yaml, --ocr-max-pages)")
        warnings.append(limit)
    if n_chars == 0 and not ocr_pages:
        hint = "OCR is off (--ocr auto reads it)" if opts.ocr.mode == "off" else "OCR found nothing"
        if unmapped:
            raise ReadError(f"unreadable PDF text layer: all {unmapped} glyphs lack a Unicode mapping (cid); {hint}")
        raise ReadError(f"scanned PDF: no text layer on any of its {n_pages} pages; {hint}")
    if ocr_pages and not any(p.lines or p.tables for p in pages):
        if limit:
            raise ReadError(f"scanned PDF: OCR found no text on the {len(ocr_pages)} pages it read of its {n_pages}; "
                            f"{limit}")
        raise ReadError(f"scanned PDF: OCR found no text on any of its {n_pages} pages (blank pages?)")
    if n_chars == 0:
        n_chars = 1  # every page with text was OCR'd: no text layer share to judge
    share = unmapped / (unmapped + n_chars)
    if share > MAX_UNMAPPED_SHARE:
        raise ReadError(f"unreadable PDF text layer: {share:.0%} of its characters are glyphs without a Unicode "
                        f"mapping (cid); the text cannot be read without OCR")
    if fallback_pages:
        warnings.append(f"text of page(s) {_ranges(fallback_pages)} read by pdfplumber: PDFium could not measure "
                        f"some of their text (a font the file does not embed)")
    if share:
        warnings.append(f"{share:.1%} of the text layer are glyphs without a Unicode mapping (cid); left out")
    if camelot_pages:
        chosen = camelot_pages[: opts.max_table_pages]
        if len(camelot_pages) > len(chosen):
            warnings.append(f"camelot read the first {len(chosen)} of {len(camelot_pages)} pages it was given; "
                            f"the others kept as text lines")
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
    return Document(path=path, format="pdf", blocks=blocks, pages=n_pages, warnings=warnings,
                    ocr_pages=sorted(set(ocr_pages) | set(ocr_pictures)))


def page_blocks(pages: list["PrintedPage"], warnings: list[str]) -> list[Block]:
    """The blocks of a document's pages in reading order: each page's tables and text lines by their top, wrapped
    lines joined into paragraphs, page numbers and running headers dropped, tables continued over a page break
    stitched. Shared by every reader of printed pages (PDF, OCR'd pictures)."""
    blocks = BlockLimit()
    previous = None  # the last text line kept, with its geometry: a paragraph may go on in the next line
    furniture = _running_lines(pages)
    for p in pages:
        items = []  # (top, block, line geometry or None)
        spans = []
        for t in p.tables:
            problem = table_size_problem(t.rows)
            if problem:
                warnings.append(problem)
                continue
            spans.append((t.bbox[1], t.bbox[3]))
            move_boxes(t.rows, page=p.number)
            items.append((t.bbox[1], Block("table", page=p.number, rows=t.rows, loose=t.loose), None))
        lines = p.lines
        right = max((ln[4] for ln in lines), default=0.0)
        left = min((ln[3] for ln in lines), default=0.0)
        for k, (top, bottom, text, x0, x1) in enumerate(lines):
            mid = (top + bottom) / 2
            if p.all_lines is not None and any(a - 1 <= mid <= b + 1 for a, b in spans):
                continue  # camelot's table holds this line
            if not text or is_page_number(text) or (k in (0, len(lines) - 1) and text.strip().isdigit()
                                                    and len(text) <= 4):
                continue
            if (p.number, k) in furniture:
                continue  # a running page header or footer
            items.append((top, Block("text", page=p.number, text=text, ocr=p.ocr),
                          {"x0": x0, "x1": x1, "size": bottom - top, "full": x1 >= right - 1.5 * (bottom - top),
                           "flush_left": x0 <= left + 0.6 * (bottom - top)}))
        items.sort(key=lambda it: it[0])
        for _, block, geom in items:
            if block.kind == "table":
                previous = None
                blocks.add(block)
                continue
            if previous is not None and _continues(previous, block.text, geom):
                previous[0].text += block.text
                previous[1].update(full=geom["full"])
                continue
            parts = split_heading(block.text)
            for t in parts:
                blocks.add(Block("text", page=block.page, text=t, ocr=block.ocr))
            previous = (blocks[-1], dict(geom)) if len(parts) == 1 else None
    return stitch_tables(_header_before_page_break(list(blocks)))


def _header_before_page_break(blocks: list[Block]) -> list[Block]:
    """A table whose header rows end one page and whose rows begin the next: the header lines left at the foot of
    the page (short lines, no full stop, not a heading) go to the top of the table, not into the prose."""
    out: list[Block] = []
    for b in blocks:
        if b.kind == "table" and b.page is not None:
            k = len(out)
            while k > 0 and out[k - 1].kind == "text" and out[k - 1].page == b.page - 1 \
                    and len(out) - k < MAX_HEADER_LINES and _orphan_header_line(out[k - 1].text):
                k -= 1
            if k < len(out) and (k == 0 or out[k - 1].kind == "text"):
                b.rows = [[Cell(line.text)] for line in out[k:]] + b.rows
                del out[k:]
        out.append(b)
    return out


def _orphan_header_line(text: str) -> bool:
    from ..headings import keyword_scores

    t = text.strip()
    return (0 < len(t) <= 60 and "。" not in t and not t.endswith(("：", ":")) and not _NUMBERED_HEADING.match(t)
            and max(keyword_scores(t)) < 1.5 and (bool(_HEADER_WORDS.search(t)) or len(t) <= 20))


def _running_lines(pages: list) -> set[tuple[int, int]]:
    """(page, line) of running page headers and footers: a first or last line of a page that is printed the same
    (digits aside) as the first or last line of another page. The first page keeps its own (it is often the
    report's title)."""
    seen: dict[str, list[tuple[int, int]]] = {}
    for p in pages:
        ends = {0, len(p.lines) - 1} if p.lines else set()
        for k in ends:
            key = re.sub(r"\d+", "#", re.sub(r"\s+", "", p.lines[k][2]))
            if 4 <= len(key) <= 60:
                seen.setdefault(key, []).append((p.number, k))
    out = set()
    for places in seen.values():
        if len({page for page, _ in places}) >= 2:
            out |= {(page, k) for page, k in places if page != pages[0].number}
    return out


_NEW_ITEM = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,2}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,2}\s*[）)]|\d{1,2}\s*[、.．](?!\d))")


def _continues(previous, text: str, geom: dict) -> bool:
    """A text line that goes on with the paragraph of the line before it: that line ran to the right margin with no
    full stop, and this one starts at the left margin and is not a new numbered item, heading or a table's caption
    (表3 …, 单位：件)."""
    block, last = previous
    return (last["full"] and geom["flush_left"] and not block.text.endswith(("。", "！", "？", "；", "：", ":"))
            and not _NEW_ITEM.match(text) and not _CAPTION.match(text) and len(block.text) >= 8)


def stitch_tables(blocks: list[Block]) -> list[Block]:
    """Join a table that ends a page with the table that starts the next one when their column counts agree."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (b.kind == "table" and prev is not None and prev.kind == "table" and prev.page is not None
                and b.page == prev.page + 1 and _width(prev) == _width(b)):
            prev.rows = prev.rows + b.rows
            prev.loose = prev.loose or b.loose
            continue
        out.append(b)
    return out


def _width(b: Block) -> int:
    return max((sum(c.colspan for c in r) for r in b.rows[:3]), default=0)
