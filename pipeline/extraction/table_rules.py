"""Rules of the table stage that belong to one statutory table or one way of printing it.

- Rows printed apart from their labels (a converter cut the table and printed the numbers elsewhere) fill the rows
  the template leaves between two sure rows, and stand only where the table's sums confirm them.
- Table 4 printed in its official layout, one row of 15 numbers under two header rows, is cut into its three rows.
- Rows whose digits ran together are cut where the row's own sums (and for table 3 the table's column sums) leave
  one reading of them all; where they leave several, the cells on which every reading agrees are kept (the sums
  choose them) and the others are unreadable.
- Table 3 of a 2021 report that prints only the 2019 row （六）其他处理: its three 2021 sub-rows are 0 only when
  it is 0.
"""

from __future__ import annotations

import itertools
import re

from .. import schema
from ..document import UNREADABLE
from .cells import looks_numeric, normalise, parse_value
from .records import SECTION_OF_TABLE, RowRecord
from .sums import REVIEW_ROWS, checkable, grid_holds, row_holds, row_sum_ranges
from .template import MIN_LABEL_CONFIDENCE
from .values import REVIEW_COLUMNS, TableResult, direct_values, fit_values, fits_row, header_order, run_candidates


def _is_orphan(rec: RowRecord, cls: str, p: float, table: str) -> bool:
    """A row of numbers printed apart from its label (a converter cut the table and printed the label above or
    below), or under a label too broken to read with confidence: it may fill a gap in the template's order."""
    filled = [v for v in rec.values if v.strip()]
    if not filled or not all(looks_numeric(v) for v in filled):
        return False
    if not rec.parts:
        return True
    return p < MIN_LABEL_CONFIDENCE and (cls.startswith(table + ":") or cls in ("extra", "none"))


def fill_gaps(table: str, template: str, records, predictions, chosen: dict, row_ids) -> set[str]:
    """Give rows printed apart from their labels the rows the template leaves for them.

    Walking the section's records in printed order, the rows read with a sure label are anchors at their place in
    the template's order; a run of orphan rows between two anchors fills the rows between them when it has exactly
    as many rows as the template lists there and none of those was found elsewhere. At either end of the table the
    run must reach the template's first or last row likewise; a table with no sure row at all (table 4 printed as
    three tables of five under their headers) is filled only when it prints exactly the template's rows. The caller checks the result against the table's
    sums. Returns the rows filled."""
    section = SECTION_OF_TABLE[table]
    position = {r: k for k, r in enumerate(row_ids)}
    complete = {r for r, (rec, p) in chosen.items() if r in position and fits_row(rec, table, template, r)}
    items = []  # ("anchor", template position) or ("orphan", record)
    for rec, (cls, p) in zip(records, predictions):
        if rec.section != section or not rec.values:
            continue
        row = cls.split(":", 1)[1] if cls.startswith(table + ":") and p >= MIN_LABEL_CONFIDENCE else None
        if row in complete and chosen[row][0] is rec:
            items.append(("anchor", position[row]))
        elif row is None and _is_orphan(rec, cls, p, table):
            items.append(("orphan", rec))
    orphans = sum(1 for kind, _ in items if kind == "orphan")
    if not orphans:
        return set()
    if not any(kind == "anchor" for kind, _ in items) and (orphans != len(row_ids) or table == "active_disclosure"):
        return set()  # with no sure row at all, only a whole table of rows in order, held by its sums
    filled: set[str] = set()
    prev = -1
    pending: list[RowRecord] = []
    for kind, what in items + [("anchor", len(row_ids))]:
        if kind == "orphan":
            pending.append(what)
            continue
        if pending and what > prev:
            gap = list(row_ids[prev + 1 : what])
            if (
                len(gap) == len(pending)
                and not any(r in complete for r in gap)
                and all(
                    fit_values(rec.values, len(schema.column_ids(table, template, r))) is not None
                    for rec, r in zip(pending, gap)
                )
            ):
                for rec, r in zip(pending, gap):
                    chosen[r] = (rec, 0.8)
                    filled.add(r)
        pending = []
        prev = max(prev, what)
    return filled


def check_filled(res: TableResult, table: str, template: str, filled: set[str]) -> None:
    """Rows given by their place alone stand only where the table's sums confirm them: table 3's column sums
    (总计 = every outcome row) must be checkable and hold, and each filled row its own; table 4's rows hold their own sums. Table 2 has no sums:
    its rows are kept where two sure rows bound the gap (see fill_gaps)."""
    if not filled:
        return
    ok = True
    if table == "requests":
        grid = {r: list(vals.values()) for r, vals in res.rows.items() if None not in vals.values()}
        # the sums the filled rows take part in: 总计 = every outcome row, column by column, and each row's own
        total_row = ("requests.total_row",)
        ok = (
            checkable(table, template, grid, total_row)
            and grid_holds(table, template, grid, total_row)
            and all(r in grid and row_holds(table, grid[r], template) for r in filled)
        )  # a filled row left null holds nothing
    elif table == "review_litigation":
        ok = all(row_holds(table, list(res.rows[r].values()), template) for r in filled)
    if ok:
        res.notes.append(
            f"rows printed apart from their labels, placed by the template's order and confirmed by "
            f"the table's sums: {', '.join(sorted(filled))}"
        )
        return
    for r in filled:
        for c in res.rows[r]:
            res.rows[r][c] = None
            res.cells[r][c]["confidence"] = 0.0
    res.notes.append(
        f"rows printed apart from their labels ({', '.join(sorted(filled))}) are not confirmed by the "
        f"table's sums; their cells are null"
    )


def _unreadable_rows(chosen: dict, rec: RowRecord, printed: str, why: str) -> None:
    """Table 4 printed as one row of 15 that cannot be read: each of its three rows unreadable (found, its cells
    null), with what was printed and why, unless a row was already found elsewhere."""
    for row in ("review", "litigation_direct", "litigation_after_review"):
        unreadable = RowRecord(
            rec.parts, [printed], False, rec.block, rec.page, rec.section, unreadable=why, ocr=rec.ocr
        )
        chosen.setdefault(row, (unreadable, 0.0))


def agreed_cells(readings: list) -> list | None:
    """The cells on which every reading of a run of digits agrees (each reading obeys the sums that bind the run, so
    these are the cells the sums choose), None at the others; None when there are no readings."""
    if not readings:
        return None
    return [v if all(r[k] == v for r in readings) else None for k, v in enumerate(readings[0])]


def partly_cut(run: str, n: int) -> str:
    """The note on a run of digits whose readings agree on some of its cells only."""
    return (
        f"cells run together ({run!r}) with {n} readings under the sums; the cells they all agree on are kept, "
        "the others unreadable"
    )


def review_from_unlabelled(records, predictions, chosen, column_labeler=None):
    """Table 4 printed as one row of 15 numbers under its two header rows (the official layout)."""
    if all(r in chosen for r in ("review", "litigation_direct", "litigation_after_review")):
        return
    for rec, (cls, p) in zip(records, predictions):
        label = normalise(rec.label)
        if rec.section not in (4, None):
            continue
        if rec.parts and cls.startswith("review_litigation:") and p >= MIN_LABEL_CONFIDENCE:
            continue
        if rec.section is None and not ("结果维持" in label or "行政复议" in label):
            continue
        vals = rec.values
        if rec.run:
            n = len(vals[0].split()) if " " in vals[0] else None
            if n not in (None, 15):
                continue
            cands = run_candidates(
                rec, 15, lambda v: row_holds("review_litigation", v), row_sum_ranges("review_litigation", REVIEW_ROWS)
            )
            agreed = agreed_cells(cands) if cands else None
            if cands is None or agreed is None or all(v is None for v in agreed):
                if rec.section == 4 and len(re.sub(r"\D", "", vals[0])) >= 15:
                    # the table is printed but its digits cannot be cut in one way: found, with null cells
                    n = "too many" if cands is None else len(cands)
                    why = f"cells run together ({vals[0]!r}) with {n} readings; unreadable"
                    _unreadable_rows(chosen, rec, vals[0], why)
                    return rec
                continue
            cut = partly_cut(vals[0], len(cands)) if len(cands) > 1 else None
            vals = [UNREADABLE if v is None else str(v) for v in agreed]
            conf = 0.95 if n is None else 1.0
            order = None
        else:
            order = header_order(rec, REVIEW_COLUMNS * 3, "review_litigation", "*", column_labeler)
            if order is not None and not row_holds("review_litigation", [parse_value(vals[k]) for k in order]):
                order = None  # the headers' reading breaks the table's sums: not trusted
            order = order if order is not None else fit_values(vals, 15)
            fitted = [vals[k] for k in order] if order is not None else None
            if fitted is None:
                if rec.section == 4 and 3 <= len(vals) <= 20 and any(v.strip() for v in vals):
                    why = f"{len(vals)} cells printed where the table has 15; unreadable"
                    _unreadable_rows(chosen, rec, " | ".join(vals), why)
                    return rec
                continue
            vals = fitted
            conf = 1.0
            cut = None
        ocr = [rec.ocr[k] for k in order] if rec.ocr and order is not None else None
        where = [rec.where[k] for k in order] if rec.where and order is not None else rec.where
        for g, row in enumerate(("review", "litigation_direct", "litigation_after_review")):
            piece = RowRecord(
                ["行政复议" if g == 0 else "行政诉讼"],
                vals[g * 5 : (g + 1) * 5],
                False,
                rec.block,
                rec.page,
                rec.section,
                ocr=ocr[g * 5 : (g + 1) * 5] if ocr else None,
                ocr_text=rec.ocr_text,
                where=where[g * 5 : (g + 1) * 5] if where and order is not None else where,
                cut=cut if UNREADABLE in vals[g * 5 : (g + 1) * 5] else None,
            )
            chosen.setdefault(row, (piece, conf))
        return rec
    return None


MAX_SOLUTIONS = 1000  # readings of a table 3's runs together that the column sums may leave, looked through whole


def resolve_runs(res: TableResult, table: str, template: str, pending):
    """Cut the rows whose digits ran together: a row with one reading under its own sums takes it; for table 3 the
    combinations of the other rows' readings are tried against the column sums. Where several readings are left,
    the cells on which they all agree are kept (the sums choose them) and the others are unreadable."""
    fixed = {}
    open_rows = {}
    for row, (rec, p, cands) in pending.items():
        if cands is not None and len(cands) == 1:
            fixed[row] = (cands[0], p * 0.95)
        else:
            open_rows[row] = (rec, p, cands)
    if table == "requests" and open_rows and all(c for _, _, c in open_rows.values()):
        sizes = 1
        for _, _, c in open_rows.values():
            sizes *= len(c)
        if sizes <= 50_000:
            solutions = []
            names = list(open_rows)
            for combo in itertools.product(*(open_rows[r][2] for r in names)):
                grid = {r: v for r, (v, _) in fixed.items()}
                grid.update(dict(zip(names, combo)))
                if grid_holds(table, template, grid, ("requests.total_row", "requests.balance")):
                    solutions.append(combo)
                    if len(solutions) > MAX_SOLUTIONS:
                        break
            if 0 < len(solutions) <= MAX_SOLUTIONS:
                # the rows' readings that the column sums leave: each row keeps what they all agree on
                open_rows = {
                    r: (rec, p, sorted({tuple(s[k]) for s in solutions}))
                    for k, (r, (rec, p, _)) in enumerate(open_rows.items())
                }
                for r, (rec, p, cands) in list(open_rows.items()):
                    if len(cands) == 1:
                        fixed[r] = (cands[0], p * 0.9)
                        del open_rows[r]
    for row, (rec, p, cands) in list(open_rows.items()):
        agreed = agreed_cells(cands) if cands else None
        if agreed is not None and any(v is not None for v in agreed):
            res.notes.append(f"row {row}: {partly_cut(rec.values[0], len(cands))}")
            fixed[row] = (agreed, p * 0.9)
            del open_rows[row]
    for row, (vals, conf) in fixed.items():
        rec = pending[row][0]
        for c, v in zip(res.rows[row], vals):
            res.rows[row][c] = v
            res.cells[row][c] = {"raw": rec.values[0], "confidence": round(conf, 4) if v is not None else 0.0}
    for row, (rec, p, cands) in open_rows.items():
        n = "too many" if cands is None else len(cands)
        res.notes.append(f"row {row}: cells run together ({rec.values[0]!r}) with {n} readings; unreadable")
        for c in res.rows[row]:
            res.cells[row][c] = {"raw": rec.values[0], "confidence": 0.0}


def split_other_parent(res: TableResult, chosen_other):
    """A 2021 report that prints only （六）其他处理: where it is 0 every sub-row is 0; otherwise they are unknown."""
    rec, p = chosen_other
    direct = direct_values(rec, list(schema.fields()["tables"]["requests"]["columns"]), "requests")
    subs = ("other.no_correction", "other.unpaid_fee", "other.other")
    if any(res.cells[s][c]["raw"] is not None for s in subs for c in res.cells[s]):
        return
    if (
        direct is not None
        and all(v == 0 for v in direct[1])
        and not (rec.ocr and any(c is not None and (c.confidence or 0) < 0.9 for c in rec.ocr))
    ):
        for s in subs:
            for k, (c, raw) in enumerate(zip(res.rows[s], direct[0])):
                res.rows[s][c] = 0
                res.cells[s][c] = {"raw": raw, "confidence": round(p * 0.9, 4)}
                res.where[(s, c)] = rec.place(direct[2][k] if direct[2] is not None else None)
        res.notes = [n for n in res.notes if not any(n.startswith(f"row {s} ") for s in subs)]
        res.notes.append("（六）其他处理 printed as one row of zeros: its three 2021 sub-rows are 0")
    else:
        res.notes.append("（六）其他处理 printed as one row: its 2021 sub-rows cannot be told apart; they are null")
