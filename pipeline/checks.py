"""The tables' own arithmetic (勾稽关系), checked and reported, never repaired.

Every rule of fields.json's `consistency_rules` is evaluated on every column or row it covers; passing checks are
listed too, so a reader sees what was verified. A check over a cell that is null is skipped and says so.
"""
from __future__ import annotations

from . import schema

APPLICANT_COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org"]
REVIEW_PARTS = ["upheld", "corrected", "other", "pending"]


def _outcome_rows(template: str) -> list[str]:
    return [r for r in schema.row_ids("requests", template)
            if r not in ("new_received", "carried_over", "total", "carried_forward")]


def _check(rule, table, cells, expected, found, where=None):
    entry = {"rule": rule, "ok": expected == found, "cells": [f"{table}.{r}.{c}" for r, c in cells],
             "expected": expected, "found": found}
    if where:
        entry["where"] = where
    return entry


def _skipped(rule, table, cells, missing):
    return {"rule": rule, "ok": None, "cells": [f"{table}.{r}.{c}" for r, c in cells], "expected": None,
            "found": None, "skipped": f"unreadable cell {missing}"}


def _sum(rows, cells):
    vals = [rows.get(r, {}).get(c) for r, c in cells]
    if any(v is None for v in vals):
        missing = [f"{r}.{c}" for (r, c), v in zip(cells, vals) if v is None][0]
        return None, missing
    return sum(vals), None


def table_checks(tables: dict, template: str, sources: dict | None = None) -> list[dict]:
    out = []
    req = tables.get("requests", {})
    if req.get("status") == "found":
        rows = req["rows"]
        outcome = _outcome_rows(template)
        for col in schema.fields()["tables"]["requests"]["columns"]:
            left = [("new_received", col), ("carried_over", col)]
            right = [("total", col), ("carried_forward", col)]
            a, ma = _sum(rows, left)
            b, mb = _sum(rows, right)
            out.append(_skipped("requests.balance", "requests", left + right, ma or mb) if a is None or b is None
                       else _check("requests.balance", "requests", left + right, a, b))
            parts = [(r, col) for r in outcome]
            s, m = _sum(rows, parts)
            t, mt = _sum(rows, [("total", col)])
            out.append(_skipped("requests.total_row", "requests", parts + [("total", col)], m or mt)
                       if s is None or t is None else
                       _check("requests.total_row", "requests", parts + [("total", col)], t, s))
        for row in schema.row_ids("requests", template):
            parts = [(row, c) for c in APPLICANT_COLUMNS]
            s, m = _sum(rows, parts)
            t, mt = _sum(rows, [(row, "total")])
            out.append(_skipped("requests.total_column", "requests", parts + [(row, "total")], m or mt)
                       if s is None or t is None else
                       _check("requests.total_column", "requests", parts + [(row, "total")], t, s))
    rl = tables.get("review_litigation", {})
    if rl.get("status") == "found":
        rows = rl["rows"]
        for row in schema.row_ids("review_litigation", template):
            parts = [(row, c) for c in REVIEW_PARTS]
            s, m = _sum(rows, parts)
            t, mt = _sum(rows, [(row, "total")])
            out.append(_skipped("review_litigation.total", "review_litigation", parts + [(row, "total")], m or mt)
                       if s is None or t is None else
                       _check("review_litigation.total", "review_litigation", parts + [(row, "total")], t, s))
    if sources:
        for entry in out:
            first = entry["cells"][0].split(".")
            src = sources.get(first[0], {}).get(".".join(first[1:-1]))
            if src and "where" not in entry:
                entry["where"] = {"page": src.get("page"), "block": src.get("block")}
    return out
