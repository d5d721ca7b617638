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

SHEET_NAMES = {t: schema.table_short(t) for t in schema.TABLES}  # 主动公开, 依申请公开, 复议诉讼
# official labels first where a person reads them, the identifiers beside them for scripts; `report` names the
# distinct report a file belongs to (a scan and a PDF of one report share it: group or filter by it to count once)
CELL_COLUMNS = [
    "document",
    "report",
    "body",
    "body_key",
    "year",
    "template",
    "format",
    "table",
    "table_label",
    "status",
    "row",
    "row_label",
    "column",
    "column_label",
    "value",
    "raw",
    "confidence",
    "page",
    "extra",
]
SECTION_COLUMNS = ["document", "report", "body", "body_key", "year", "section", "title", "heading", "text"]
CHECK_COLUMNS = [
    "document",
    "report",
    "body",
    "body_key",
    "year",
    "rule",
    "rule_label",
    "ok",
    "result",
    "cells",
    "expected",
    "found",
    "skipped",
]
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
    """A number as printed: a whole number stays an integer (95, not 95.0), money keeps its decimals."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if isinstance(value, int) or value.is_integer() else float(value)


def _key(report: dict) -> str | None:
    """The body's normalised key (one series across years); reports written before it was recorded get it now."""
    return report["meta"].get("body_key") or body_key(report["meta"]["body"])


def _identity(r: dict, report_key: str | None) -> dict:
    """The columns that say which report a row of cells, sections or checks belongs to, first in each."""
    return {
        "document": r["document"],
        "report": report_key,
        "body": r["meta"]["body"],
        "body_key": _key(r),
        "year": r["meta"]["year"],
    }


def cell_rows(report: dict, report_key: str | None = None) -> Iterator[dict]:
    r = report
    template = r["meta"]["template"] or "2021"
    base = {
        **_identity(r, report_key),
        "template": r["meta"]["template"],
        "format": r["source"]["format"],
    }
    for table, t in r["tables"].items():
        label = schema.table_label(table)
        if t["status"] != "found":
            yield {
                **base,
                "table": table,
                "table_label": label,
                "status": "missing",
                "row": None,
                "row_label": None,
                "column": None,
                "column_label": None,
                "value": None,
                "raw": None,
                "confidence": None,
                "page": None,
                "extra": False,
            }
            continue
        for row, cols in t["rows"].items():
            row_label = _row_label(table, row, template)
            for col, value in cols.items():
                cell = t["cells"][row][col]
                yield {
                    **base,
                    "table": table,
                    "table_label": label,
                    "status": "found",
                    "row": row,
                    "row_label": row_label,
                    "column": col,
                    "column_label": schema.column_label(table, col, template),
                    "value": _number(value),
                    "raw": cell["raw"],
                    "confidence": cell["confidence"],
                    "page": (cell.get("where") or {}).get("page"),
                    "extra": False,
                }
        for e in t.get("extra_rows", []):
            for k, value in enumerate(e["values"]):
                yield {
                    **base,
                    "table": table,
                    "table_label": label,
                    "status": "found",
                    "row": f"extra:{e['label']}",
                    "row_label": e["label"],
                    "column": str(k + 1),
                    "column_label": None,
                    "value": _number(value),
                    "raw": None,
                    "confidence": None,
                    "page": None,
                    "extra": True,
                }


def _row_label(table: str, row: str, template: str) -> str | None:
    try:
        return schema.row_label(table, row, template)
    except KeyError:
        return None


def section_rows(report: dict, report_key: str | None = None) -> Iterator[dict]:
    r = report
    titles = schema.section_titles()
    identity = _identity(r, report_key)
    for s in r["sections"]:
        yield {
            **identity,
            "section": s["id"],
            "title": titles.get(s["id"]),
            "heading": s["heading"],
            "text": s["text"],
        }


def check_rows(report: dict, report_key: str | None = None) -> Iterator[dict]:
    r = report
    identity = _identity(r, report_key)
    for c in r["checks"]:
        yield {
            **identity,
            "rule": c["rule"],
            "rule_label": schema.rule_label(c["rule"]),
            "ok": c["ok"],
            "result": schema.result_label(c["ok"]),
            "cells": " ".join(c["cells"]),
            "expected": c["expected"],
            "found": c["found"],
            "skipped": c.get("skipped"),
        }


class CellsByYear:
    """Cell rows into one Parquet file per year (Hive partitions), written a row group at a time."""

    def __init__(self, folder: Path):
        import pyarrow as pa

        self.folder = folder
        types = {
            "year": pa.int64(),
            "value": pa.float64(),
            "confidence": pa.float64(),
            "page": pa.int64(),
            "extra": pa.bool_(),
        }
        self.schema = pa.schema(
            [(c, types.get(c, pa.string())) for c in CELL_COLUMNS if c != "year"]
        )  # the year is the folder's name
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


def wide_columns(table: str, template: str) -> list[tuple[str, str, str, str]]:
    """(row, column, row label, column label) of each cell of a table in the official layout."""
    return [
        (row, col, schema.row_label(table, row, template), schema.column_label(table, col, template))
        for row in schema.row_ids(table, template)
        for col in schema.column_ids(table, template, row)
    ]


LEAD = ["文件", "报告", "机关", "年度"]  # the columns before a table's cells


def wide_row(report: dict, table: str, columns, report_key: str | None = None) -> list:
    r = report
    return [r["document"], report_key, r["meta"]["body"], r["meta"]["year"]] + [
        _number(r["tables"][table]["rows"].get(row, {}).get(col)) for row, col, _, _ in columns
    ]


def _header_cell(sheet, value, bold: bool = True, grey: bool = False):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=bold, color="666666" if grey else "000000", size=9 if grey else 11)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.fill = PatternFill("solid", fgColor="F2F2F2")
    return cell


def table_sheet(book, table: str, template: str):
    """A sheet laid out like the official table: the statutory row labels merged over their columns, the column
    labels under them, the identifiers (row.column) in a third header row for scripts; the lead columns and the
    header rows frozen. Returns (sheet, columns)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import CellRange

    columns = wide_columns(table, template)
    sheet = book.create_sheet(f"{SHEET_NAMES[table]}{template}")
    lead = len(LEAD)
    first, second = [_header_cell(sheet, x) for x in LEAD], [None] * lead
    third = [_header_cell(sheet, x, grey=True) for x in ("document", "report", "body", "year")]
    k = 0
    while k < len(columns):
        j = k
        while j < len(columns) and columns[j][0] == columns[k][0]:
            j += 1
        first += [_header_cell(sheet, columns[k][2])] + [None] * (j - k - 1)
        if j - k > 1:
            sheet.merged_cells.add(CellRange(min_col=lead + k + 1, max_col=lead + j, min_row=1, max_row=1))
        k = j
    second += [_header_cell(sheet, c[3], bold=False) for c in columns]
    third += [_header_cell(sheet, f"{c[0]}.{c[1]}", grey=True) for c in columns]
    for c in range(1, lead + 1):  # the lead columns' headings stand over both label rows
        sheet.merged_cells.add(CellRange(min_col=c, max_col=c, min_row=1, max_row=2))
    for c in range(1, lead + len(columns) + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 24 if c == 1 else 16 if c <= lead else 12
    sheet.row_dimensions[1].height = 60
    sheet.row_dimensions[2].height = 45
    sheet.freeze_panes = f"{get_column_letter(lead + 1)}4"
    sheet.auto_filter.ref = f"A3:{get_column_letter(lead + len(columns))}3"
    for row in (first, second, third):
        sheet.append(row)
    return sheet, columns


def audit_sheet(book, columns: list[str], rows: list[tuple]) -> None:
    """The audit view (database.audit_rows) as the first sheet, 合规审查: statuses coloured, header frozen."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    from .audit import FAIL, OK, UNKNOWN

    sheet = book.create_sheet("合规审查", 0)
    fills = {OK: "DFF0D8", FAIL: "F8D7DA", UNKNOWN: "FFF3CD"}
    for c, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = (
            40 if name.endswith("说明") or name == "文件" else 24 if name in ("机关", "body_key", "report") else 12
        )
    sheet.freeze_panes = "C2"  # the body and the year stay in view
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    sheet.append([_header_cell(sheet, name) for name in columns])
    for values in rows:
        out = []
        for v in values:
            cell = WriteOnlyCell(sheet, value=v)
            if isinstance(v, str):  # text stays text (a body or file name may begin with =): see xlsx_row
                cell.data_type = "s"
                cell.quotePrefix = formula_like(v)
            if v in fills:
                cell.fill = PatternFill("solid", fgColor=fills[v])
            elif isinstance(v, str) and len(v) > 20:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            out.append(cell)
        sheet.append(out)


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
    """Every export of a folder of report JSONs: reports.db first (its `audit` view is also the audit of the Excel
    file and of the summary page), then the flat files, tables.xlsx and summary.html."""
    import shutil
    import sqlite3

    from openpyxl import Workbook

    from .audit import read_failures
    from .database import audit_rows, write_database

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    database = write_database(reports_dir, out / "reports.db")
    con = sqlite3.connect(f"file:{out / 'reports.db'}?mode=ro", uri=True)
    try:
        report_of = dict(con.execute("SELECT document, report FROM reports"))
    finally:
        con.close()
    if (out / "cells").exists():
        shutil.rmtree(out / "cells")
    (out / "cells.parquet").unlink(missing_ok=True)  # the single file of earlier versions
    by_year = CellsByYear(out / "cells")
    files = [
        _csv(out / "cells.csv", CELL_COLUMNS),
        _csv(out / "sections.csv", SECTION_COLUMNS),
        _csv(out / "checks.csv", CHECK_COLUMNS),
    ]
    (_, cells_csv), (_, sections_csv), (_, checks_csv) = files
    book = Workbook(write_only=True)
    audit = audit_rows(out / "reports.db")
    audit_sheet(book, *audit)
    sheets = {}
    for table in schema.TABLES:
        for template in schema.TEMPLATES:
            sheets[(table, template)] = table_sheet(book, table, template)
    reports = cells = 0
    try:
        for report in iter_reports(reports_dir):
            reports += 1
            key = report_of.get(report["document"])
            for row in cell_rows(report, key):
                by_year.add(row)
                cells_csv.writerow(row)
                cells += not row["extra"]
            sections_csv.writerows(section_rows(report, key))
            checks_csv.writerows(check_rows(report, key))
            template = report["meta"]["template"]
            for table in schema.TABLES:
                if (table, template) in sheets and report["tables"][table]["status"] == "found":
                    sheet, columns = sheets[(table, template)]
                    sheet.append(xlsx_row(sheet, wide_row(report, table, columns, key)))
    finally:
        by_year.close()
        for f, _ in files:
            f.close()
    book.save(out / "tables.xlsx")
    from .summary import render

    pairs = list(iter_report_files(reports_dir))
    render(
        [r for _, r in pairs],
        reports_dir,
        out / "summary.html",
        json_names={r["document"]: p.name for p, r in pairs},
        audit=audit,
        failures=read_failures(reports_dir),
    )
    return {"reports": reports, "cells": cells, "database": database}
