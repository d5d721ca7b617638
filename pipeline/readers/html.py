"""HTML pages as government sites publish them (often Word-saved, with site navigation around the report).

Text is cut into blocks at block-level elements and <br>; tables become grids that keep colspan/rowspan. Layout
tables (a table that holds another table, or a single cell of long prose) are read through as text, not as data.
Scripts, styles, iframes and forms are dropped; nothing in the page is executed or fetched.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from ..document import Block, Cell, Document, ReadError
from .encoding import decode_bytes
from .text import LONG_LINE, split_heading, split_long_line

_DROP = {"script", "style", "noscript", "iframe", "object", "embed", "template", "head", "select", "button", "svg",
         "input", "textarea", "form"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
          "footer", "nav", "tr", "blockquote", "pre", "dd", "dt", "dl", "center", "aside", "main", "caption",
          "figcaption", "title", "hr", "address"}
_WS = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2002\u2003\u200b]+")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff（）“”、，。：；])\s+(?=[\u4e00-\u9fff（）“”、，。：；])")


def clean_cell_text(text: str) -> str:
    """Normalise the text of a table cell: &nbsp; and other blanks to spaces, wraps removed between CJK characters."""
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    text = _CJK_GAP.sub("", text.replace("\n", " "))
    return _WS.sub(" ", text).strip()


def _int_attr(tag: Tag, name: str) -> int:
    try:
        return max(1, min(int(str(tag.get(name, "1")).strip() or 1), 1000))
    except ValueError:
        return 1


def _is_layout_table(table: Tag) -> bool:
    if table.find("table") is not None:
        return True
    cells = table.find_all(["td", "th"])
    if len(cells) <= 1:
        return True
    # a page laid out in a table: a cell holds the report's prose, not a value or a label
    return any(len(c.get_text("", strip=True)) > 300 for c in cells)


def _table_rows(table: Tag) -> list[list[Cell]]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        row = []
        for td in tr.find_all(["td", "th"], recursive=False):
            for br in td.find_all("br"):
                br.replace_with("\n")
            row.append(Cell(clean_cell_text(td.get_text("")), _int_attr(td, "rowspan"), _int_attr(td, "colspan")))
        if row:
            rows.append(row)
    return rows


class _Walker:
    def __init__(self):
        self.blocks: list[Block] = []
        self.buf: list[str] = []

    def flush(self):
        text = "".join(self.buf)
        self.buf = []
        for line in text.split("\n"):
            line = _WS.sub(" ", line).strip()
            if not line:
                continue
            if len(line) > LONG_LINE:
                self.blocks += [Block("text", text=p) for p in split_long_line(line)]
            else:
                self.blocks += [Block("text", text=t) for t in split_heading(line)]

    def walk(self, node: Tag):
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child).__name__ in ("Comment", "Doctype", "CData", "ProcessingInstruction", "Declaration"):
                    continue
                self.buf.append(str(child).replace("\n", " ").replace("\r", " "))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower() if child.name else ""
            if name in _DROP:
                continue
            if name == "br":
                self.buf.append("\n")
                continue
            if name == "table" and not _is_layout_table(child):
                self.flush()
                rows = _table_rows(child)
                if rows:
                    self.blocks.append(Block("table", rows=rows))
                continue
            if name in _BLOCK or name in ("td", "th", "table"):
                self.buf.append("\n")
                self.walk(child)
                self.buf.append("\n")
            else:
                self.walk(child)


def parse_html(text: str, path: str) -> Document:
    soup = BeautifulSoup(text, "lxml")
    root = soup.body or soup
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    return Document(path=path, format="html", blocks=walker.blocks)


def read_html(path: str, data: bytes) -> Document:
    text = decode_bytes(data, path)
    if not text.strip():
        raise ReadError("empty document: the page holds no text")
    doc = parse_html(text, path)
    if not doc.blocks:
        raise ReadError("empty document: the page holds no visible text")
    return doc
