"""`reports.db`: the corpus as one SQLite database that Datasette opens as it is, with `metadata.json` beside it.

    datasette data/processed/reports.db --metadata data/processed/metadata.json

Tables: `reports` (one row per report file: body, canonical body key, year, template, format, which distinct report
it is — identity.py —, whether it is a fragment, counts of null cells and failing checks, copy flags), `cells` (one
row per cell, with the official row and column labels), `sections`, `checks` and `copies`; indexed by document, by
body key and year, by cell and by rule. Written with the standard library's sqlite3 from report JSONs read one at
a time (a first pass keeps a compact identity entry per report, a second writes the rows), to a temporary file
renamed into place, so a reader never sees half a database.
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import schema
from ..files import replacing
from ..names import shown
from .identity import distinct, entry

SCHEMA = """
CREATE TABLE reports (
  document TEXT PRIMARY KEY, report TEXT NOT NULL, fragment INTEGER NOT NULL, body TEXT, body_key TEXT,
  year INTEGER, template TEXT, format TEXT, pages INTEGER, ocr_pages INTEGER, tables_found INTEGER,
  cells INTEGER, null_cells INTEGER, failing_checks INTEGER, copied_share REAL, copied_from TEXT,
  sha256 TEXT, pipeline_version TEXT);
CREATE TABLE cells (
  document TEXT NOT NULL REFERENCES reports(document), body_key TEXT, year INTEGER, table_name TEXT NOT NULL,
  row_id TEXT NOT NULL, column_id TEXT NOT NULL, row_label TEXT, column_label TEXT, value REAL, raw TEXT,
  confidence REAL, source TEXT, extra INTEGER NOT NULL);
CREATE TABLE sections (
  document TEXT NOT NULL REFERENCES reports(document), body_key TEXT, year INTEGER, section INTEGER NOT NULL,
  title TEXT, heading TEXT, text TEXT);
CREATE TABLE checks (
  document TEXT NOT NULL REFERENCES reports(document), body_key TEXT, year INTEGER, rule TEXT NOT NULL, ok INTEGER,
  expected REAL, found REAL, cells TEXT, note TEXT);
CREATE TABLE copies (
  document TEXT NOT NULL REFERENCES reports(document), kind TEXT NOT NULL, other_document TEXT NOT NULL,
  other_body TEXT, other_year INTEGER, similarity REAL NOT NULL);
CREATE INDEX reports_body_year ON reports(body_key, year);
CREATE INDEX reports_report ON reports(report);
CREATE INDEX cells_document ON cells(document);
CREATE INDEX cells_body_year ON cells(body_key, year);
CREATE INDEX cells_cell ON cells(table_name, row_id, column_id);
CREATE INDEX sections_document ON sections(document);
CREATE INDEX checks_document ON checks(document);
CREATE INDEX checks_rule ON checks(rule, ok);
CREATE INDEX copies_document ON copies(document);
"""


def _reports(reports_dir: Path):
    """(path, report) one at a time; a file that is no report JSON is named and left out."""
    for p in sorted(reports_dir.glob("*.json")):
        try:
            report = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            print(shown(f"warning: {p}: not a report JSON ({e}); left out of the database"))
            continue
        if isinstance(report, dict) and "tables" in report and "meta" in report:
            yield p, report


def _column_label(table: str, template: str, col: str) -> str | None:
    spec = schema.fields()["tables"][table]
    if table == "active_disclosure":
        return spec["templates"].get(template, {}).get("columns", {}).get(col)
    return spec["columns"].get(col)


def _rows(report: dict, ident: dict):
    doc, key, year = report["document"], ident["body_key"], report["meta"].get("year")
    template = report["meta"].get("template") or "2021"
    cells, nulls = [], 0
    for table, t in report["tables"].items():
        if t.get("status") != "found":
            continue
        for row, cols in t["rows"].items():
            try:
                row_label = schema.row_label(table, row, template)
            except KeyError:
                row_label = None
            for col, v in cols.items():
                info = (t.get("cells") or {}).get(row, {}).get(col) or {}
                nulls += v is None
                cells.append((doc, key, year, table, row, col, row_label, _column_label(table, template, col), v,
                              info.get("raw"), info.get("confidence"), info.get("source"), 0))
        for e in t.get("extra_rows", []):
            for k, v in enumerate(e["values"]):
                cells.append((doc, key, year, table, f"extra:{e['label']}", str(k + 1), e["label"], None, v, None,
                              None, None, 1))
    titles = schema.section_titles()
    sections = [(doc, key, year, s["id"], titles.get(s["id"]), s.get("heading"), s.get("text"))
                for s in report["sections"]]
    checks = [(doc, key, year, c["rule"], None if c["ok"] is None else int(c["ok"]), c.get("expected"),
               c.get("found"), " ".join(c["cells"]), c.get("skipped") or (json.dumps(c["where"], ensure_ascii=False)
                                                                         if c.get("where") else None))
              for c in report["checks"]]
    copies = [(doc, f["kind"], f["document"], f.get("body"), f.get("year"), f["similarity"])
              for f in report.get("copies", [])]
    src = report.get("source", {})
    top = max(report.get("copies", []), key=lambda f: f["similarity"], default=None)
    rec = (doc, ident["report"], int(ident["fragment"]), report["meta"].get("body"), key, year, template,
           src.get("format"), src.get("pages"), len(src.get("ocr_pages") or []),
           sum(t.get("status") == "found" for t in report["tables"].values()), sum(1 for c in cells if not c[-1]),
           nulls, sum(1 for c in report["checks"] if c["ok"] is False), top["similarity"] if top else None,
           top["document"] if top else None, (report.get("provenance") or {}).get("sha256"),
           report.get("pipeline_version"))
    return rec, cells, sections, checks, copies


def write_database(reports_dir: str | Path, db_file: str | Path) -> dict:
    """Write `db_file` (and `metadata.json` beside it) from the report JSONs of `reports_dir`. Returns counts."""
    import sqlite3

    reports_dir, db_file = Path(reports_dir), Path(db_file)
    idents = distinct([entry(r) for _, r in _reports(reports_dir)])  # compact entries only
    counts = {"reports": 0, "distinct": 0, "fragments": 0, "cells": 0}
    with replacing(db_file) as tmp:
        _fill(sqlite3.connect(tmp), reports_dir, idents, counts)
    (db_file.parent / "metadata.json").write_text(json.dumps(metadata(db_file.stem), ensure_ascii=False, indent=1),
                                                  encoding="utf-8")
    return counts


def _fill(con, reports_dir: Path, idents: dict, counts: dict) -> None:
    """The database's tables, one report at a time (a report whose identity is unknown is left out)."""
    try:
        con.executescript(SCHEMA)
        for _, report in _reports(reports_dir):
            ident = idents.get(report["document"])
            if ident is None:
                continue
            rec, cells, sections, checks, copies = _rows(report, ident)
            con.execute(f"INSERT OR REPLACE INTO reports VALUES ({','.join('?' * len(rec))})", rec)
            con.executemany("INSERT INTO cells VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", cells)
            con.executemany("INSERT INTO sections VALUES (?,?,?,?,?,?,?)", sections)
            con.executemany("INSERT INTO checks VALUES (?,?,?,?,?,?,?,?,?)", checks)
            con.executemany("INSERT INTO copies VALUES (?,?,?,?,?,?)", copies)
            counts["reports"] += 1
            counts["cells"] += len(cells)
        con.commit()
        counts["distinct"] = con.execute("SELECT COUNT(DISTINCT report) FROM reports WHERE NOT fragment").fetchone()[0]
        counts["fragments"] = con.execute("SELECT COUNT(*) FROM reports WHERE fragment").fetchone()[0]
    finally:
        con.close()


def metadata(db_name: str = "reports") -> dict:
    """Datasette's metadata: titles, descriptions and facets of every table."""
    return {
        "title": "政府信息公开工作年度报告 — extracted data",
        "description": "Government information-disclosure annual reports turned into data: every cell of the three "
                       "statutory tables as printed, the sections' prose, the checks of the tables' own arithmetic "
                       "(勾稽关系) and reports whose prose is copied (内容雷同). Nothing is repaired: an unreadable "
                       "cell is null.",
        "databases": {db_name: {"tables": {
            "reports": {"title": "Report files",
                        "description": "One row per file read. `report` names the distinct report (one report saved "
                                       "in several formats shares it); `fragment` marks page excerpts without a "
                                       "body, a year or most section headings; count distinct reports with "
                                       "`report` where fragment = 0.",
                        "label_column": "document",
                        "facets": ["year", "template", "format", "fragment", "body_key"]},
            "cells": {"title": "Table cells",
                      "description": "Every cell of the statutory tables under its fields.json identifiers, with the "
                                     "official row and column labels, the printed text (raw), the value (null: "
                                     "unreadable) and the reading's confidence.",
                      "facets": ["table_name", "year", "body_key", "source"]},
            "sections": {"title": "Sections", "description": "The six sections: heading as printed and prose.",
                         "facets": ["section", "year"]},
            "checks": {"title": "Checks (勾稽关系)",
                       "description": "Every rule of the tables' own arithmetic and across years: ok 1 holds, 0 "
                                      "fails, null skipped (an unreadable cell).",
                       "facets": ["rule", "ok", "year"]},
            "copies": {"title": "Copied prose (内容雷同)",
                       "description": "Reports whose prose shares `similarity` (a share of 5-character shingles) "
                                      "with the body's previous year or another body's report of the same year.",
                       "facets": ["kind"]},
        }}},
    }
