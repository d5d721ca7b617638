"""Checks across years of the same body, run once every report of a batch is written.

- last year's 结转下年度继续办理 = this year's 上年结转 (table 3, every applicant column);
- 2021 template: 现行有效件数 this year = last year's + 本年制发 − 本年废止 (规章 and 行政规范性文件).

Reports of one body are grouped by a normalised body name; each check is added to the later year's report JSON,
with the other report named, and nothing printed is changed.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ..extraction.checks import APPLICANT_COLUMNS

_BODY_NOISE = re.compile(r"[\s（）()]|人民政府办公室$|人民政府$|政府$|管委会$")


def body_key(body: str | None) -> str | None:
    if not body:
        return None
    return _BODY_NOISE.sub("", body) or None


def _cell(report, table, row, col):
    t = report["tables"].get(table, {})
    if t.get("status") != "found":
        return None
    return t["rows"].get(row, {}).get(col)


def cross_year_checks(prev: dict, cur: dict) -> list[dict]:
    out = []
    other = {"previous_report": prev["document"], "previous_year": prev["meta"]["year"]}
    for col in APPLICANT_COLUMNS + ["total"]:
        a = _cell(prev, "requests", "carried_forward", col)
        b = _cell(cur, "requests", "carried_over", col)
        if a is None or b is None:
            continue
        out.append({"rule": "years.carried_over", "ok": a == b, "cells": [f"requests.carried_over.{col}"],
                    "expected": a, "found": b, "where": other})
    if prev["meta"]["template"] == "2021" and cur["meta"]["template"] == "2021":
        for row in ("rules", "normative_docs"):
            last = _cell(prev, "active_disclosure", row, "in_force")
            issued = _cell(cur, "active_disclosure", row, "issued")
            repealed = _cell(cur, "active_disclosure", row, "repealed")
            now = _cell(cur, "active_disclosure", row, "in_force")
            if None in (last, issued, repealed, now):
                continue
            out.append({"rule": "years.in_force", "ok": last + issued - repealed == now,
                        "cells": [f"active_disclosure.{row}.in_force", f"active_disclosure.{row}.issued",
                                  f"active_disclosure.{row}.repealed"],
                        "expected": last + issued - repealed, "found": now, "where": other})
    return out


def _distinct(paths: list[str], reports: dict) -> list[str]:
    """One report per content: the same file saved twice (copies, mirrors) is compared with once."""
    seen, out = set(), []
    for p in paths:
        digest = (reports[p].get("provenance") or {}).get("sha256") or p
        if digest not in seen:
            seen.add(digest)
            out.append(p)
    return out


def add_cross_year_checks(report_paths: list[str]) -> int:
    """Add cross-year checks to the reports of consecutive years of one body; returns how many were added."""
    import orjson

    reports = {}
    for p in report_paths:
        try:
            reports[p] = orjson.loads(Path(p).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
    groups = defaultdict(dict)
    for p, r in reports.items():
        key, year = body_key(r["meta"].get("body")), r["meta"].get("year")
        if key and year:
            groups[key].setdefault(year, []).append(p)
    added = 0
    from .extract import dump_json, write_atomic

    for by_year in groups.values():
        for year, paths in by_year.items():
            for prev_path in _distinct(by_year.get(year - 1, []), reports):
                for p in paths:
                    new = cross_year_checks(reports[prev_path], reports[p])
                    seen = {(c["rule"], tuple(c["cells"]), c["where"].get("previous_report"))
                            for c in reports[p]["checks"] if c["rule"].startswith("years.")}
                    new = [c for c in new if (c["rule"], tuple(c["cells"]), c["where"]["previous_report"]) not in seen]
                    if new:
                        reports[p]["checks"] += new
                        write_atomic(Path(p), dump_json(reports[p], indent=1))
                        added += len(new)
    return added
