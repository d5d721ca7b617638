"""The tables' own arithmetic (勾稽关系), checked and reported, never repaired.

Every rule of fields.json's `consistency_rules` is evaluated on every column or row it covers; passing checks are
listed too, so a reader sees what was verified. A check over a cell that is null is skipped and says so, unless the
cells read already break it: an unreadable cell is a count, never below 0, so parts read that add up to more than
their total fail the check whatever the unreadable cells print (`unreadable` lists them).
"""

from __future__ import annotations

from . import sums

# the equations live in sums.py, the one place the tables' sums are written; re-exported for the checks' readers
APPLICANT_COLUMNS, REVIEW_PARTS, equations = sums.APPLICANT_COLUMNS, sums.REVIEW_PARTS, sums.equations


def _sum(rows, cells):
    vals = [rows.get(r, {}).get(c) for r, c in cells]
    return None if any(v is None for v in vals) else sum(vals)


def _overshoot(rows, expected_cells, found_cells):
    """(expected, found) of the cells read, where the unreadable cells lie on one side only and the cells read on
    that side already exceed the other side's total; else None."""

    def side(cells):
        vals = [rows.get(r, {}).get(c) for r, c in cells]
        return sum(v for v in vals if v is not None), any(v is None for v in vals)

    (e, e_open), (f, f_open) = side(expected_cells), side(found_cells)
    if e_open == f_open:
        return None
    return (e, f) if (f_open and f > e) or (e_open and e > f) else None


def table_checks(tables: dict, template: str, sources: dict | None = None) -> list[dict]:
    out = []
    for table in ("requests", "review_litigation"):
        entry = tables.get(table, {})
        if entry.get("status") != "found":
            continue
        rows = entry["rows"]
        for rule, expected_cells, found_cells in equations(table, template):
            # listed as printed in the rule: a balance left to right, a total after its parts
            cells = expected_cells + found_cells if rule == "requests.balance" else found_cells + expected_cells
            expected, found = _sum(rows, expected_cells), _sum(rows, found_cells)
            names = [f"{table}.{r}.{c}" for r, c in cells]
            if expected is None or found is None:
                missing = [f"{table}.{r}.{c}" for r, c in cells if rows.get(r, {}).get(c) is None]
                over = _overshoot(rows, expected_cells, found_cells)
                if over is not None:
                    # the cells read already add up to more than the other side: whatever the unreadable cells
                    # print (counts, never below 0), the sum fails
                    out.append(
                        {
                            "rule": rule,
                            "ok": False,
                            "cells": names,
                            "expected": over[0],
                            "found": over[1],
                            "unreadable": missing,
                        }
                    )
                    continue
                out.append(
                    {
                        "rule": rule,
                        "ok": None,
                        "cells": names,
                        "expected": None,
                        "found": None,
                        "skipped": f"unreadable cell {missing[0].split('.', 1)[1]}",
                    }
                )
            else:
                out.append(
                    {"rule": rule, "ok": expected == found, "cells": names, "expected": expected, "found": found}
                )
    if sources:
        for entry in out:
            first = entry["cells"][0].split(".")
            src = sources.get(first[0], {}).get(".".join(first[1:-1]))
            if src and "where" not in entry:
                entry["where"] = {"page": src.get("page"), "block": src.get("block")}
    return out
