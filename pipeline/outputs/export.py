"""Flat tables of every report: what researchers open in pandas, R or Excel.

- `cells.parquet` / `cells.csv` (UTF-8 with BOM, so Excel shows Chinese text): one row per report × cell, with
  body, year, template, table, row, column, value, raw text, confidence and source format; extra local rows too.
- `sections.csv`: one row per report × section, with heading and prose.
- `checks.csv`: every check of the tables' own arithmetic, passing and failing.
- `tables.xlsx`: one sheet per statutory table and template, laid out like the official table (one column per
  cell), one row per report.
- `summary.html`: the corpus summary page (summary.py).
Printed numbers are exported as printed; nothing is recomputed or repaired.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import schema

SHEET_NAMES = {"active_disclosure": "主动公开", "requests": "依申请公开", "review_litigation": "复议诉讼"}


def load_reports(reports_dir: str | Path) -> list[dict]:
    out = []
    for p in sorted(Path(reports_dir).glob("*.json")):
        try:
            report = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(report, dict) and "tables" in report and "meta" in report:
            out.append(report)
    return out


def cell_rows(reports: list[dict]) -> pd.DataFrame:
    rows = []
    for r in reports:
        base = {"document": r["document"], "body": r["meta"]["body"], "year": r["meta"]["year"],
                "template": r["meta"]["template"], "format": r["source"]["format"]}
        for table, t in r["tables"].items():
            if t["status"] != "found":
                rows.append({**base, "table": table, "status": "missing", "row": None, "column": None,
                             "value": None, "raw": None, "confidence": None, "extra": False})
                continue
            for row, cols in t["rows"].items():
                for col, value in cols.items():
                    cell = t["cells"][row][col]
                    rows.append({**base, "table": table, "status": "found", "row": row, "column": col,
                                 "value": value, "raw": cell["raw"], "confidence": cell["confidence"], "extra": False})
            for i, e in enumerate(t.get("extra_rows", [])):
                for k, value in enumerate(e["values"]):
                    rows.append({**base, "table": table, "status": "found", "row": f"extra:{e['label']}",
                                 "column": str(k + 1), "value": value, "raw": None, "confidence": None,
                                 "extra": True})
    df = pd.DataFrame(rows, columns=["document", "body", "year", "template", "format", "table", "status", "row",
                                     "column", "value", "raw", "confidence", "extra"])
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df["year"] = df["year"].astype("Int64")
    return df


def section_rows(reports: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"document": r["document"], "body": r["meta"]["body"], "year": r["meta"]["year"],
                          "section": s["id"], "heading": s["heading"], "text": s["text"]}
                         for r in reports for s in r["sections"]])


def check_rows(reports: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"document": r["document"], "body": r["meta"]["body"], "year": r["meta"]["year"],
                          "rule": c["rule"], "ok": c["ok"], "cells": " ".join(c["cells"]),
                          "expected": c["expected"], "found": c["found"], "skipped": c.get("skipped")}
                         for r in reports for c in r["checks"]],
                        columns=["document", "body", "year", "rule", "ok", "cells", "expected", "found", "skipped"])


def wide_table(reports: list[dict], table: str, template: str) -> pd.DataFrame:
    """One row per report, one column per cell, headed by the official labels (row label / column label)."""
    spec = schema.fields()["tables"][table]
    columns = []
    for row in schema.row_ids(table, template):
        for col in schema.column_ids(table, template, row):
            col_label = (spec["templates"][template]["columns"][col] if table == "active_disclosure"
                         else spec["columns"][col])
            columns.append((row, col, f"{schema.row_label(table, row, template)} | {col_label}"))
    records = []
    for r in reports:
        if r["meta"]["template"] != template or r["tables"][table]["status"] != "found":
            continue
        rec = {"文件": r["document"], "机关": r["meta"]["body"], "年度": r["meta"]["year"]}
        for row, col, name in columns:
            rec[name] = r["tables"][table]["rows"].get(row, {}).get(col)
        records.append(rec)
    return pd.DataFrame(records, columns=["文件", "机关", "年度"] + [c[2] for c in columns])


def export(reports_dir: str | Path, out_dir: str | Path) -> dict:
    reports = load_reports(reports_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cells = cell_rows(reports)
    cells.to_parquet(out / "cells.parquet", index=False)
    cells.to_csv(out / "cells.csv", index=False, encoding="utf-8-sig")
    section_rows(reports).to_csv(out / "sections.csv", index=False, encoding="utf-8-sig")
    check_rows(reports).to_csv(out / "checks.csv", index=False, encoding="utf-8-sig")
    with pd.ExcelWriter(out / "tables.xlsx", engine="openpyxl") as xl:
        for table in schema.TABLES:
            for template in schema.TEMPLATES:
                wide_table(reports, table, template).to_excel(
                    xl, sheet_name=f"{SHEET_NAMES[table]}{template}", index=False)
    from .summary import render

    render(reports, reports_dir, out / "summary.html")
    return {"reports": len(reports), "cells": int((~cells["extra"]).sum())}
