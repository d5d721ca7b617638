"""HTML pages as government sites publish them (often Word-saved, with site navigation around the report).

Text is cut into blocks at block-level elements and <br>; tables become grids that keep colspan/rowspan. Layout
tables (a table that holds another table, or a single cell of long prose) are read through as text, not as data.
Scripts, styles, iframes and forms are dropped; nothing in the page is executed or fetched: the page is parsed by
libxml2's HTML parser with network access off, comments and processing instructions removed, and no DTD or entity
declared in the page is loaded or expanded. The parsed tree is walked without recursion, and is kept in lxml's compact
C structures, so that a page of tens of megabytes costs little more memory than its text.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ..document import MAX_TABLE_CELLS, Block, BlockLimit, Cell, Document, ReadError, table_size_problem
from .cell_text import WHITESPACE, clean_cell_text
from .encoding import decode_bytes
from .text import LONG_LINE, iter_long_line, split_heading

_DROP = {
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "template",
    "head",
    "select",
    "button",
    "svg",
    "input",
    "textarea",
    "form",
}
_BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "tr",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "center",
    "aside",
    "main",
    "caption",
    "figcaption",
    "title",
    "hr",
    "address",
}


def _int_attr(el, name: str) -> int:
    try:
        return max(1, min(int(str(el.get(name, "1")).strip() or 1), 1000))
    except ValueError:
        return 1


_NO_TEXT = {"script", "style", "template", "rt", "rp"}  # strings a browser does not show as the element's text


def _tag(el) -> str | None:
    """The lower-case tag name of an element; None for comments, processing instructions and entities."""
    return el.tag.lower() if isinstance(el.tag, str) else None


def _prepare(root) -> None:
    """Once per page, in C: elements whose text a browser does not show are removed (their tails kept), and each
    <br> becomes a line break in the text after it, so a cell's text is lxml's itertext."""
    etree.strip_elements(root, *_NO_TEXT, with_tail=False)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")


_STRING = etree.XPath("string()", smart_strings=False)


def _text(el) -> str:
    """The text inside `el` (not its tail), joined in C: script and style text were removed by _prepare, and each
    <br> reads as a line break."""
    return _STRING(el)


def _is_layout_table(table) -> bool:
    if table.find(".//table") is not None:
        return True
    cells = list(table.iter("td", "th"))
    if len(cells) <= 1:
        return True
    if len(cells) > MAX_TABLE_CELLS:
        return False  # a grid far too large to be a layout; left out as too large
    # a page laid out in a table: a cell holds the report's prose, not a value or a label
    for c in cells:
        text = _text(c)
        if len(text) > 300 and sum(len(s.strip()) for s in c.itertext()) > 300:
            return True
    return False


def _table_rows(table) -> list[list[Cell]]:
    rows = []
    for tr in table.iter("tr"):
        if next(tr.iterancestors("table"), None) is not table:
            continue
        row = []
        for td in tr:
            if _tag(td) in ("td", "th"):
                text = clean_cell_text(_text(td))
                row.append(Cell(text, _int_attr(td, "rowspan"), _int_attr(td, "colspan")))
        if row:
            rows.append(row)
    return rows


class _Walker:
    def __init__(self, pictures=None, folder: Path | None = None):
        self.blocks = BlockLimit()
        self.buf: list[str] = []
        self.warnings: list[str] = []
        self.pictures = pictures  # image.PictureReader, when the page's pictures are to be read by OCR
        self.folder = folder  # the page's folder: its pictures are read from there (page_files/…), never fetched

    def text(self, s: str | None):
        if s:
            self.buf.append(s.replace("\n", " ").replace("\r", " "))

    def flush(self):
        text = "".join(self.buf)
        self.buf = []
        for line in text.split("\n"):
            line = WHITESPACE.sub(" ", line).strip()
            if not line:
                continue
            if len(line) > LONG_LINE:
                self.blocks.add_all(Block("text", text=p) for p in iter_long_line(line))
            else:
                self.blocks.add_all(Block("text", text=t) for t in split_heading(line))

    def walk(self, root):
        """Text and tables of `root` in document order (iteratively: no recursion however deep the page nests)."""
        walk = etree.iterwalk(root, events=("start", "end"))
        blocks_open = []  # for each open element: whether it is a block (a line break before and after)
        for event, el in walk:
            name = _tag(el)
            if event == "start":
                if name is None or name in _DROP:
                    walk.skip_subtree()
                    blocks_open.append(None)
                elif name == "br":
                    self.buf.append("\n")
                    blocks_open.append(None)
                elif name == "img" and self.pictures is not None and self.pictures.active:
                    data = local_picture(el.get("src"), self.folder)
                    if data:
                        found = self.pictures.blocks(data, _css_width_pt(el))
                        if found:
                            self.flush()
                            self.blocks.add_all(found)
                    blocks_open.append(None)
                elif name == "table" and el is not root and not _is_layout_table(el):
                    walk.skip_subtree()
                    self.flush()
                    n_cells = sum(1 for _ in el.iter("td", "th"))
                    if n_cells > MAX_TABLE_CELLS:
                        rows = []
                        problem = f"table too large: {n_cells} cells (the limit is {MAX_TABLE_CELLS}); it was left out"
                    else:
                        rows = _table_rows(el)
                        problem = table_size_problem(rows) if rows else None
                    if problem:
                        self.warnings.append(problem)
                    elif rows:
                        self.blocks.add(Block("table", rows=rows))
                    blocks_open.append(None)
                else:
                    block = el is not root and (name in _BLOCK or name in ("td", "th", "table"))
                    if block:
                        self.buf.append("\n")
                    self.text(el.text)
                    blocks_open.append(block)
            else:
                if blocks_open.pop():
                    self.buf.append("\n")
                if el is not root:
                    self.text(el.tail)


MAX_PICTURE_BYTES = 20 * 1024 * 1024


def local_picture(src: str | None, folder: Path | None) -> bytes | None:
    """The bytes of a picture the page shows, when the page was saved with its files: a relative path inside the
    page's own folder (page_files/image001.png), or a data: URI. Nothing is fetched: an http(s), protocol-relative
    or file: address, an absolute path, a path that leaves the folder (..), a link or a special file gives None."""
    import base64
    from urllib.parse import unquote, urlsplit

    if not src:
        return None
    src = src.strip()
    if src[:5].lower() == "data:":
        head, _, payload = src.partition(",")
        if not head.lower().startswith("data:image/") or ";base64" not in head.lower():
            return None
        if len(payload) > MAX_PICTURE_BYTES * 4 // 3 + 4:
            return None
        try:
            return base64.b64decode(payload, validate=False)
        except ValueError:
            return None
    if folder is None:
        return None
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith(("/", "\\")):
        return None
    relative = unquote(parts.path).replace("\\", "/")
    if not relative or relative.startswith("/"):
        return None
    try:
        base = folder.resolve()
        target = (base / relative).resolve()
        if base not in target.parents or not target.is_file() or target.stat().st_size > MAX_PICTURE_BYTES:
            return None
        return target.read_bytes()
    except (OSError, RuntimeError, ValueError):
        return None


def _css_width_pt(el) -> float | None:
    """The width a picture is shown at (its width attribute, CSS pixels), in points."""
    try:
        width = float(re.sub(r"px$", "", str(el.get("width", "")).strip()))
    except ValueError:
        return None
    return width * 0.75 if width > 0 else None


_TAG_NAME = re.compile(r"[a-z][a-z0-9_.\-]*")
_SPANS = ("rowspan", "colspan")
_PICTURE_ATTRIBUTES = ("src", "width")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # lxml's tree refuses them


def _safe_tag(tag: str) -> str:
    """Tag names as the walker knows them; other names (`o:p` of Word pages, broken markup) become inline `x`."""
    tag = tag.lower()
    return tag if _TAG_NAME.fullmatch(tag) else "x"


class _OneTree:
    """Parser target that builds one tree however often the page opens <html> or <body>: libxml2 starts a new <html>
    for content after </html>, which a browser shows in the body like the rest, so it joins the first body here.
    Only the attributes the reader uses (rowspan, colspan) are kept."""

    def __init__(self):
        self.builder = etree.TreeBuilder()
        self.stack: list[str] = []
        self.seen: set[str] = set()

    def start(self, tag, attrib):
        tag = _safe_tag(tag)
        if tag in ("html", "body"):
            if tag in self.seen:
                return
            self.seen.add(tag)
        elif not self.stack:
            self.start("html", {})
        kept = _SPANS + _PICTURE_ATTRIBUTES if tag == "img" else _SPANS
        self.builder.start(tag, {k.lower(): _NOT_XML.sub("", v) for k, v in attrib.items() if k.lower() in kept})
        self.stack.append(tag)

    def end(self, tag):
        tag = _safe_tag(tag)
        # <html> and <body> stay open until the end; anything else closes only what it opened
        if tag not in ("html", "body") and self.stack and self.stack[-1] == tag:
            self.builder.end(self.stack.pop())

    def data(self, text):
        if self.stack:
            self.builder.data(_NOT_XML.sub(" ", text))

    def close(self):
        if not self.stack:
            return None
        while self.stack:
            self.builder.end(self.stack.pop())
        return self.builder.close()


_AFTER_END = re.compile(r"</\s*(?:body|html)\s*>", re.I)
_ONLY_CLOSING = re.compile(r"(?s)\s*(?:</?\s*(?:body|html)[^>]*>|<!--.*?-->|\s)*")


def _native_tree(data: bytes):
    """libxml2's own tree (fast, in C), or None when it would lose content: text after </body> or </html> (which
    its tree builder drops) or nesting deeper than its limit."""
    parser = etree.HTMLParser(
        encoding="utf-8", recover=True, no_network=True, remove_comments=True, remove_pis=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        return None
    return root


def _one_tree(data: bytes):
    parser = etree.HTMLParser(
        target=_OneTree(),
        encoding="utf-8",
        recover=True,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        parser.feed(data)
        return parser.close()
    except etree.XMLSyntaxError:  # nothing the parser could recover
        return None


def parse_html(text: str, path: str, ocr=None) -> Document:
    data = _NOT_XML.sub(" ", text.replace("\x00", "")).encode("utf-8", "replace")
    root = None
    end = _AFTER_END.search(text)
    if end is None or _ONLY_CLOSING.fullmatch(text, end.start()):
        root = _native_tree(data)
    if root is None:
        root = _one_tree(data)  # content after the page's end, or nested past libxml2's limit: built by hand
    pictures = None
    if ocr is not None and ocr.mode != "off":
        from .image import PictureReader

        pictures = PictureReader(ocr)
    walker = _Walker(pictures, Path(path).parent if path else None)
    if root is not None:
        _prepare(root)
        body = root.find("body")
        walker.walk(body if body is not None else root)
        walker.flush()
    warnings = walker.warnings + (pictures.summary() if pictures is not None else [])
    return Document(
        path=path,
        format="html",
        blocks=list(walker.blocks),
        warnings=warnings,
        ocr_pictures=pictures.read if pictures is not None else 0,
    )


def read_html(path: str, data: bytes, ocr=None) -> Document:
    notes: list[str] = []
    text = decode_bytes(data, path, notes=notes)
    if not text.strip():
        raise ReadError("empty document: the page holds no text")
    doc = parse_html(text, path, ocr)
    doc.warnings[:0] = notes
    if not doc.blocks:
        raise ReadError("empty document: the page holds no visible text")
    return doc
