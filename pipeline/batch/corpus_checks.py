"""Checks across years of the same body, run once every report of a batch is written.

- last year's 结转下年度继续办理 = this year's 上年结转 (table 3, every applicant column);
- 2021 template: 现行有效件数 this year = last year's + 本年制发 − 本年废止 (规章 and 行政规范性文件).

Reports of one body are grouped by its normalised key (bodies.body_key: 淮安市洪泽区人民政府 and 洪泽区人民政府 are
one body); each check is added to the later year's report JSON,
with the other report named, and nothing printed is changed. Copied prose (copies.py) is indexed with the same
entries, so one pass over a batch's outcomes serves both.

Each report's entry (index_entry) is made where the report is written — a worker process, a Dask worker — and
comes back with its task's outcome; the process running the batch keeps the entries in a SQLite file and works out
which reports change (CorpusIndex.changes). Those are read again and rewritten where its runner says (runners.py):
in this process, or on the Dask workers, which read and write the store themselves.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from ..bodies import body_key
from ..extraction.checks import APPLICANT_COLUMNS
from .copies import CopyIndex, copy_entry
from .provenance import dump_json, seal
from .store import FolderStore


def _cell(report, table, row, col):
    t = report["tables"].get(table, {})
    if t.get("status") != "found":
        return None
    return t["rows"].get(row, {}).get(col)


def figures(report: dict) -> dict:
    """The few numbers of a report the cross-year checks read (and what names it): a small index entry, so the
    checks of a batch of any size never hold the reports themselves."""
    return {
        "document": report["document"],
        "year": report["meta"].get("year"),
        "key": body_key(report["meta"].get("body")),
        "template": report["meta"].get("template"),
        "sha256": (report.get("provenance") or {}).get("sha256"),
        "carried_forward": {c: _cell(report, "requests", "carried_forward", c) for c in APPLICANT_COLUMNS + ["total"]},
        "carried_over": {c: _cell(report, "requests", "carried_over", c) for c in APPLICANT_COLUMNS + ["total"]},
        "active": {
            f"{row}.{col}": _cell(report, "active_disclosure", row, col)
            for row in ("rules", "normative_docs")
            for col in ("in_force", "issued", "repealed")
        },
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
        out.append(
            {
                "rule": "years.carried_over",
                "ok": a == b,
                "cells": [f"requests.carried_over.{col}"],
                "expected": a,
                "found": b,
                "where": other,
            }
        )
    if prev["template"] == "2021" and cur["template"] == "2021":
        for row in ("rules", "normative_docs"):
            last = prev["active"][f"{row}.in_force"]
            issued, repealed, now = (cur["active"][f"{row}.{c}"] for c in ("issued", "repealed", "in_force"))
            if None in (last, issued, repealed, now):
                continue
            out.append(
                {
                    "rule": "years.in_force",
                    "ok": last + issued - repealed == now,
                    "cells": [
                        f"active_disclosure.{row}.in_force",
                        f"active_disclosure.{row}.issued",
                        f"active_disclosure.{row}.repealed",
                    ],
                    "expected": last + issued - repealed,
                    "found": now,
                    "where": other,
                }
            )
    return out


YEARS = "years."  # the rule names of the checks across years


def index_entry(report: dict) -> dict | None:
    """What the corpus-wide checks need to know of a report, made where the report is (the task that wrote it, or
    found it up to date), so that the process running the batch never reads the reports: its figures (None when it
    cannot give them), its copy-detection entry, and the cross-year checks and copy flags it carries now (to tell
    which reports a change of checks rewrites). A few kB at most."""
    try:
        f = figures(report)
    except (KeyError, TypeError, AttributeError):
        f = None
    checks = report.get("checks") if isinstance(report.get("checks"), list) else []
    years = [c for c in checks if isinstance(c, dict) and str(c.get("rule", "")).startswith(YEARS)]
    others = [c for c in checks if not (isinstance(c, dict) and str(c.get("rule", "")).startswith(YEARS))]
    return {
        "figures": f,
        "copy": copy_entry(report),
        "year_checks": years,
        "years_last": checks == others + years,
    }  # kept + new == checks needs the year checks last


class CorpusIndex:
    """The corpus-wide checks of one batch: each report's index_entry added as its task ends (on disk, DiskIndex),
    then `changes` says which reports' cross-year checks or copy flags change and to what. Memory holds neither
    the reports nor the index."""

    def __init__(self):
        self.disk = DiskIndex(
            "CREATE TABLE entry (n INTEGER PRIMARY KEY, name TEXT, key TEXT, year INTEGER, "
            "sha TEXT, has_year_checks INTEGER, figures BLOB, year_checks BLOB, years_last INTEGER);"
            "CREATE INDEX by_body ON entry (key, year);"
            "CREATE TABLE change (n INTEGER PRIMARY KEY, name TEXT, year_checks BLOB, copies BLOB);" + CopyIndex.SCHEMA
        )
        self.copies = CopyIndex(self.disk.db)
        self.count = 0

    def add(self, n: int, name: str, entry: dict | None) -> None:
        """Index one report (its place `n` in the batch orders the checks, its output `name`)."""
        if entry is None:
            return
        self.count += 1
        self.copies.add(n, name, entry["copy"])
        f = entry["figures"]
        if f is None:
            return
        self.disk.db.execute(
            "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                n,
                name,
                f["key"],
                f["year"] if isinstance(f["year"], int) else None,
                f["sha256"],
                int(f["has_year_checks"]),
                orjson.dumps(f),
                orjson.dumps(entry["year_checks"]),
                int(entry["years_last"]),
            ),
        )

    def changes(self):
        """(name, cross-year checks or None, copy flags or None) of each report whose checks change, in batch
        order: None where that part stays as it is. The cross-year checks a report gets are its body's previous
        year's (one per content: a file saved twice is compared once); the flags, copy detection's (copies.py)."""
        db = self.disk.db
        db.commit()
        lookup = db.cursor()
        for n, name, key, year, has_year_checks, blob, current, last in db.execute(
            "SELECT n, name, key, year, has_year_checks, figures, year_checks, years_last FROM entry ORDER BY n"
        ):
            previous = (
                lookup.execute(
                    "SELECT name, sha, figures FROM entry WHERE key = ? AND year = ? ORDER BY n", (key, year - 1)
                ).fetchall()
                if key and year
                else []
            )
            if not previous and not has_year_checks:
                continue
            f = orjson.loads(blob)
            new = []
            seen_content = set()
            for prev_name, sha, prev_blob in previous:  # one report per content: a file saved twice is compared once
                digest = sha or prev_name
                if digest not in seen_content:
                    seen_content.add(digest)
                    new += cross_year_checks(orjson.loads(prev_blob), f)
            if not last or new != orjson.loads(current):
                db.execute("INSERT INTO change VALUES (?, ?, ?, NULL)", (n, name, orjson.dumps(new)))
        for n, name, flags in self.copies.flags():
            db.execute(
                "INSERT INTO change VALUES (?, ?, NULL, ?) ON CONFLICT (n) DO UPDATE SET copies = excluded.copies",
                (n, name, orjson.dumps(flags)),
            )
        db.commit()
        for name, years, copies in db.execute("SELECT name, year_checks, copies FROM change ORDER BY n"):
            yield (
                name,
                orjson.loads(years) if years is not None else None,
                orjson.loads(copies) if copies is not None else None,
            )

    def close(self) -> None:
        self.disk.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def apply_change(report: dict, year_checks: list | None, copies: list | None) -> None:
    """A report given its new cross-year checks (after its own checks) and copy flags (none: the key goes), and
    sealed again."""
    if year_checks is not None:
        report["checks"] = [c for c in report["checks"] if not c["rule"].startswith(YEARS)] + year_checks
    if copies is not None:
        if copies:
            report["copies"] = copies
        else:
            report.pop("copies", None)
    seal(report)


def rewrite(store, changes) -> int:
    """Each changed report read from the store, changed (apply_change) and written again; returns how many."""
    done = 0
    for name, year_checks, copies in changes:
        try:
            report = orjson.loads(store.read(name))
        except (OSError, ValueError):
            continue  # removed or damaged since it was indexed: nothing to check
        if not isinstance(report, dict):
            continue
        apply_change(report, year_checks, copies)
        store.write(name, dump_json(report, indent=1))
        done += 1
    return done


def add_cross_year_checks(report_paths: list[str]) -> int:
    """Give every report of a set of files the cross-year checks its body's previous year calls for, and its copy
    flags (内容雷同), now: each report is read once to index it, then each report whose checks change (a previous
    year's report was added, changed or removed since it was written) is rewritten. Checks of a resumed run are
    those of a fresh one. Returns how many reports' cross-year checks changed. (A batch indexes its reports as their
    tasks write them: run.py.)"""
    store = FolderStore(".")
    with CorpusIndex() as index:
        for n, p in enumerate(report_paths):
            try:
                report = orjson.loads(Path(p).read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue
            index.add(n, p, index_entry(report))
        changed = list(index.changes())
    rewrite(store, changed)
    return sum(1 for _, years, _ in changed if years is not None)
