"""Word documents (.docx) through python-docx, paragraphs and tables in body order (also inside content controls),
merged cells as spans, text as Word shows it (line breaks and tabs kept, deleted and moved-away text left out).

Content pasted as HTML may be kept in its own part of the file and shown where a w:altChunk element points to it:
an HTML or MHT page, plain text or a whole Word document. It is read by the reader of its format and its blocks
take the altChunk's place; a chunk that cannot be read (RTF, a link outside the file) is named in the warnings.

Horizontal merges come from w:gridSpan, vertical merges from w:vMerge (restart … continue). The archive is checked
before it is opened: a zip whose members would expand past a bound (a zip bomb) is refused.
"""

from __future__ import annotations

import io

from ..document import MAX_TABLE_CELLS, Block, BlockLimit, Cell, Document, ReadError, table_size_problem
from .cell_text import clean_cell_text
from .encoding import decode_bytes
from .html import parse_html
from .image import PictureReader
from .text import LONG_LINE, iter_long_line, parse_text, split_heading
from .zipped import open_bounded_zip

MAX_DOCUMENT_XML = 64 * 1024 * 1024  # the body's XML; a long report's is a few MB


def _check_archive(data: bytes) -> None:
    with open_bounded_zip(data, "DOCX") as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    if "word/document.xml" not in sizes:
        raise ReadError("not a Word document: the archive has no word/document.xml")
    if sizes["word/document.xml"] > MAX_DOCUMENT_XML:
        raise ReadError(
            f"refused DOCX: its text (word/document.xml) is {sizes['word/document.xml'] // (1024 * 1024)}"
            f" MB; the limit is {MAX_DOCUMENT_XML // (1024 * 1024)} MB"
        )


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


_T, _TAB, _BR, _CR = _w("t"), _w("tab"), _w("br"), _w("cr")
_MOVED_AWAY = _w("moveFrom")  # a tracked move's old place: its text is printed at the new place (w:moveTo)
_WRAPPERS = {_w("sdt"), _w("sdtContent"), _w("customXml"), _w("smartTag")}  # content controls around blocks
_ALT_CHUNK = _w("altChunk")  # content kept in another part (HTML, MHT, text, Word) and shown in its place


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
        elif el.tag in (_w("p"), _w("tbl"), _ALT_CHUNK):
            yield el


def _tc_text(tc, chunks=None) -> str:
    """A cell's text; an altChunk inside the cell adds its text in its place."""
    parts = []
    for el in tc.iter(_w("p"), _ALT_CHUNK):
        if el.tag == _ALT_CHUNK:
            if chunks is not None:
                parts.append(chunks.text(el))
        else:
            parts.append(_para_text(el))
    return clean_cell_text("\n".join(parts))


def _table_rows(tbl, chunks=None) -> list[list[Cell]]:
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
            row.append((col, span, vmerge, _tc_text(tc, chunks)))
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


MAX_CHUNK_BYTES = 64 * 1024 * 1024  # one altChunk's part: as large as an HTML page or text file may be
MAX_CHUNK_DEPTH = 2  # a Word document in an altChunk may hold altChunks of its own, this deep


class _AltChunks:
    """The altChunks of one Word file: each chunk's part read by the reader of its format. Nothing outside the file
    is fetched, and a chunk's web page reads no pictures from the disk (only data: URIs, as the page would)."""

    def __init__(self, document, path: str, ocr, depth: int, warnings: list[str]):
        self.document, self.path, self.ocr, self.depth, self.warnings = document, path, ocr, depth, warnings
        self.ocr_pictures = 0

    def _part(self, el):
        rid = el.get(_R + "id")
        rel = self.document.part.rels.get(rid) if rid else None
        if rel is None:
            self.warnings.append(f"an altChunk names no part of the file ({rid!r}); its content is missing")
            return None
        if rel.is_external:
            # the address is not repeated: it may be a tracking or hostile URL, and outputs carry no link out
            self.warnings.append(f"an altChunk ({rid}) links outside the file; not fetched, its content is missing")
            return None
        part = rel.target_part
        if len(part.blob) > MAX_CHUNK_BYTES:
            self.warnings.append(
                f"an altChunk of {len(part.blob) // (1024 * 1024)} MB ({part.partname}) exceeds "
                f"{MAX_CHUNK_BYTES // (1024 * 1024)} MB; it was left out"
            )
            return None
        return part

    def _document(self, el) -> Document | None:
        part = self._part(el)
        if part is None:
            return None
        kind = _chunk_kind(part.content_type, str(part.partname))
        notes: list[str] = []  # how its bytes were decoded, where that needs saying
        try:
            if kind == "html":
                doc = parse_html(decode_bytes(part.blob, self.path, notes=notes), "", self.ocr)
            elif kind == "mht":
                doc = parse_html(_mht_html(part.blob, self.path, notes), "", self.ocr)
            elif kind == "text":
                doc = parse_text(decode_bytes(part.blob, self.path, notes=notes), "")
            elif kind == "docx":
                if self.depth >= MAX_CHUNK_DEPTH:
                    raise ReadError(f"Word documents nested in altChunks more than {MAX_CHUNK_DEPTH} deep")
                doc = read_docx(self.path, part.blob, self.ocr, self.depth + 1)
            else:
                self.warnings.append(
                    f"an altChunk of type {part.content_type or 'unknown'} ({part.partname}) was "
                    f"not read: only HTML, MHT, plain text and Word content are; its content is "
                    f"missing"
                )
                return None
        except ReadError as e:
            self.warnings.append(f"an altChunk ({part.partname}) could not be read: {e}")
            return None
        self.ocr_pictures += doc.ocr_pictures
        self.warnings.extend(f"altChunk {part.partname}: {w}" for w in notes + doc.warnings)
        return doc

    def blocks(self, el) -> list[Block]:
        doc = self._document(el)
        return doc.blocks if doc is not None else []

    def text(self, el) -> str:
        """The text of a chunk inside a table cell, on one line (its tables' cells separated by spaces)."""
        doc = self._document(el)
        if doc is None:
            return ""
        return " ".join(b.text if b.kind == "text" else " ".join(c.text for r in b.rows for c in r) for b in doc.blocks)


def _chunk_kind(content_type: str | None, name: str) -> str | None:
    ct, name = (content_type or "").lower().split(";")[0].strip(), name.lower()
    if ct in ("text/html", "application/xhtml+xml"):
        return "html"
    if ct in ("message/rfc822", "multipart/related", "application/x-mimearchive"):
        return "mht"
    if ct == "text/plain":
        return "text"
    if "wordprocessingml" in ct:
        return "docx"
    for kind, ends in (
        ("html", (".html", ".htm", ".xhtml")),
        ("mht", (".mht", ".mhtml")),
        ("text", (".txt",)),
        ("docx", (".docx", ".docm", ".dotx")),
    ):
        if name.endswith(ends) and ct in ("", "application/octet-stream"):
            return kind
    return None


def _mht_html(data: bytes, path: str, notes: list[str]) -> str:
    """The web page of an MHT archive (what Word writes for content pasted as HTML): its first HTML part."""
    import email
    import email.policy

    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() in ("text/html", "application/xhtml+xml"):
            payload = part.get_payload(decode=True)
            if payload:
                return decode_bytes(payload, path, declared=part.get_content_charset(), notes=notes)
    raise ReadError("an MHT archive without a web page")


def _chunks_kept_as_bytes() -> None:
    """python-docx parses a part by its content type; a Word document in an altChunk has the main document's type
    but holds a whole .docx archive, and parsing it as XML would fail the file. Through python-docx's own hook
    (PartFactory.part_class_selector, chained to the selector already set), every altChunk target is kept as
    bytes, for _AltChunks to read."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.part import Part, PartFactory

    previous = PartFactory.part_class_selector
    if getattr(previous, "keeps_chunks", False):
        return

    def select(content_type, reltype):
        if reltype == RT.A_F_CHUNK:
            return Part
        return previous(content_type, reltype) if previous is not None else None

    select.keeps_chunks = True
    PartFactory.part_class_selector = select


def read_docx(path: str, data: bytes, ocr=None, _depth: int = 0) -> Document:
    _check_archive(data)
    import docx

    _chunks_kept_as_bytes()
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
    chunks = _AltChunks(d, path, ocr, _depth, warnings)
    for el in _body_blocks(d.element.body):
        if el.tag == _ALT_CHUNK:
            blocks.add_all(chunks.blocks(el))
        elif el.tag == _w("p"):
            if pictures.active and (
                el.find(".//" + _w("drawing")) is not None or el.find(".//" + _V + "imagedata") is not None
            ):
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
            rows = _table_rows(el, chunks)
            problem = table_size_problem(rows) if rows else None
            if problem:
                warnings.append(problem)
            elif rows:
                blocks.add(Block("table", rows=rows))
    if not blocks:
        why = next((w for w in warnings if "altChunk" in w), None)  # the content Word keeps elsewhere, unread
        raise ReadError("empty document: the Word file holds no text" + (f" ({why})" if why else ""))
    warnings += pictures.summary()
    return Document(
        path=path,
        format="docx",
        blocks=list(blocks),
        warnings=warnings,
        ocr_pictures=pictures.read + chunks.ocr_pictures,
    )
