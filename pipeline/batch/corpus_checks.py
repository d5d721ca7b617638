"""Checks across years of the same body, run once every report of a batch is written.

- last year's 结转下年度继续办理 = this year's 上年结转 (table 3, every applicant column);
- 2021 template: 现行有效件数 this year = last year's + 本年制发 − 本年废止 (规章 and 行政规范性文件).

Reports of one body are grouped by its normalised key (bodies.body_key: 淮安市洪泽区人民政府 and 洪泽区人民政府 are
one body); each check is added to the later year's report JSON,
with the other report named, and nothing printed is changed.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..bodies import body_key  # noqa: F401  (the key reports of one body are grouped by; copies.py uses it too)
from ..extraction.checks import APPLICANT_COLUMNS



def _cell(report, table, row, col):
    t = report["tables"].get(table, {})
    if t.get("status") != "found":
        return None
    return t["rows"].get(row, {}).get(col)


def figures(report: dict) -> dict:
    """The few numbers of a report the cross-year checks read (and what names it): a small index entry, so the
    checks of a batch of any size never hold the reports themselves."""
    return {
        "document": report["document"], "year": report["meta"].get("year"),
        "key": body_key(report["meta"].get("body")), "template": report["meta"].get("template"),
        "sha256": (report.get("provenance") or {}).get("sha256"),
        "carried_forward": {c: _cell(report, "requests", "carried_forward", c) for c in APPLICANT_COLUMNS + ["total"]},
        "carried_over": {c: _cell(report, "requests", "carried_over", c) for c in APPLICANT_COLUMNS + ["total"]},
        "active": {(row, col): _cell(report, "active_disclosure", row, col)
                   for row in ("rules", "normative_docs") for col in ("in_force", "issued", "repealed")},
        "has_year_checks": any(c["rule"].startswith("years.") for c in report.get("checks", [])),
    }


def cross_year_checks(prev: dict, cur: dict) -> list[dict]:
    """The checks between last year's report and this year's, from their figures()."""
    out = []
    other = {"previous_report": prev["document"], "previous_year": prev["year"]}
    for col in APPLICANT_COLUMNS + ["total"]:
        a, b = prev["carried_forward"][col], cur["carried_over"][col]
        if a is None or b is None:
            continue
        out.append({"rule": "years.carried_over", "ok": a == b, "cells": [f"requests.carried_over.{col}"],
                    "expected": a, "found": b, "where": other})
    if prev["template"] == "2021" and cur["template"] == "2021":
        for row in ("rules", "normative_docs"):
            last = prev["active"][(row, "in_force")]
            issued, repealed, now = (cur["active"][(row, c)] for c in ("issued", "repealed", "in_force"))
            if None in (last, issued, repealed, now):
                continue
            out.append({"rule": "years.in_force", "ok": last + issued - repealed == now,
                        "cells": [f"active_disclosure.{row}.in_force", f"active_disclosure.{row}.issued",
                                  f"active_disclosure.{row}.repealed"],
                        "expected": last + issued - repealed, "found": now, "where": other})
    return out


def add_cross_year_checks(report_paths: list[str]) -> int:
    """Give every report of a batch the cross-year checks its body's previous year calls for, now: the reports
    are read once to index their figures, then each report whose checks change (a previous year's report was
    added, changed or removed since it was written) is rewritten. Checks of a resumed run are those of a fresh
    one. Memory holds the index, never the reports. Returns how many reports were rewritten."""
    import orjson

    index: dict[str, dict] = {}
    for p in report_paths:
        try:
            index[p] = figures(orjson.loads(Path(p).read_bytes()))
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            continue
    by_year: dict = defaultdict(lambda: defaultdict(list))
    for p, f in index.items():
        if f["key"] and f["year"]:
            by_year[f["key"]][f["year"]].append(p)
    from .extract import dump_json, seal, write_atomic

    rewritten = 0
    for p, f in index.items():
        previous = by_year[f["key"]].get(f["year"] - 1, []) if f["key"] and f["year"] else []
        if not previous and not f["has_year_checks"]:
            continue
        new = []
        seen_content = set()
        for prev_path in previous:  # one report per content: a file saved twice is compared with once
            digest = index[prev_path]["sha256"] or prev_path
            if digest not in seen_content:
                seen_content.add(digest)
                new += cross_year_checks(index[prev_path], f)
        try:
            report = orjson.loads(Path(p).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        kept = [c for c in report["checks"] if not c["rule"].startswith("years.")]
        if kept + new != report["checks"]:
            report["checks"] = kept + new
            seal(report)
            write_atomic(Path(p), dump_json(report, indent=1))
            rewritten += 1
    from .copies import flag_copies  # copied reports (内容雷同) are a corpus-wide check too

    flag_copies(report_paths)
    return rewritten
