"""Word documents (.docx) through python-docx, paragraphs and tables in body order (also inside content controls),
merged cells as spans, text as Word shows it (line breaks and tabs kept, deleted and moved-away text left out).

Horizontal merges come from w:gridSpan, vertical merges from w:vMerge (restart … continue). The archive is checked
before it is opened: a zip whose members would expand past a bound (a zip bomb) is refused.
"""
from __future__ import annotations

import io
import zipfile

from ..document import MAX_TABLE_CELLS, Block, BlockLimit, Cell, Document, ReadError, table_size_problem
from .html import clean_cell_text
from .image import PictureReader
from .text import LONG_LINE, iter_long_line, split_heading

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_DOCUMENT_XML = 64 * 1024 * 1024  # the body's XML; a long report's is a few MB


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            sizes = {i.filename: i.file_size for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        raise ReadError(f"corrupt DOCX: not a readable zip archive ({e})")
    if "word/document.xml" not in sizes:
        raise ReadError("not a Word document: the archive has no word/document.xml")
    if total > MAX_UNCOMPRESSED or (total > 10 * 1024 * 1024 and total / packed > MAX_RATIO):
        raise ReadError(f"refused DOCX: archive expands to {total // (1024 * 1024)} MB (a zip bomb?)")
    if sizes["word/document.xml"] > MAX_DOCUMENT_XML:
        raise ReadError(f"refused DOCX: its text (word/document.xml) is {sizes['word/document.xml'] // (1024 * 1024)}"
                        f" MB; the limit is {MAX_DOCUMENT_XML // (1024 * 1024)} MB")


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


_T, _TAB, _BR, _CR = _w("t"), _w("tab"), _w("br"), _w("cr")
_MOVED_AWAY = _w("moveFrom")  # a tracked move's old place: its text is printed at the new place (w:moveTo)
_WRAPPERS = {_w("sdt"), _w("sdtContent"), _w("customXml"), _w("smartTag")}  # content controls around blocks


def _para_text(p) -> str:
    """A paragraph's text as Word shows it: runs' text, tabs as spaces, line breaks as line breaks; deleted text
    (w:delText) and the old place of moved text are not shown."""
    out = []
    moved = p.find(".//" + _MOVED_AWAY) is not None
    for el in p.iter(_T, _TAB, _BR, _CR):
        if moved and next(el.iterancestors(_MOVED_AWAY), None) is not None:
            continue
        if el.tag == _T:
            out.append(el.text or "")
        elif el.tag == _TAB:
            if el.getparent() is not None and el.getparent().tag == _w("r"):  # a tab in a run, not a tab stop
                out.append(" ")
        else:
            out.append("\n")
    return "".join(out)


def _body_blocks(body):
    """The paragraphs and tables of the body in order, also those inside content controls (w:sdt) and custom XML
    wrappers, which Word shows like any other."""
    stack = [iter(body.iterchildren())]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
        elif el.tag in _WRAPPERS:
            stack.append(iter(el.iterchildren()))
        elif el.tag in (_w("p"), _w("tbl")):
            yield el


def _tc_text(tc) -> str:
    return clean_cell_text("\n".join(_para_text(p) for p in tc.iter(_w("p"))))


def _table_rows(tbl) -> list[list[Cell]]:
    """Rows of origin cells; a cell that continues a vertical merge adds to its origin's rowspan instead."""
    grid_rows = []  # each: list of (col, colspan, vmerge, text)
    for tr in tbl.iter(_w("tr")):
        if tr.getparent() is not tbl:
            continue
        col = 0
        row = []
        for tc in tr.findall(_w("tc")):
            pr = tc.find(_w("tcPr"))
            span, vmerge = 1, None
            if pr is not None:
                gs = pr.find(_w("gridSpan"))
                if gs is not None:
                    try:
                        span = max(1, int(gs.get(_w("val"), "1")))
                    except ValueError:
                        span = 1
                vm = pr.find(_w("vMerge"))
                if vm is not None:
                    vmerge = vm.get(_w("val"), "continue")
            row.append((col, span, vmerge, _tc_text(tc)))
            col += span
        grid_rows.append(row)
    out: list[list[Cell]] = []
    origin: dict[int, Cell] = {}  # grid column -> cell that a vertical merge started
    for row in grid_rows:
        cells = []
        for col, span, vmerge, text in row:
            if vmerge == "continue" and col in origin:
                origin[col].rowspan += 1
                continue
            cell = Cell(text, 1, span)
            if vmerge == "restart":
                origin[col] = cell
            else:
                origin.pop(col, None)
            cells.append(cell)
        out.append(cells)
    return out


_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_V = "{urn:schemas-microsoft-com:vml}"
EMU_PER_PT = 12700


def _pictures(p) -> list[tuple[str, float | None]]:
    """The pictures of a paragraph: (relationship id, width shown in points or None), drawings and legacy VML."""
    out = []
    for drawing in p.iter(_w("drawing")):
        extent = next(drawing.iter(_WP + "extent"), None)
        try:
            width = int(extent.get("cx")) / EMU_PER_PT if extent is not None else None
        except (TypeError, ValueError):
            width = None
        for blip in drawing.iter(_A + "blip"):
            if blip.get(_R + "embed"):
                out.append((blip.get(_R + "embed"), width))
    for data in p.iter(_V + "imagedata"):
        if data.get(_R + "id"):
            out.append((data.get(_R + "id"), None))
    return out


def _picture_blocks(document, p, pictures) -> list[Block]:
    """Blocks read by OCR from the pictures of a paragraph (a table or a page pasted as a picture)."""
    out = []
    for rid, width in _pictures(p):
        part = document.part.related_parts.get(rid)
        if part is not None and getattr(part, "blob", None) and pictures.active:
            out += pictures.blocks(part.blob, width)  # an external (linked) picture has no blob: never fetched
    return out


def read_docx(path: str, data: bytes, ocr=None) -> Document:
    _check_archive(data)
    import docx

    try:
        d = docx.Document(io.BytesIO(data))  # python-docx's XML parser neither loads nor expands entities
    except Exception as e:
        msg = str(e).splitlines()[0][:150] if str(e) else ""
        if "entity" in msg.lower() or "amplification" in msg.lower():
            raise ReadError(f"refused DOCX: its XML declares entities that expand without bound ({msg})")
        raise ReadError(f"corrupt DOCX: {type(e).__name__}: {msg}")
    blocks = BlockLimit()
    warnings: list[str] = []
    pictures = PictureReader(ocr)
    for el in _body_blocks(d.element.body):
        if el.tag == _w("p"):
            if pictures.active and (el.find(".//" + _w("drawing")) is not None
                                    or el.find(".//" + _V + "imagedata") is not None):
                blocks.add_all(_picture_blocks(d, el, pictures))
            for line in _para_text(el).split("\n"):  # a line break in a paragraph starts a new line of text
                text = clean_cell_text(line)
                if not text:
                    continue
                if len(text) > LONG_LINE:
                    blocks.add_all(Block("text", text=p) for p in iter_long_line(text))
                else:
                    blocks.add_all(Block("text", text=t) for t in split_heading(text))
        elif el.tag == _w("tbl"):
            n_cells = sum(1 for _ in el.iter(_w("tc")))
            if n_cells > MAX_TABLE_CELLS:
                warnings.append(f"table too large: {n_cells} cells (the limit is {MAX_TABLE_CELLS}); it was left out")
                continue
            rows = _table_rows(el)
            problem = table_size_problem(rows) if rows else None
            if problem:
                warnings.append(problem)
            elif rows:
                blocks.add(Block("table", rows=rows))
    if not blocks:
        raise ReadError("empty document: the Word file holds no text")
    warnings += pictures.summary()
    return Document(path=path, format="docx", blocks=list(blocks), warnings=warnings, ocr_pictures=pictures.read)
