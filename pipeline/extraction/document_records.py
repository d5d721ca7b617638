"""A document's row records: every grid, and the table text of sections 2-4, read into records once.

Before the sections are known, `table_blocks` tells the section stage which grids hold which statutory table; after
it, `collect_records` gives the table stage every record with the section it was printed in, and the text blocks
that were table text (not prose). Both read the grids through one GridRecords, so each grid's geometry and records
are worked out once per document; a grid is read again only where it continues a table of its section and takes
over that table's header band (a table cut in two across a page).
"""

from __future__ import annotations

import bisect
import dataclasses
import re

from ..document import Block
from .cells import looks_numeric, parse_value
from .labels import RowLabeler
from .records import SECTION_OF_TABLE, GridGeometry, RowRecord, records_from_grid
from .sums import row_holds
from .text_records import _MEANINGFUL, _is_caption, looks_tabular_text, records_from_text


class GridRecords:
    """The row records of one document's grids, each read once with no header band carried in; `read` gives them
    with their section (and reads a grid again only when a band is carried into it)."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self._geometry: dict[int, GridGeometry] = {}
        self._plain: dict[int, tuple[list[RowRecord], dict]] = {}

    def geometry(self, i: int) -> GridGeometry:
        if i not in self._geometry:
            self._geometry[i] = GridGeometry.of(self.blocks[i].rows)
        return self._geometry[i]

    def plain(self, i: int) -> list[RowRecord]:
        """The grid's records read with no header band carried in (section and page unset)."""
        return self._read_plain(i)[0]

    def _read_plain(self, i: int) -> tuple[list[RowRecord], dict]:
        if i not in self._plain:
            b = self.blocks[i]
            band: dict = {}
            found = records_from_grid(b.rows, i, headers=not b.loose, carried=band, geometry=self.geometry(i))
            self._plain[i] = (found, band["from_right"])
        return self._plain[i]

    def read(self, i: int, section, carried: dict) -> list[RowRecord]:
        """The grid's records in `section`; `carried` holds the header band of the table before it in the section,
        and is left holding the band this grid ends with (see records_from_grid)."""
        b = self.blocks[i]
        if carried.get("from_right"):
            return records_from_grid(
                b.rows, i, b.page, section, headers=not b.loose, carried=carried, geometry=self.geometry(i)
            )
        found, band = self._read_plain(i)
        carried["from_right"] = {k: list(v) for k, v in band.items()}
        return [dataclasses.replace(rec, parts=list(rec.parts), page=b.page, section=section) for rec in found]


def collect_records(
    blocks: list[Block],
    assignment: list[int | None],
    junk: list[bool],
    headings: set[int] = frozenset(),
    grids: GridRecords | None = None,
):
    """Records from every table block and from the table-like text of sections 2-4.

    Returns the records and the indices of the text blocks that were read as table text (not prose).
    """
    grids = grids or GridRecords(blocks)
    records: list[RowRecord] = []
    buffer: list[tuple[int, Block]] = []
    table_text: set[int] = set()
    carried: dict = {}  # the header band of the last table of the section, for a table that continues it

    def flush():
        while len(buffer) > 1 and _is_caption(buffer[0][1].text):
            buffer.pop(0)  # a caption before the table (（单位：件）, 表2 …) is prose, not a row
        if not buffer:
            return
        text = "".join(b.text for _, b in buffer)
        i0, b0 = buffer[0]
        found = records_from_text(text, i0, b0.page, assignment[i0])
        if len(found) == 1 and len(_MEANINGFUL.findall(found[0].label)) < 2:
            found = []  # `表2 收到和处理…`: a caption with a number in it, not a table row
        if any(b.ocr for _, b in buffer):
            for rec in found:
                rec.ocr_text = True
        _spans_in_blocks(found, buffer)
        if found:
            records.extend(found)
            table_text.update(i for i, _ in buffer)
        buffer.clear()

    grid_blocks: set[int] = set()
    for i, b in enumerate(blocks):
        if junk[i]:
            continue
        sec = assignment[i]
        if b.kind == "table":
            grid_blocks.add(i)
            flush()
            if carried.get("section") != sec:
                carried.clear()
            carried["section"] = sec
            records.extend(grids.read(i, sec, carried))
        elif sec in (2, 3, 4) and looks_tabular_text(b.text) and i not in headings:
            if buffer and assignment[buffer[-1][0]] != sec:
                flush()
            buffer.append((i, b))
        else:
            flush()
    flush()
    table_text |= _text_around_tables(blocks, assignment, junk, headings, grid_blocks | table_text)
    return records, table_text


def _spans_in_blocks(records: list[RowRecord], buffer: list[tuple[int, Block]]) -> None:
    """The records' spans, read in the text of several blocks joined, as spans in the block each one starts in."""
    starts, at = [], 0
    for _, b in buffer:
        starts.append(at)
        at += len(b.text)
    for rec in records:
        for w in rec.where or []:
            s, e = w["span"]
            k = max(bisect.bisect_right(starts, s) - 1, 0)
            i, b = buffer[k]
            w.update(block=i, span=[s - starts[k], min(e - starts[k], len(b.text))])
            if b.page is not None:
                w["page"] = b.page


_TABLE_NOTE = re.compile(r"^\s*(?:注|备注|说明)\s*[：:\d]")


def _text_around_tables(blocks, assignment, junk, headings, parts: set[int]) -> set[int]:
    """Text of sections 2-4 that belongs to a table though it holds no row: header words printed above the grid
    (申请人情况, 自然人 总计), labels a converter printed between the pieces of a cut table, and notes (注：…).
    Only lines that look like table text, inside the span of the section's table or running up to its first piece."""
    found: set[int] = set()
    for sid in (2, 3, 4):
        mine = sorted(i for i in parts if assignment[i] == sid)
        if not mine:
            continue
        first, last = mine[0], mine[-1]

        def tabular(j):
            b = blocks[j]
            return (
                b.kind == "text"
                and not junk[j]
                and j not in headings
                and assignment[j] == sid
                and (looks_tabular_text(b.text) or _TABLE_NOTE.match(b.text))
            )

        found.update(j for j in range(first + 1, last) if tabular(j))
        j = first - 1
        while j >= 0 and tabular(j):  # the header lines right above the first piece
            found.add(j)
            j -= 1
        j = last + 1
        while j < len(blocks) and blocks[j].kind == "text" and _TABLE_NOTE.match(blocks[j].text) and tabular(j):
            found.add(j)  # notes right below the last piece
            j += 1
    return found


ANCHOR_CONFIDENCE = 0.9


def table_blocks(blocks: list[Block], labeler: RowLabeler, grids: GridRecords | None = None) -> dict[int, list[int]]:
    """Section → the grid blocks that hold rows of its statutory table, read before the sections are known: a grid
    with two rows the labeler puts in one table with confidence, or (table 4) a row of 15 numbers, the official
    layout. The section stage uses them to check its headings against where the tables are."""
    grids = grids or GridRecords(blocks)
    votes: dict[int, dict[int, int]] = {}  # block → section → votes
    labelled: list[tuple[int, str]] = []  # (block, label) of the rows with a label, asked in one batch
    for i, b in enumerate(blocks):
        if b.kind != "table":
            continue
        mine = votes.setdefault(i, {})
        for rec in grids.plain(i):
            filled = [v for v in rec.values if v.strip()]
            if not filled:
                continue
            if rec.parts:
                labelled.append((i, rec.label))
            elif (len(filled) == 15 and all(looks_numeric(v) for v in filled)) or (
                len(rec.values) == 5 and _review_group(rec.values)
            ):
                # the official row of 15, or one kind of case (结果维持 … 总计) printed as a table of its own
                mine[4] = mine.get(4, 0) + 2
    for (i, _), (cls, p) in zip(labelled, labeler.predict([label for _, label in labelled])):
        table = cls.split(":", 1)[0]
        if p >= ANCHOR_CONFIDENCE and table in SECTION_OF_TABLE:
            sid = SECTION_OF_TABLE[table]
            votes[i][sid] = votes[i].get(sid, 0) + 1
    found: dict[int, list[int]] = {}
    for i, mine in votes.items():
        for sid, n in mine.items():
            if n >= 2:
                found.setdefault(sid, []).append(i)
    return found


def _review_group(values: list[str]) -> bool:
    """Five counts whose last is the sum of the other four (and not all zero): a group of table 4."""
    nums = [parse_value(v) for v in values]
    return any(nums) and row_holds("review_litigation", nums)
