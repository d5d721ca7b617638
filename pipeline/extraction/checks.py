"""The tables' own arithmetic (勾稽关系), checked and reported, never repaired.

Every rule of fields.json's `consistency_rules` is evaluated on every column or row it covers; passing checks are
listed too, so a reader sees what was verified. A check over a cell that is null is skipped and says so.
"""
from __future__ import annotations

from . import sums

# the equations live in sums.py, the one place the tables' sums are written; re-exported for the checks' readers
APPLICANT_COLUMNS, REVIEW_PARTS, equations = sums.APPLICANT_COLUMNS, sums.REVIEW_PARTS, sums.equations


def _sum(rows, cells):
    vals = [rows.get(r, {}).get(c) for r, c in cells]
    return None if any(v is None for v in vals) else sum(vals)


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
                missing = next(f"{r}.{c}" for r, c in cells if rows.get(r, {}).get(c) is None)
                out.append({"rule": rule, "ok": None, "cells": names, "expected": None, "found": None,
                            "skipped": f"unreadable cell {missing}"})
            else:
                out.append({"rule": rule, "ok": expected == found, "cells": names, "expected": expected,
                            "found": found})
    if sources:
        for entry in out:
            first = entry["cells"][0].split(".")
            src = sources.get(first[0], {}).get(".".join(first[1:-1]))
            if src and "where" not in entry:
                entry["where"] = {"page": src.get("page"), "block": src.get("block")}
    return out
