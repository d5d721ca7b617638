"""Step 1 of the table stage: row records, the one shape every table layout is read into.

A record is a printed row: its label parts (merged parent labels carried down to their children) and its value
cells, with where it was printed (block, page, section) and, for a grid, the header path printed above each value
cell and the OCR'd Cell behind each value. Grids (from HTML, DOCX, PDF, text, OCR) become records here; table text
(cells run together, loose lines) becomes records in text_records.py; document_records.py reads a document's grids
and table text into records once, and tells which grids hold which statutory table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import MARK_CONFIDENCE, UNREADABLE, expand_spans, origin_cells, span_origins
from .cells import looks_numeric

SECTION_OF_TABLE = {"active_disclosure": 2, "requests": 3, "review_litigation": 4}
TABLE_OF_SECTION = {v: k for k, v in SECTION_OF_TABLE.items()}


@dataclass
class RowRecord:
    parts: list[str]
    values: list[str]
    run: bool = False  # values[0] is a run of digits whose cell boundaries may be lost
    block: int = -1
    page: int | None = None
    section: int | None = None
    unreadable: str | None = None  # why the printed row cannot be read (its cells are then null)
    headers: list[str] | None = None  # for a grid row: the header path printed above each of its value cells
    after_data: bool = False  # a grid row of blank cells below rows with printed values: zeros, not a header
    ocr: list | None = None  # for a grid row read by OCR: the Cell behind each of `values` (confidence, readings)
    ocr_text: bool = False  # read from text lines that OCR read (a table without rulings): no number in it is sure
    # a grid row that prints label text and only empty cells, right under a row with values (or first in its grid,
    # at the top of a page): it may be the rest of that row's label, wrapped onto a grid row of its own or carried
    # over a page break (continuations.py). The number of its label parts printed in the row itself (at the end).
    tail: int = 0
    wrapped: int = 0  # how many such rows were joined to this one's label
    # where each of `values` was printed, for the report's cell provenance: a grid cell's {"grid": [row, column]}
    # (its origin in the grid, spans expanded) with its page and box when the reader knew them; a run of table
    # text's {"span": [start, end]} in its text block
    where: list | None = None
    cut: str | None = None  # how a run of digits was cut into this row's cells, where some are left unreadable

    @property
    def label(self) -> str:
        return "／".join(p for p in self.parts if p)

    def place(self, k: int | None) -> dict:
        """Where the k-th value cell was printed, as a report's cell says it (`where`): its block, page, grid
        position and box, or its span of table text. k None: the row as a whole (a run of digits cut by the sums, a
        row that cannot be read): its block and page, or the run's span."""
        out = {}
        if self.block >= 0:
            out["block"] = self.block
        if self.page is not None:
            out["page"] = self.page
        places = self.where or []
        if k is not None and k < len(places):
            out.update(places[k])
        elif len(places) == 1:
            out.update(places[0])
        return out


@dataclass
class GridGeometry:
    """Where each printed cell of a grid spans (origins: grid position → the position of the cell covering it),
    the grid with spans filled in (dense) and the printed cells by origin. Worked out once per grid."""

    origins: dict
    dense: list
    printed: dict

    @classmethod
    def of(cls, rows) -> "GridGeometry":
        origins = span_origins(rows)
        return cls(origins, expand_spans(rows, origins), origin_cells(rows, origins))


def records_from_grid(
    rows,
    block_index: int = -1,
    page=None,
    section=None,
    headers: bool = True,
    carried: dict | None = None,
    geometry: GridGeometry | None = None,
) -> list[RowRecord]:
    """Row records of a grid; with `headers`, each record carries the header path above each of its value cells
    (not for a table rebuilt from word positions, whose header cells do not sit over their columns).

    `carried` holds the header band of the table before (a table cut in two continues without its header), its
    columns counted from the right: a grid that starts with data uses it, and the band this grid ends with is left
    in it. `geometry`: the grid's GridGeometry, when the caller has it already."""
    headers_wanted = headers
    geometry = geometry or GridGeometry.of(rows)
    origins, dense, printed = geometry.origins, geometry.dense, geometry.printed
    read_by_ocr = any(cell.source == "ocr" for cell in printed.values())
    width = max((len(r) for r in dense), default=0)
    records = []
    last_labels: dict[int, str] = {}
    band: dict[int, list[str]] = {}  # the header cells stacked above each column, in the current header band
    if carried is not None and carried.get("from_right"):
        # aligned from the right: a part on the next page may split its label columns differently
        band = {c: list(carried["from_right"][width - c]) for c in range(width) if width - c in carried["from_right"]}
    band_open = False
    remark_cols = _remark_columns(band)  # columns whose header is 备注/说明: their text is no label
    seen_values = False  # a row with a printed value came before (rows of blanks after it are zeros)
    last_value_cols: set[int] = set()
    above_kind = None  # what the record above was: "values" (a printed value), "tail", or "other"
    for r, row in enumerate(dense):
        cells = []  # (column, text, from_above)
        seen = set()
        for c, text in enumerate(row):
            o = origins.get((r, c))
            if o is None:
                continue  # past the end of a short row: no cell was printed there (not a blank one)
            if o in seen:
                continue
            seen.add(o)
            origin_text = dense[o[0]][o[1]] or ""
            cells.append((c, origin_text, o[0] < r))
        # the label ends at the last text cell that still has a number after it: text after the numbers (a 备注
        # column) is a cell of the row, not its label
        label_end = -1
        numbers = 0
        trailing = 0  # text cells after the last number
        label_before_numbers = False
        marks = _marks_between_numbers(cells, printed, origins, r) if read_by_ocr else set()
        for k in range(len(cells) - 1, -1, -1):
            c, text, above = cells[k]
            if not text.strip():
                continue
            if c in remark_cols:
                trailing += not numbers  # a remark after the numbers is text after them too, though no label
                continue
            if looks_numeric(text) or c in marks:
                numbers += 1  # a number, a printed blank mark (/, —), or an unreadable value cell
            elif numbers:
                label_end, label_before_numbers = k, True
                break
            else:
                trailing += 1
                label_end = max(label_end, k)
        number_after = numbers > 0
        if number_after and not label_before_numbers and trailing == 1 and numbers >= 2:
            label_end = -1  # numbers with one text cell after them only (a misread last number, a remark): no label
        elif not number_after:
            label_end = max(
                (k for k, (c, t, _) in enumerate(cells) if t.strip() and not looks_numeric(t) and c not in remark_cols),
                default=-1,
            )
        labels = []
        for k, (c, text, above) in enumerate(cells[: label_end + 1]):
            if text.strip():
                labels.append((c, text.strip()))
            elif c in last_labels:
                labels.append((c, last_labels[c]))  # a blank placeholder under a merged label
        value_cells = [
            (c, UNREADABLE if c in marks else text) for c, text, above in cells[label_end + 1 :] if not above
        ]
        ocr_cells = [printed.get(origins.get((r, c))) for c, _ in value_cells] if read_by_ocr else None
        values = [text for _, text in value_cells]
        where = [_place(origins.get((r, c), (r, c)), printed) for c, _ in value_cells]
        # label text printed in this row (not carried down from a merged cell above)
        fresh = [text.strip() for c, text, above in cells[: label_end + 1] if text.strip() and not above]
        tail = (
            bool(values)
            and bool(fresh)
            and not any(v.strip() for v in values)
            and not ROW_START.match(fresh[0])
            and (above_kind in ("values", "tail") or (above_kind is None and not band_open and not seen_values))
        )
        texts_over_values = sum(1 for c, t, _ in cells if t.strip() and c in last_value_cols)
        if (
            not any(v.strip() for v in values)
            and any(t.strip() for _, t, _ in cells)
            and (not seen_values or texts_over_values >= 1)
        ):
            # a header row (信息内容 | 本年制发件数 …): a new band of headers starts after rows of data. After data,
            # a row of blank cells under labels only (行政诉讼 | 未经复议直接起诉 |  |  …) is a row of zeros, not a header
            if not band_open:
                band, band_open = {}, True
            row_origins = [origins.get((r, c), (r, c)) for c in range(width)]
            one_cell = len(set(row_origins)) == 1  # a caption spanning the whole row is no column's header
            for c, o in enumerate(row_origins):
                text = (dense[o[0]][o[1]] or "").strip()
                if text and not one_cell and (not band.get(c) or band[c][-1] != text):
                    band.setdefault(c, []).append(text)
            remark_cols = _remark_columns(band)
        elif any(v.strip() for v in values):
            band_open = False
            seen_values = True
            last_value_cols = {c for c, v in value_cells if v.strip()}
        if labels:
            first_col = labels[0][0]
            for c in list(last_labels):
                if c >= first_col:
                    del last_labels[c]
            for c, t in labels:
                last_labels[c] = t
        if not labels and not any(v.strip() for v in values):
            continue
        headers = (
            ["／".join(band.get(c, [])) for c, _ in value_cells] if headers_wanted and band and any(values) else None
        )
        shared = (
            _shared_label(geometry, r, cells[label_end][0]) if label_end >= 0 and any(v.strip() for v in values) else 0
        )
        records.append(
            RowRecord(
                [t for _, t in labels],
                values,
                False,
                block_index,
                page,
                section,
                headers=headers,
                after_data=seen_values and not any(v.strip() for v in values),
                ocr=ocr_cells,
                tail=len(fresh) if tail else 0,
                where=where,
                unreadable=f"one label cell is printed for {shared} rows of numbers (two rows' labels "
                f"merged, a ruling line lost): which numbers are whose cannot be told"
                if shared
                else None,
            )
        )
        above_kind = "tail" if tail else "values" if any(v.strip() for v in values) else "other"
    if carried is not None:
        carried["from_right"] = {width - c: texts for c, texts in band.items()}
    return carry_parents(records)


def _marks_between_numbers(cells: list, printed: dict, origins: dict, r: int) -> set[int]:
    """The columns of an OCR'd row whose cell reads as a character or two that hold no digit, less sure than
    MARK_CONFIDENCE, with a number printed both before and after it in the row: a value cell the recogniser could
    not read (a 0 in 6-point type read as 恩 or ®, a blot), never label text. A label comes before a row's numbers;
    taken as one, such a mark would make the row's label run over its numbers and leave it one value. Only where
    the label ends clearly: a mark before the row's first number may be its first value cell as well as a piece of
    its label, and which it is decides the column of every number after it, so such a row is left as it was."""

    def unsure_mark(c: int, text: str) -> bool:
        t = text.strip()
        if not t or len(t) > 2 or any(ch.isdigit() for ch in t):
            return False
        cell = printed.get(origins.get((r, c)))
        return cell is not None and cell.source == "ocr" and (cell.confidence or 0.0) < MARK_CONFIDENCE

    numeric = [k for k, (_, text, _) in enumerate(cells) if text.strip() and looks_numeric(text)]
    if len(numeric) < 2 or any(unsure_mark(c, text) for c, text, _ in cells[: numeric[0]]):
        return set()
    return {
        c
        for k, (c, text, above) in enumerate(cells)
        if not above and numeric[0] < k < numeric[-1] and unsure_mark(c, text)
    }


def _place(origin: tuple[int, int], printed: dict) -> dict:
    """Where a value cell of a grid was printed: its grid position, and its page and box when the reader knew them
    (a printed page)."""
    out = {"grid": [origin[0], origin[1]]}
    cell = printed.get(origin)
    if cell is not None and cell.box is not None:
        if cell.page is not None:
            out["page"] = cell.page
        out["box"] = [round(v, 1) for v in cell.box]
    return out


def _shared_label(geometry: GridGeometry, r: int, c: int) -> int:
    """The number of grid rows holding numbers that share the label cell at (r, c), when it is the last label of
    its rows (no label text right of it) and spans more than one of them; else 0. A parent label spans its children,
    each with a label of its own; a last label spanning rows of numbers merges rows the grid lost apart."""
    o = geometry.origins.get((r, c))
    cell = geometry.printed.get(o) if o is not None else None
    if cell is None or cell.rowspan <= 1:
        return 0
    with_numbers = 0
    for row in geometry.dense[o[0] : o[0] + cell.rowspan]:
        right = [t for t in row[o[1] + cell.colspan :] if t and t.strip()]
        if any(not looks_numeric(t) for t in right):
            return 0  # a label to its right: a parent of labelled rows
        with_numbers += bool(right)
    return with_numbers if with_numbers >= 2 else 0


_REMARK_HEADER = re.compile(r"^(?:备\s*注|说\s*明|附\s*注)$")


def _remark_columns(band: dict[int, list[str]]) -> set[int]:
    return {c for c, texts in band.items() if texts and _REMARK_HEADER.match(texts[-1])}


# the numbering that starts a row of the template: （一） 一、 1. 1、 (1)
ROW_START = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.．]|\d{1,2}\s*[、.．)）])"
)
SUBNUM = re.compile(r"^\s*[(（]?\s*(\d)\s*[).．、）]")


def carry_parents(records: list[RowRecord]) -> list[RowRecord]:
    """A numbered sub-row printed without its parent (`2.重复申请` under （五）不予处理) takes the parent of the
    numbered row just before it."""
    prev = None
    for rec in records:
        if prev is not None and len(rec.parts) == 1 and len(prev.parts) >= 2:
            m, p = SUBNUM.match(rec.parts[0]), SUBNUM.match(prev.parts[-1])
            if m and p and int(m.group(1)) == int(p.group(1)) + 1:
                rec.parts = prev.parts[:-1] + rec.parts
        if rec.values:
            prev = rec
    return records
