"""Step 3 of the table stage: a record's printed cells as the canonical cells of its row.

Cells are parsed by `cells.parse_value`. Where the headers printed above a grid row name every column
(the column labeler), its cells are taken under their headers, else in the template's order; runs of digits whose
cell boundaries were lost are cut by `cells.split_run` along the row's own sums (sums.py), and only where they leave
one reading. A cell read by OCR that holds ink but no reading is unreadable (null), never blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import schema
from .cells import is_blank, parse_value, split_run
from .records import RowRecord
from .sums import REVIEW_ROWS, row_has_sums, row_holds

REVIEW_COLUMNS = ["upheld", "corrected", "other", "pending", "total"]


@dataclass
class TableResult:
    table: str
    status: str = "missing"
    rows: dict = field(default_factory=dict)  # row -> column -> value
    cells: dict = field(default_factory=dict)  # row -> column -> {"raw", "confidence"}
    extra_rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    source: dict = field(default_factory=dict)  # row -> {"block", "page"}
    ocr: dict = field(default_factory=dict)  # (row, column) -> the Cell read by OCR behind it
    where: dict = field(default_factory=dict)  # (row, column) -> where its value was printed (RowRecord.place)


def fit_values(values: list[str], k: int) -> list[int] | None:
    """The positions of the k cells of a row printed with blank cells around them (empty padding cells at either
    end are dropped), or None when the row does not come to k cells."""
    first, last = 0, len(values)
    while last - first > k and is_blank(values[last - 1]) and not values[last - 1].strip():
        last -= 1
    while last - first > k and not values[first].strip():
        first += 1
    return list(range(first, last)) if last - first == k else None


MIN_COLUMN_CONFIDENCE = 0.8


def header_order(rec: RowRecord, columns: list[str], table: str, row: str, column_labeler) -> list[int] | None:
    """The value cell under each canonical column of `row`, read from the header printed above the cells (the
    column labeler), or None when the headers do not name every column once with confidence: then the template's
    order is used. A column the headers name as something else (小计, 备注) is left out."""
    if column_labeler is None or not rec.headers or len(rec.headers) != len(rec.values):
        return None
    if table == "review_litigation" and row == "*":  # the whole row of 15 under its two header rows
        wanted = [f"review_litigation:{r}.{c}" for r in REVIEW_ROWS for c in REVIEW_COLUMNS]
        allowed = wanted
    elif table == "review_litigation":
        wanted = [f"review_litigation:{row}.{c}" for c in columns]
        allowed = [f"review_litigation:{r}.{c}" for r in REVIEW_ROWS for c in columns]
    else:
        wanted = [f"{table}:{c}" for c in columns]
        allowed = [f"{table}:{c}" for c in schema.all_columns(table)]
    found: dict[str, int] = {}
    for k, header in enumerate(rec.headers):
        if not header:
            return None
        cls, p = column_labeler.predict_within(header, allowed + ["none"])
        if p < MIN_COLUMN_CONFIDENCE:
            return None
        if cls in wanted:
            if cls in found:
                return None  # two cells under one column
            found[cls] = k
    if set(found) != set(wanted):
        return None
    return [found[w] for w in wanted]


def direct_values(rec: RowRecord, columns: list[str], table: str, row: str = "", column_labeler=None):
    """Values of a record whose cells are known: (printed texts, values, positions in rec.values), or None when the
    cell count does not fit the row. Where the headers above the cells name each column, the cells are taken under
    their headers, else in the template's order."""
    order = header_order(rec, columns, table, row, column_labeler) if not rec.run else None
    if order is not None:
        vals = [rec.values[k] for k in order]
        parsed = [cell_value(rec, k, schema.value_kind(table, c)) for k, c in zip(order, columns)]
        if row_holds(table, parsed):
            return vals, parsed, order
        # the headers' reading breaks the row's own sum: they are not trusted, the template's order is tried
    if rec.run:
        run = rec.values[0]
        pieces = run.split()
        if len(columns) == 1 and len(pieces) == 1:
            return [run], [parse_value(run, schema.value_kind(table, columns[0]))], None
        if len(pieces) == len(columns):
            return pieces, [parse_value(p, schema.value_kind(table, c)) for p, c in zip(pieces, columns)], None
        return None
    order = fit_values(rec.values, len(columns))
    if order is None:
        return None
    parsed = [cell_value(rec, k, schema.value_kind(table, c)) for k, c in zip(order, columns)]
    if words_among_values(rec, order, [schema.value_kind(table, c) for c in columns]) and not (
        row_has_sums(table, len(parsed)) and row_holds(table, parsed)
    ):
        return None  # words where the template puts a number: the cells' columns are not known (words_among_values)
    return [rec.values[k] for k in order], parsed, order


_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}")


def words_among_values(rec: RowRecord, order: list[int], kinds: list[str]) -> bool:
    """A cell taken in the template's order holds words, not a number of its column's kind (详见附件 from a remarks
    column printed after 总计, a piece of a label; 8778万元 is an amount): a cell of the row was lost or one not of
    the row came in, so the cells after it may each sit one column off — a number read sure under the wrong column
    is a wrong number that looks right. Unless the row has a sum of its own and it holds as taken, the row is
    unreadable (a row of 主动公开 has no sum to confirm it)."""
    return any(
        _WORDS.search(rec.values[k]) and parse_value(rec.values[k], kind) is None for k, kind in zip(order, kinds)
    )


def cell_value(rec: RowRecord, k: int, kind: str):
    """The value of the record's k-th cell. A cell read by OCR that holds ink but no reading is unreadable, never
    a blank: only a cell without ink reads as 0. In a row read from a picture, a cell OCR never read (a place the
    grid has where the picture gave no cell) is unknown, never 0."""
    cell = rec.ocr[k] if rec.ocr else None
    if cell is not None and cell.source == "ocr" and cell.ink and not rec.values[k].strip():
        return None
    if (
        not rec.values[k].strip()
        and (cell is None or cell.source != "ocr")
        and rec.ocr
        and any(c is not None and c.source == "ocr" for c in rec.ocr)
    ):
        return None
    return parse_value(rec.values[k], kind)


def run_candidates(rec: RowRecord, k: int, check=None, sums=()):
    """Readings of a run of digits as k counts that obey the row's own sums (`sums`, see cells.split_run) and pass
    `check`, or None if there are too many to consider."""
    run = rec.values[0]
    if not re.fullmatch(r"[\d ]+", run):
        return []
    cands = split_run(run, k, sums=sums)
    if cands is None:
        return None
    if len(cands) > 1 and check is not None:
        cands = [c for c in cands if check(c)]
    return cands


def fits_row(rec: RowRecord, table: str, template: str, row: str) -> bool:
    """The record's printed cells come to the row's cells (a run of digits: it can be cut into them)."""
    columns = schema.column_ids(table, template, row)
    if rec.unreadable:
        return False
    if rec.run:
        digits = len(re.sub(r"\D", "", rec.values[0]))
        pieces = rec.values[0].split()
        return len(pieces) == len(columns) or (len(pieces) == 1 and digits >= len(columns))
    return fit_values(rec.values, len(columns)) is not None
