"""The tables' own arithmetic (勾稽关系), checked and reported, never repaired.

Every rule of fields.json's `consistency_rules` is evaluated on every column or row it covers; passing checks are
listed too, so a reader sees what was verified. A check over a cell that is null is skipped and says so.
"""
from __future__ import annotations

from .. import schema

APPLICANT_COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org"]
REVIEW_PARTS = ["upheld", "corrected", "other", "pending"]


def _outcome_rows(template: str) -> list[str]:
    return [r for r in schema.row_ids("requests", template)
            if r not in ("new_received", "carried_over", "total", "carried_forward")]


def equations(table: str, template: str) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]:
    """The rules of a table as equations (rule, expected cells, found cells): the sum of the first cells must equal
    the sum of the second. Table 3: for every column, new + carried over = total + carried forward
    (requests.balance) and total = every outcome row (requests.total_row); for every row, total = the six applicant
    columns (requests.total_column). Table 4: for every row, total = the four results."""
    out = []
    if table == "requests":
        outcome = _outcome_rows(template)
        for col in schema.fields()["tables"]["requests"]["columns"]:
            out.append(("requests.balance", [("new_received", col), ("carried_over", col)],
                        [("total", col), ("carried_forward", col)]))
            out.append(("requests.total_row", [("total", col)], [(r, col) for r in outcome]))
        for row in schema.row_ids("requests", template):
            out.append(("requests.total_column", [(row, "total")], [(row, c) for c in APPLICANT_COLUMNS]))
    elif table == "review_litigation":
        for row in schema.row_ids("review_litigation", template):
            out.append(("review_litigation.total", [(row, "total")], [(row, c) for c in REVIEW_PARTS]))
    return out


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
