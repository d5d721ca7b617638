"""Checks across years of the same body, run once every report of a batch is written.

- last year's 结转下年度继续办理 = this year's 上年结转 (table 3, every applicant column);
- 2021 template: 现行有效件数 this year = last year's + 本年制发 − 本年废止 (规章 and 行政规范性文件).

Reports of one body are grouped by its normalised key (bodies.body_key: 淮安市洪泽区人民政府 and 洪泽区人民政府 are
one body); each check is added to the later year's report JSON,
with the other report named, and nothing printed is changed.
"""
from __future__ import annotations

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
        "active": {f"{row}.{col}": _cell(report, "active_disclosure", row, col)
                   for row in ("rules", "normative_docs") for col in ("in_force", "issued", "repealed")},
        "has_year_checks": any(c["rule"].startswith("years.") for c in report.get("checks", [])),
    }


class DiskIndex:
    """A SQLite file in a temporary folder holding one small entry per report: what a corpus-wide check needs to
    know of every report lives on disk, not in memory, so a batch of a million reports checks in the memory of
    one (SQLite's page cache)."""

    def __init__(self, schema: str):
        import sqlite3
        import tempfile

        self.folder = tempfile.TemporaryDirectory(prefix="govreport-index-")
        self.db = sqlite3.connect(Path(self.folder.name) / "index.sqlite")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(schema)

    def close(self) -> None:
        self.db.close()
        self.folder.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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
            last = prev["active"][f"{row}.in_force"]
            issued, repealed, now = (cur["active"][f"{row}.{c}"] for c in ("issued", "repealed", "in_force"))
            if None in (last, issued, repealed, now):
                continue
            out.append({"rule": "years.in_force", "ok": last + issued - repealed == now,
                        "cells": [f"active_disclosure.{row}.in_force", f"active_disclosure.{row}.issued",
                                  f"active_disclosure.{row}.repealed"],
                        "expected": last + issued - repealed, "found": now, "where": other})
    return out


def add_cross_year_checks(report_paths: list[str]) -> int:
    """Give every report of a batch the cross-year checks its body's previous year calls for, now: the reports
    are read once to index their figures (on disk, DiskIndex), then each report whose checks change (a previous
    year's report was added, changed or removed since it was written) is rewritten. Checks of a resumed run are
    those of a fresh one. Memory holds neither the reports nor the index. Returns how many reports were rewritten.
    The same reading indexes the reports' prose for the copied-prose flags (copies.CopyIndex), set last."""
    import orjson

    from .copies import CopyIndex  # copied reports (内容雷同) are a corpus-wide check too, indexed in the same pass
    from .extract import dump_json, seal, write_atomic

    rewritten = 0
    with DiskIndex("CREATE TABLE entry (n INTEGER PRIMARY KEY, path TEXT, key TEXT, year INTEGER, sha TEXT, "
                   "has_year_checks INTEGER, figures BLOB); CREATE INDEX by_body ON entry (key, year);"
                   + CopyIndex.SCHEMA) as index:
        copies = CopyIndex(index.db)
        for n, p in enumerate(report_paths):
            try:
                report = orjson.loads(Path(p).read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue
            copies.add(n, p, report)
            try:
                f = figures(report)
            except (KeyError, TypeError, AttributeError):
                continue
            index.db.execute("INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (n, p, f["key"], f["year"] if isinstance(f["year"], int) else None, f["sha256"],
                              int(f["has_year_checks"]), orjson.dumps(f)))
        index.db.commit()
        entries = index.db.execute("SELECT path, key, year, has_year_checks, figures FROM entry ORDER BY n")
        lookup = index.db.cursor()
        for p, key, year, has_year_checks, blob in entries:
            previous = lookup.execute("SELECT path, sha, figures FROM entry WHERE key = ? AND year = ? ORDER BY n",
                                      (key, year - 1)).fetchall() if key and year else []
            if not previous and not has_year_checks:
                continue
            f = orjson.loads(blob)
            new = []
            seen_content = set()
            for prev_path, sha, prev_blob in previous:  # one report per content: a file saved twice is compared once
                digest = sha or prev_path
                if digest not in seen_content:
                    seen_content.add(digest)
                    new += cross_year_checks(orjson.loads(prev_blob), f)
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
        copies.flag()
    return rewritten
