"""Flat tables of every report: what researchers open in pandas, R or Excel.

- `cells/` (Parquet, one folder per year: `cells/year=2024/part-0.parquet`, Hive-style, so `pd.read_parquet("cells")`
  or any Parquet reader loads all years or one) and `cells.csv` (UTF-8 with BOM, so Excel shows Chinese text): one
  row per report × cell, with body, year, template, table, row, column, value, raw text, confidence and source
  format; extra local rows too.
- `sections.csv`: one row per report × section, with heading and prose.
- `checks.csv`: every check of the tables' own arithmetic, passing and failing.
- `tables.xlsx`: one sheet per statutory table and template, laid out like the official table (one column per
  cell), one row per report.
- `summary.html`: the corpus summary page (summary.py).
Reports are read one at a time and their rows written in chunks (Parquet row groups per year, CSV lines, Excel rows
in openpyxl's write-only mode): memory does not grow with the corpus. Printed numbers are exported as printed;
nothing is recomputed or repaired.

Text is stored as text (OWASP "CSV injection"): a document name, a body or a section that begins with `=`, `+`, `-`,
`@`, a tab or a carriage return would be run as a formula by Excel or WPS (`=HYPERLINK(...)` in a title). In the CSV
files such a text cell gets a leading apostrophe (`'=HYPERLINK(...)`); in tables.xlsx every text cell is written as a
string, never a formula, and these carry Excel's quote prefix (shown as typed, kept as text when edited). Numbers
stay numbers: a value of -18 is the number -18, and a printed text that is only a signed number (`-97`, `+64`) is a
number to a spreadsheet, not a formula, so it is left as printed. Parquet and reports.db keep every text exactly.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterator

from .. import schema
from ..bodies import body_key

SHEET_NAMES = {"active_disclosure": "主动公开", "requests": "依申请公开", "review_litigation": "复议诉讼"}
CELL_COLUMNS = ["document", "body", "body_key", "year", "template", "format", "table", "status", "row", "column",
                "value", "raw", "confidence", "extra"]
SECTION_COLUMNS = ["document", "body", "body_key", "year", "section", "heading", "text"]
CHECK_COLUMNS = ["document", "body", "body_key", "year", "rule", "ok", "cells", "expected", "found", "skipped"]
CHUNK = 20_000  # cell rows held before they are written


def iter_report_files(reports_dir: str | Path) -> Iterator[tuple[Path, dict]]:
    """(file, report) for the report JSONs of a folder, one at a time (other JSON files, e.g. documents, are
    passed over)."""
    for p in sorted(Path(reports_dir).glob("*.json")):
        try:
            report = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(report, dict) and "tables" in report and "meta" in report:
            yield p, report


def iter_reports(reports_dir: str | Path) -> Iterator[dict]:
    """The report JSONs of a folder, one at a time."""
    for _, report in iter_report_files(reports_dir):
        yield report


def load_reports(reports_dir: str | Path) -> list[dict]:
    return list(iter_reports(reports_dir))


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _key(report: dict) -> str | None:
    """The body's normalised key (one series across years); reports written before it was recorded get it now."""
    return report["meta"].get("body_key") or body_key(report["meta"]["body"])


def cell_rows(report: dict) -> Iterator[dict]:
    r = report
    base = {"document": r["document"], "body": r["meta"]["body"], "body_key": _key(r), "year": r["meta"]["year"],
            "template": r["meta"]["template"], "format": r["source"]["format"]}
    for table, t in r["tables"].items():
        if t["status"] != "found":
            yield {**base, "table": table, "status": "missing", "row": None, "column": None, "value": None,
                   "raw": None, "confidence": None, "extra": False}
            continue
        for row, cols in t["rows"].items():
            for col, value in cols.items():
                cell = t["cells"][row][col]
                yield {**base, "table": table, "status": "found", "row": row, "column": col, "value": _number(value),
                       "raw": cell["raw"], "confidence": cell["confidence"], "extra": False}
        for e in t.get("extra_rows", []):
            for k, value in enumerate(e["values"]):
                yield {**base, "table": table, "status": "found", "row": f"extra:{e['label']}", "column": str(k + 1),
                       "value": _number(value), "raw": None, "confidence": None, "extra": True}


def section_rows(report: dict) -> Iterator[dict]:
    r = report
    for s in r["sections"]:
        yield {"document": r["document"], "body": r["meta"]["body"], "body_key": _key(r), "year": r["meta"]["year"],
               "section": s["id"], "heading": s["heading"], "text": s["text"]}


def check_rows(report: dict) -> Iterator[dict]:
    r = report
    for c in r["checks"]:
        yield {"document": r["document"], "body": r["meta"]["body"], "body_key": _key(r), "year": r["meta"]["year"],
               "rule": c["rule"], "ok": c["ok"], "cells": " ".join(c["cells"]), "expected": c["expected"], "found": c["found"],
               "skipped": c.get("skipped")}


class CellsByYear:
    """Cell rows into one Parquet file per year (Hive partitions), written a row group at a time."""

    def __init__(self, folder: Path):
        import pyarrow as pa

        self.folder = folder
        self.schema = pa.schema([(c, t) for c, t in zip(
            CELL_COLUMNS, [pa.string(), pa.string(), pa.string(), pa.int64(), pa.string(), pa.string(), pa.string(),
                           pa.string(), pa.string(), pa.string(), pa.float64(), pa.string(), pa.float64(), pa.bool_()])
            if c != "year"])  # the year is the folder's name
        self.writers: dict = {}
        self.pending: dict = {}

    def add(self, row: dict) -> None:
        self.pending.setdefault(row["year"], []).append(row)
        if sum(map(len, self.pending.values())) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for year, rows in self.pending.items():
            writer = self.writers.get(year)
            if writer is None:
                part = self.folder / f"year={year if year is not None else '__HIVE_DEFAULT_PARTITION__'}"
                part.mkdir(parents=True, exist_ok=True)
                writer = self.writers[year] = pq.ParquetWriter(part / "part-0.parquet", self.schema)
            writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))
        self.pending = {}

    def close(self) -> None:
        self.flush()
        for writer in self.writers.values():
            writer.close()


def wide_columns(table: str, template: str) -> list[tuple[str, str, str]]:
    """(row, column, heading) of each cell of a table in the official layout (row label / column label)."""
    spec = schema.fields()["tables"][table]
    columns = []
    for row in schema.row_ids(table, template):
        for col in schema.column_ids(table, template, row):
            col_label = (spec["templates"][template]["columns"][col] if table == "active_disclosure"
                         else spec["columns"][col])
            columns.append((row, col, f"{schema.row_label(table, row, template)} | {col_label}"))
    return columns


def wide_row(report: dict, table: str, columns) -> list:
    r = report
    return [r["document"], r["meta"]["body"], r["meta"]["year"]] + [
        r["tables"][table]["rows"].get(row, {}).get(col) for row, col, _ in columns]


# what makes a spreadsheet read a cell as a formula (OWASP, CSV injection): =, +, -, @, a tab, a carriage return
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-]\d[\d,]*(?:\.\d+)?")


def formula_like(value) -> bool:
    """A text a spreadsheet would run as a formula: it begins with one of FORMULA_START and is not just a signed
    number (which a spreadsheet reads as that number)."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not _SIGNED_NUMBER.fullmatch(value)


def csv_text(value):
    """A value as a CSV cell: a formula-like text gets a leading apostrophe (OWASP's advice), so Excel and WPS show
    it as text instead of running it; numbers, None and other text are unchanged."""
    return "'" + value if formula_like(value) else value


class _SafeCsv(csv.DictWriter):
    """csv.DictWriter whose text cells are never formulas (csv_text)."""

    def writerow(self, rowdict):
        return super().writerow({k: csv_text(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def _csv(path: Path, columns: list[str]):
    f = open(path, "w", encoding="utf-8-sig", newline="")
    writer = _SafeCsv(f, fieldnames=columns)
    writer.writeheader()
    return f, writer


def xlsx_row(sheet, values: list) -> list:
    """A row for openpyxl's write-only sheet with every text as a string cell: openpyxl would store a text that
    begins with `=` as a live formula. A formula-like text also gets Excel's quote prefix (as if typed after an
    apostrophe), so it stays text when someone edits the cell; numbers are left as numbers."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for v in values:
        if isinstance(v, str):
            cell = WriteOnlyCell(sheet, value=v)
            cell.data_type = "s"
            if formula_like(v):
                cell.quotePrefix = True
            v = cell
        out.append(v)
    return out


def export(reports_dir: str | Path, out_dir: str | Path) -> dict:
    import shutil

    from openpyxl import Workbook

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if (out / "cells").exists():
        shutil.rmtree(out / "cells")
    (out / "cells.parquet").unlink(missing_ok=True)  # the single file of earlier versions
    by_year = CellsByYear(out / "cells")
    files = [_csv(out / "cells.csv", CELL_COLUMNS), _csv(out / "sections.csv", SECTION_COLUMNS),
             _csv(out / "checks.csv", CHECK_COLUMNS)]
    (_, cells_csv), (_, sections_csv), (_, checks_csv) = files
    book = Workbook(write_only=True)
    sheets = {}
    for table in schema.TABLES:
        for template in schema.TEMPLATES:
            columns = wide_columns(table, template)
            sheet = book.create_sheet(f"{SHEET_NAMES[table]}{template}")
            sheet.append(["文件", "机关", "年度"] + [c[2] for c in columns])
            sheets[(table, template)] = (sheet, columns)
    reports = cells = 0
    try:
        for report in iter_reports(reports_dir):
            reports += 1
            for row in cell_rows(report):
                by_year.add(row)
                cells_csv.writerow(row)
                cells += not row["extra"]
            sections_csv.writerows(section_rows(report))
            checks_csv.writerows(check_rows(report))
            template = report["meta"]["template"]
            for table in schema.TABLES:
                if (table, template) in sheets and report["tables"][table]["status"] == "found":
                    sheet, columns = sheets[(table, template)]
                    sheet.append(xlsx_row(sheet, wide_row(report, table, columns)))
    finally:
        by_year.close()
        for f, _ in files:
            f.close()
    book.save(out / "tables.xlsx")
    from .summary import render

    pairs = list(iter_report_files(reports_dir))
    render([r for _, r in pairs], reports_dir, out / "summary.html",
           json_names={r["document"]: p.name for p, r in pairs})
    return {"reports": reports, "cells": cells}
