"""A table cell's text as every reader gives it: blanks made plain spaces, a cell's line wraps between Chinese
characters taken out, and a page number that a page break left inside a cell of a printed page taken away.

Shared by the readers of markup (html.py, docx.py) and of printed pages (pdf.py, the OCR'd pictures of image.py and
pdf.py), so none of them imports another for it.
"""

from __future__ import annotations

import re

from ..document import Cell

# U+200B prints nothing and is no space: the Document takes it out (document.INVISIBLE), so 1\u200b2 reads as 12
WHITESPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2002\u2003]+")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff（）“”、，。：；])\s+(?=[\u4e00-\u9fff（）“”、，。：；])")
PAGE_NUMBER = re.compile(
    r"^\s*([-—–－_~·•]+\s*\d{1,4}\s*[-—–－_~·•]+|第\s*\d{1,4}\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
_PAGE_NUMBER_TAIL = re.compile(r"\s+[-—–－]\s*\d{1,4}\s*[-—–－]\s*$")


def clean_cell_text(text: str) -> str:
    """Normalise the text of a table cell: &nbsp; and other blanks to spaces, wraps removed between CJK characters."""
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    text = _CJK_GAP.sub("", text.replace("\n", " "))
    return WHITESPACE.sub(" ", text).strip()


def is_page_number(text: str) -> bool:
    return bool(PAGE_NUMBER.match(text)) and len(text.strip()) <= 12


def printed_cell_text(text: str) -> str:
    """A cell of a printed page: clean_cell_text, less a page number printed at its end (`… — 3 —`) or alone."""
    text = _PAGE_NUMBER_TAIL.sub("", clean_cell_text(text))
    return "" if is_page_number(text) else text


def ocr_cell_text(cell: Cell) -> Cell:
    """An OCR'd cell with its text cleaned as a printed page's (printed_cell_text); its readings are kept."""
    cell.text = printed_cell_text(cell.text)
    return cell
