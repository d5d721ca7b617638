"""Printed pages put together into a document's blocks: shared by every reader of printed pages — PDF text layers
(pdf.py), OCR'd scans and photos (pdf.py, image.py) and pictures inside Word files and web pages (image.py) — so none
of them imports another for it.

A reader gives each page as a PrintedPage: its text lines (top, bottom, text, x0, x1) outside tables, and its tables
(RuledTable: the cells of a grid with their spans and boxes). page_blocks lays each page's tables and lines out by
their top, joins wrapped lines into paragraphs, drops page numbers and running headers and footers, moves a table's
header lines left at the foot of the previous page to its top, and stitches a table continued over a page break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import Block, BlockLimit, Cell, table_size_problem
from .cell_text import is_page_number
from .text import split_heading

NUMBERED_HEADING = re.compile(r"^[一二三四五六七八九十]{1,2}[、.．]")
MAX_HEADER_LINES = 12
HEADER_WORDS = re.compile(r"^第二十条|信息内容|[（(]?本列数据|申请人情况|^行政复议|^结果")
CAPTION = re.compile(r"^[（(]?(?:本表数据)?单位[：:]|^附?表\s*[\d一二三四五六]")


@dataclass
class RuledTable:
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    rows: list[list[Cell]]
    loose: bool = False  # rebuilt from word positions (no rulings)


@dataclass
class PrintedPage:
    number: int
    height: float
    lines: list  # (top, bottom, text) outside tables
    tables: list  # RuledTable
    all_lines: list | None = None  # every line, tables included (for camelot's pages, whose tables replace them)
    chars: list | None = None  # the characters of a page given to camelot, until it has read it
    ocr: bool = False  # its text lines were read by OCR (wholly, or from its pictures)


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


def page_blocks(pages: list["PrintedPage"], warnings: list[str]) -> list[Block]:
    """The blocks of a document's pages in reading order: each page's tables and text lines by their top, wrapped
    lines joined into paragraphs, page numbers and running headers dropped, tables continued over a page break
    stitched. Shared by every reader of printed pages (PDF, OCR'd pictures)."""
    blocks = BlockLimit()
    previous = None  # the last text line kept, with its geometry: a paragraph may go on in the next line
    furniture = _running_lines(pages)
    margin = _body_right_margin(pages)
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
        if len(lines) < FEW_LINES:  # too few lines to tell the right margin: a heading alone is not a full line
            right = max(right, margin)
        left = min((ln[3] for ln in lines), default=0.0)
        for k, (top, bottom, text, x0, x1) in enumerate(lines):
            mid = (top + bottom) / 2
            if p.all_lines is not None and any(a - 1 <= mid <= b + 1 for a, b in spans):
                continue  # camelot's table holds this line
            if (
                not text
                or is_page_number(text)
                or (k in (0, len(lines) - 1) and text.strip().isdigit() and len(text) <= 4)
            ):
                continue
            if (p.number, k) in furniture:
                continue  # a running page header or footer
            items.append(
                (
                    top,
                    Block("text", page=p.number, text=text, ocr=p.ocr),
                    {
                        "x0": x0,
                        "x1": x1,
                        "size": bottom - top,
                        "full": x1 >= right - 1.5 * (bottom - top),
                        "flush_left": x0 <= left + 0.6 * (bottom - top),
                    },
                )
            )
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


FEW_LINES = 5  # a page with fewer text lines takes the right margin of the document's other pages


def _body_right_margin(pages: list) -> float:
    """Where the body text's lines end on the right: the median, over the pages with FEW_LINES lines or more, of
    their longest line's end (0.0 when no page has that many)."""
    import statistics

    rights = [max(ln[4] for ln in p.lines) for p in pages if len(p.lines) >= FEW_LINES]
    return statistics.median(rights) if rights else 0.0


def _header_before_page_break(blocks: list[Block]) -> list[Block]:
    """A table whose header rows end one page and whose rows begin the next: the header lines left at the foot of
    the page (short lines, no full stop, not a heading) go to the top of the table, not into the prose."""
    out: list[Block] = []
    for b in blocks:
        if b.kind == "table" and b.page is not None:
            k = len(out)
            while (
                k > 0
                and out[k - 1].kind == "text"
                and out[k - 1].page == b.page - 1
                and len(out) - k < MAX_HEADER_LINES
                and _orphan_header_line(out[k - 1].text)
            ):
                k -= 1
            if k < len(out) and (k == 0 or out[k - 1].kind == "text"):
                b.rows = [[Cell(line.text)] for line in out[k:]] + b.rows
                del out[k:]
        out.append(b)
    return out


def _orphan_header_line(text: str) -> bool:
    from ..headings import keyword_scores

    t = text.strip()
    return (
        0 < len(t) <= 60
        and "。" not in t
        and not t.endswith(("：", ":"))
        and not NUMBERED_HEADING.match(t)
        and max(keyword_scores(t)) < 1.5
        and (bool(HEADER_WORDS.search(t)) or len(t) <= 20)
    )


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


_NEW_ITEM = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,2}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,2}\s*[）)]|\d{1,2}\s*[、.．](?!\d))"
)


def _continues(previous, text: str, geom: dict) -> bool:
    """A text line that goes on with the paragraph of the line before it: that line ran to the right margin with no
    full stop, and this one starts at the left margin and is not a new numbered item, heading or a table's caption
    (表3 …, 单位：件)."""
    block, last = previous
    return (
        last["full"]
        and geom["flush_left"]
        and not block.text.endswith(("。", "！", "？", "；", "：", ":"))
        and not _NEW_ITEM.match(text)
        and not CAPTION.match(text)
        and len(block.text) >= 8
    )


def stitch_tables(blocks: list[Block]) -> list[Block]:
    """Join a table that ends a page with the table that starts the next one when their column counts agree."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (
            b.kind == "table"
            and prev is not None
            and prev.kind == "table"
            and prev.page is not None
            and b.page == prev.page + 1
            and _width(prev) == _width(b)
        ):
            prev.rows = prev.rows + b.rows
            prev.loose = prev.loose or b.loose
            continue
        out.append(b)
    return out


def _width(b: Block) -> int:
    return max((sum(c.colspan for c in r) for r in b.rows[:3]), default=0)
