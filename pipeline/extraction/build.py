"""One statutory table built from the labelled records of a document: which record prints each canonical row,
and the row's cells (values.py), with the rules of table_rules.py for rows printed apart, table 4's row of 15,
runs of digits and table 3's （六）其他处理.

A row printed more than once (a line of prose naming 规范性文件 before the table, the table's own row) is taken from
its best copy when its full copies agree; where they read different numbers, only the table's sums can choose one,
else the row is null. The checks of the OCR guard (ocr_guard.py) run on the built table afterwards.
"""

from __future__ import annotations

from .. import schema
from .cells import normalise, parse_value
from .labels import HEADER_EXAMPLES
from .records import SECTION_OF_TABLE, RowRecord
from . import sums
from .sums import equations, row_holds, row_sum_ranges
from .table_rules import check_filled, fill_gaps, resolve_runs, review_from_unlabelled, split_other_parent
from .template import MIN_LABEL_CONFIDENCE
from .values import TableResult, direct_values, fit_values, fits_row, run_candidates, words_among_values


def _candidate_rank(rec: RowRecord, p: float, table: str, template: str, row: str):
    """How good a record is as the one that prints `row`, where the row is printed more than once (a line of prose
    naming 规范性文件 before the table, the table's own row): complete first, then inside a grid, then holding the
    row's sums, then the surer label; the order they are printed in decides nothing."""
    fits = fits_row(rec, table, template, row)
    direct = direct_values(rec, list(schema.column_ids(table, template, row)), table) if fits else None
    sums = direct is not None and row_holds(table, direct[1], template) is True and None not in direct[1]
    return (fits, not rec.run, sums, p)


def build_table(table: str, template: str, records, predictions, column_labeler=None) -> TableResult:
    res = TableResult(table)
    row_ids = schema.row_ids(table, template)
    chosen: dict[str, tuple[RowRecord, float]] = {}
    copies: dict[str, list[tuple[RowRecord, float]]] = {}
    for rec, (cls, p) in zip(records, predictions):
        if not rec.values:
            continue  # a header row: labels only
        if not any(v.strip() for v in rec.values) and _is_header_like(rec) and not (rec.after_data and p >= 0.9):
            continue  # a header row padded with empty cells, not a row of zeros
        if cls.startswith(table + ":") and p >= MIN_LABEL_CONFIDENCE:
            row = cls.split(":", 1)[1]
            if row not in row_ids and not (table == "requests" and row == "other"):
                if rec.section == SECTION_OF_TABLE[table]:
                    res.extra_rows.append({"label": rec.label, "values": _extra_values(rec), "raw": rec.values})
                continue
            copies.setdefault(row, []).append((rec, p))
            if row in chosen:
                kept, kept_p = chosen[row]
                if _candidate_rank(rec, p, table, template, row) > _candidate_rank(kept, kept_p, table, template, row):
                    chosen[row] = (rec, p)
                    kept = rec
                res.notes.append(
                    f"row {row} printed more than once; the one in {kept.label!r} is kept (complete "
                    f"cells first, then inside a grid, then holding its sums)"
                )
                continue
            chosen[row] = (rec, p)
        elif cls == "extra" and rec.section == SECTION_OF_TABLE[table] and rec.parts:
            res.extra_rows.append({"label": rec.label, "values": _extra_values(rec), "raw": rec.values})
    contested = {
        row: found
        for row, found in (
            (row, _disagreeing_copies(table, template, row, c, column_labeler))
            for row, c in copies.items()
            if len(c) > 1 and row in row_ids
        )
        if found
    }
    filled = fill_gaps(table, template, records, predictions, chosen, row_ids)
    if table == "review_litigation":
        used = review_from_unlabelled(records, predictions, chosen, column_labeler)
        if used is not None:
            res.extra_rows = [e for e in res.extra_rows if e["raw"] is not used.values]
    if not chosen:
        res.status = "missing"
        return res
    res.status = "found"
    pending_runs = {}
    for row in row_ids:
        columns = schema.column_ids(table, template, row)
        res.rows[row] = {c: None for c in columns}
        res.cells[row] = {c: {"raw": None, "confidence": 0.0} for c in columns}
        if row not in chosen:
            res.notes.append(f"row {row} not found: its cells are null")
            continue
        rec, p = chosen[row]
        pending = _assign_row(res, table, template, row, rec, p, column_labeler)
        if pending is not None:
            pending_runs[row] = pending
    if pending_runs:
        resolve_runs(res, table, template, pending_runs)
    check_filled(res, table, template, filled)
    for row, found in contested.items():
        _settle_copies(res, table, template, row, found, column_labeler)
    if table == "requests" and template == "2021" and "other" in chosen:
        split_other_parent(res, chosen["other"])
    _mark_ocr_text(res, chosen)
    for (row, c), w in res.where.items():  # provenance last: the steps above may rewrite a cell's entry
        if w and c in res.cells.get(row, {}):
            res.cells[row][c]["where"] = w
    return res


def _assign_row(res: TableResult, table: str, template: str, row: str, rec: RowRecord, p: float, column_labeler):
    """Write the record's cells into the row. Returns (record, p, readings) for a run of digits still to be cut
    (resolve_runs), else None."""
    columns = schema.column_ids(table, template, row)
    res.rows[row] = {c: None for c in columns}
    res.cells[row] = {c: {"raw": None, "confidence": 0.0} for c in columns}
    for c in columns:
        res.ocr.pop((row, c), None)
        res.where[(row, c)] = rec.place(None)
    res.source[row] = {"block": rec.block, "page": rec.page, "label": rec.label}
    if rec.ocr and any(c is not None and c.source == "ocr" for c in rec.ocr):
        for c in columns:  # read from pixels, whatever becomes of the row
            res.cells[row][c]["source"] = "ocr"
    if rec.unreadable:
        res.notes.append(f"row {row}: {rec.unreadable}")
        for c in columns:
            res.cells[row][c]["raw"] = rec.values[0] if rec.values else None
        return None
    if rec.cut:
        res.notes.append(f"row {row}: {rec.cut}")
    direct = direct_values(rec, columns, table, row, column_labeler)
    if direct is not None:
        raws, vals, order = direct
        for k, (c, raw, v) in enumerate(zip(columns, raws, vals)):
            res.rows[row][c] = v
            res.cells[row][c] = {"raw": raw, "confidence": round(p if v is not None else 0.0, 4)}
            if order is not None:
                res.where[(row, c)] = rec.place(order[k])
            ocr = rec.ocr[order[k]] if rec.ocr and order is not None else None
            if ocr is not None and ocr.source == "ocr":
                res.cells[row][c].update(
                    source="ocr", confidence=round(min(p, ocr.confidence or 0.0) if v is not None else 0.0, 4)
                )
                res.ocr[(row, c)] = ocr
        return None
    if rec.run:
        has_sums = table == "requests" or (table == "review_litigation" and len(columns) == 5)
        cands = run_candidates(
            rec,
            len(columns),
            (lambda v: row_holds(table, v, template)) if has_sums else None,
            row_sum_ranges(table, (row,), template) if has_sums else (),
        )
        return rec, p, cands
    order = fit_values(rec.values, len(columns)) if not rec.run else None
    if order is not None and words_among_values(rec, order, [schema.value_kind(table, c) for c in columns]):
        res.notes.append(
            f"row {row}: words among its numbers ({' | '.join(rec.values)}): which column each number is under is not "
            "known; unreadable"
        )
    else:
        res.notes.append(
            f"row {row}: {len(rec.values)} cells printed where the template has {len(columns)}; unreadable"
        )
    for c in columns:
        res.cells[row][c]["raw"] = " | ".join(rec.values)
    return None


def _agree(a: tuple, b: tuple) -> bool:
    """Two readings of one row agree where both are known."""
    return all(x is None or y is None or x == y for x, y in zip(a, b))


def _disagreeing_copies(table: str, template: str, row: str, found: list, column_labeler):
    """Where a row is printed more than once in full (every cell of the row), the copies that read different
    numbers: [(record, p, values)], one for each distinct reading, or [] when the full copies agree."""
    columns = schema.column_ids(table, template, row)
    readings = []
    for rec, p in found:
        if rec.unreadable or not fits_row(rec, table, template, row):
            continue
        direct = direct_values(rec, columns, table, row, column_labeler)
        if direct is None:
            continue
        values = tuple(direct[1])
        if not any(_agree(values, v) for _, _, v in readings):
            readings.append((rec, p, values))
    return readings if len(readings) > 1 else []


def _settle_copies(res: TableResult, table: str, template: str, row: str, found: list, column_labeler) -> None:
    """A row printed more than once with different numbers (a blank copy beside one with digits, two readings of a
    photographed row): a copy is kept only when the table's sums choose it — every sum over the row that can be
    checked holds with it, at least one of them ties the row to others, and no other copy does the same. Otherwise
    the row is null: neither copy is trusted, and a blank copy never reads as 0 on its own."""
    tied = [
        (a, b)
        for _, a, b in equations(table, template)
        if any(r == row for r, _ in a + b) and any(r != row for r, _ in a + b)
    ]

    def holds_with(values) -> bool | None:
        trial = {r: dict(cols) for r, cols in res.rows.items()}
        trial[row] = dict(zip(schema.column_ids(table, template, row), values))
        checked = [sums.holds(("", a, b), lambda r, c: trial.get(r, {}).get(c)) for a, b in tied]
        known = [ok for ok in checked if ok is not None]
        return all(known) if known else None

    verdicts = [holds_with(values) for _, _, values in found]
    passing = [k for k, v in enumerate(verdicts) if v is True]
    shown = " / ".join("(" + ", ".join("—" if v is None else str(v) for v in values) + ")" for _, _, values in found)
    if len(passing) == 1:
        rec, p, _ = found[passing[0]]
        _assign_row(res, table, template, row, rec, p, column_labeler)
        for cell in res.cells[row].values():
            cell["checked"] = "sums"
        res.notes.append(
            f"row {row} printed {len(found)} times with different numbers {shown}; the table's sums "
            f"choose the one in {rec.label!r}"
        )
        return
    columns = schema.column_ids(table, template, row)
    for c in columns:
        res.ocr.pop((row, c), None)
        res.rows[row][c] = None
        res.cells[row][c] = {
            "raw": " / ".join(
                str(rec.values[k]) if k < len(rec.values) else "" for k in [columns.index(c)] for rec, _, _ in found
            ),
            "confidence": 0.0,
        }
    res.notes.append(
        f"row {row} printed {len(found)} times with different numbers {shown}; the table's sums "
        f"choose none of them: its cells are null"
    )


OCR_TEXT_CONFIDENCE = 0.5  # a number read from OCR'd text lines: OCR gave it no confidence of its own


def _mark_ocr_text(res: TableResult, chosen: dict) -> None:
    """Rows read from text lines that OCR read (a scanned table printed without rulings): each number is an
    unsure OCR reading, which only the table's sums can confirm (ocr_guard.py)."""
    from ..document import Cell

    for row, (rec, _) in chosen.items():
        if not rec.ocr_text or row not in res.rows:
            continue
        for c, value in res.rows[row].items():
            if (row, c) in res.ocr:
                continue
            entry = res.cells[row][c]
            entry["source"] = "ocr"
            entry["confidence"] = round(min(entry.get("confidence", 0.0), OCR_TEXT_CONFIDENCE), 4)
            res.ocr[(row, c)] = Cell(
                "" if value is None else str(value),
                confidence=OCR_TEXT_CONFIDENCE if value is not None else 0.0,
                source="ocr",
                ink=True,
            )


_COLUMN_HEADERS = (
    {normalise(h) for h in HEADER_EXAMPLES}
    | {normalise(v.split("／")[-1]) for v in schema.fields()["tables"]["requests"]["columns"].values()}
    | {normalise(v) for v in schema.fields()["tables"]["review_litigation"]["columns"].values()}
)


def _is_header_like(rec: RowRecord) -> bool:
    return len(rec.parts) > 3 or any(normalise(p) in _COLUMN_HEADERS for p in rec.parts)


def _extra_values(rec: RowRecord):
    if rec.run:
        pieces = rec.values[0].split()
        return (
            [parse_value(p, "money" if "." in p or "元" in p else "signed") for p in pieces]
            if len(pieces) > 1 or len(rec.values[0]) <= 6
            else [None]
        )
    return [parse_value(v, "money" if "." in v or "元" in v else "signed") for v in rec.values if v.strip()]
