"""`reports.db`: the corpus as one SQLite database that Datasette opens as it is, with `metadata.json` beside it.

    datasette data/processed/reports.db --metadata data/processed/metadata.json

Tables: `reports` (one row per report file: body, canonical body key, year, template, format, which distinct report
it is — identity.py — and whether it is the one file shown for it (`representative`), whether it is a fragment,
what is missing (body, year, tables), counts of null cells and failing checks, copy flags, and the audit's
criteria — audit.py), `cells` (one row per cell, with the report key, the official table, row and column labels
and the page it was printed on), `sections`, `checks` (with each rule's Chinese wording and result), `copies` (with
the kind in Chinese) and `failures` (the files the batch could not read: errors.jsonl, so no body silently
disappears). Views: `distinct_reports` (one row per distinct report: a report saved as a scan and as a PDF counts
once) and `audit` (one row per body and year, and one per failed file, with what the 2021 notice holds a report
to, in Chinese: audit.py). Indexed by document, report, body key and year, cell and rule.

Written with the standard library's sqlite3 from report JSONs read one at a time (a first pass keeps a compact
identity entry per report, a second writes the rows), to a temporary file renamed into place, so a reader never
sees half a database.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import schema
from ..files import replacing
from ..names import shown
from . import audit
from .identity import distinct, entry, representatives

AUDIT_COLUMNS = [c for c, _ in audit.status_columns()]
SCHEMA = f"""
CREATE TABLE reports (
  document TEXT PRIMARY KEY, report TEXT NOT NULL, representative INTEGER NOT NULL, fragment INTEGER NOT NULL,
  body TEXT, body_key TEXT, year INTEGER, template TEXT, template_expected TEXT, format TEXT, pages INTEGER,
  ocr_pages INTEGER, tables_found INTEGER, tables_missing TEXT, sections_found INTEGER, missing TEXT,
  cells INTEGER, null_cells INTEGER, failing_checks INTEGER, copy_kind TEXT, copy_kind_label TEXT,
  copied_share REAL, copied_from TEXT, {", ".join(f"{c} TEXT" for c in AUDIT_COLUMNS)},
  problems INTEGER, to_check INTEGER, sha256 TEXT, pipeline_version TEXT);
CREATE TABLE cells (
  document TEXT NOT NULL REFERENCES reports(document), report TEXT, body_key TEXT, year INTEGER,
  table_name TEXT NOT NULL, table_label TEXT, row_id TEXT NOT NULL, column_id TEXT NOT NULL, row_label TEXT,
  column_label TEXT, value NUMERIC, raw TEXT, confidence REAL, source TEXT, page INTEGER, extra INTEGER NOT NULL);
CREATE TABLE sections (
  document TEXT NOT NULL REFERENCES reports(document), report TEXT, body_key TEXT, year INTEGER,
  section INTEGER NOT NULL, title TEXT, heading TEXT, text TEXT);
CREATE TABLE checks (
  document TEXT NOT NULL REFERENCES reports(document), report TEXT, body_key TEXT, year INTEGER, rule TEXT NOT NULL,
  rule_label TEXT, ok INTEGER, result TEXT, expected NUMERIC, found NUMERIC, cells TEXT, note TEXT);
CREATE TABLE copies (
  document TEXT NOT NULL REFERENCES reports(document), kind TEXT NOT NULL, kind_label TEXT,
  other_document TEXT NOT NULL, other_body TEXT, other_year INTEGER, similarity REAL NOT NULL);
CREATE TABLE failures (
  file TEXT NOT NULL, name TEXT, stage TEXT, message TEXT, {", ".join(f"{c} TEXT" for c in AUDIT_COLUMNS)},
  problems INTEGER, to_check INTEGER);
CREATE INDEX reports_body_year ON reports(body_key, year);
CREATE INDEX reports_report ON reports(report);
CREATE INDEX cells_document ON cells(document);
CREATE INDEX cells_report ON cells(report);
CREATE INDEX cells_body_year ON cells(body_key, year);
CREATE INDEX cells_cell ON cells(table_name, row_id, column_id);
CREATE INDEX sections_document ON sections(document);
CREATE INDEX checks_document ON checks(document);
CREATE INDEX checks_rule ON checks(rule, ok);
CREATE INDEX copies_document ON copies(document);
CREATE VIEW distinct_reports AS
  SELECT * FROM reports WHERE representative = 1 AND fragment = 0;
"""


def _audit_view() -> str:
    """One row per body and year (the file shown for each distinct report, fragments too) and one per failed file,
    with Chinese column names: what the office reads. `body_key` and `report` stay beside them for scripts."""
    statuses = ", ".join(f'{col} AS "{label}"' for col, label in audit.status_columns())
    return f"""
CREATE VIEW audit AS
SELECT * FROM (
  SELECT body AS "机关", year AS "年度",
    (SELECT group_concat(d.document, '、') FROM reports d WHERE d.report = r.report) AS "文件",
    problems AS "不符合项数", to_check AS "无法判断项数", {statuses}, body_key, report
  FROM reports r WHERE representative = 1
  UNION ALL
  SELECT NULL, NULL, name, problems, to_check, {", ".join(AUDIT_COLUMNS)}, NULL, 'failed:' || file
  FROM failures)
ORDER BY body_key IS NULL, body_key, "年度", "文件";
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
    return schema.column_label(table, col, template)


def _rows(report: dict, ident: dict, representative: bool):
    doc, key, year, rk = report["document"], ident["body_key"], report["meta"].get("year"), ident["report"]
    template = report["meta"].get("template") or "2021"
    cells, nulls = [], 0
    for table, t in report["tables"].items():
        if t.get("status") != "found":
            continue
        label = schema.table_label(table)
        for row, cols in t["rows"].items():
            try:
                row_label = schema.row_label(table, row, template)
            except KeyError:
                row_label = None
            for col, v in cols.items():
                info = (t.get("cells") or {}).get(row, {}).get(col) or {}
                nulls += v is None
                cells.append(
                    (
                        doc,
                        rk,
                        key,
                        year,
                        table,
                        label,
                        row,
                        col,
                        row_label,
                        _column_label(table, template, col),
                        v,
                        info.get("raw"),
                        info.get("confidence"),
                        info.get("source"),
                        (info.get("where") or {}).get("page"),
                        0,
                    )
                )
        for e in t.get("extra_rows", []):
            for k, v in enumerate(e["values"]):
                cells.append(
                    (
                        doc,
                        rk,
                        key,
                        year,
                        table,
                        label,
                        f"extra:{e['label']}",
                        str(k + 1),
                        e["label"],
                        None,
                        v,
                        None,
                        None,
                        None,
                        None,
                        1,
                    )
                )
    titles = schema.section_titles()
    sections = [
        (doc, rk, key, year, s["id"], titles.get(s["id"]), s.get("heading"), s.get("text")) for s in report["sections"]
    ]
    checks = [
        (
            doc,
            rk,
            key,
            year,
            c["rule"],
            schema.rule_label(c["rule"]),
            None if c["ok"] is None else int(c["ok"]),
            schema.result_label(c["ok"]),
            c.get("expected"),
            c.get("found"),
            " ".join(c["cells"]),
            c.get("skipped") or (json.dumps(c["where"], ensure_ascii=False) if c.get("where") else None),
        )
        for c in report["checks"]
    ]
    copies = [
        (
            doc,
            f["kind"],
            schema.copy_kind_label(f["kind"]),
            f["document"],
            f.get("body"),
            f.get("year"),
            f["similarity"],
        )
        for f in report.get("copies", [])
    ]
    src = report.get("source", {})
    flagged = [f for f in report.get("copies", []) if f["kind"] in audit.COPY_KINDS]
    top = max(flagged, key=lambda f: f["similarity"], default=None)
    missing_tables = [
        schema.table_label(t) for t in schema.TABLES if report["tables"].get(t, {}).get("status") != "found"
    ]
    missing = [x for x, v in (("机关", report["meta"].get("body")), ("年度", year)) if not v] + missing_tables
    judged = audit.report_audit(report)
    failed, unknown = audit.problems(judged)
    rec = (
        doc,
        rk,
        int(representative),
        int(ident["fragment"]),
        report["meta"].get("body"),
        key,
        year,
        template,
        audit.expected_template(year),
        src.get("format"),
        src.get("pages"),
        len(src.get("ocr_pages") or []),
        len(schema.TABLES) - len(missing_tables),
        "、".join(missing_tables) or None,
        sum(1 for s in report["sections"] if s.get("heading")),
        "、".join(missing) or None,
        sum(1 for c in cells if not c[-1]),
        nulls,
        sum(1 for c in report["checks"] if c["ok"] is False),
        top["kind"] if top else None,
        schema.copy_kind_label(top["kind"]) if top else None,
        top["similarity"] if top else None,
        top["document"] if top else None,
        *[v for c, _ in audit.CRITERIA for v in judged[c]],
        failed,
        unknown,
        (report.get("provenance") or {}).get("sha256"),
        report.get("pipeline_version"),
    )
    return rec, cells, sections, checks, copies


def _insert(con, table: str, rows) -> None:
    rows = list(rows)
    if rows:
        con.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)


def write_database(reports_dir: str | Path, db_file: str | Path) -> dict:
    """Write `db_file` (and `metadata.json` beside it) from the report JSONs of `reports_dir` and the failures it
    recorded (errors.jsonl). Returns counts."""
    import sqlite3

    reports_dir, db_file = Path(reports_dir), Path(db_file)
    entries = [entry(r) for _, r in _reports(reports_dir)]  # compact entries only
    idents = distinct(entries)
    kept = set(representatives(entries, idents).values())  # the one file shown for each distinct report
    counts = {"reports": 0, "distinct": 0, "fragments": 0, "cells": 0, "failures": 0}
    with replacing(db_file) as tmp:
        _fill(sqlite3.connect(tmp), reports_dir, idents, kept, counts)
    (db_file.parent / "metadata.json").write_text(
        json.dumps(metadata(db_file.stem), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return counts


def _fill(con, reports_dir: Path, idents: dict, kept: set, counts: dict) -> None:
    """The database's tables, one report at a time (a report whose identity is unknown is left out)."""
    try:
        con.executescript(SCHEMA + _audit_view())
        for _, report in _reports(reports_dir):
            ident = idents.get(report["document"])
            if ident is None:
                continue
            rec, cells, sections, checks, copies = _rows(report, ident, report["document"] in kept)
            con.execute(f"INSERT OR REPLACE INTO reports VALUES ({','.join('?' * len(rec))})", rec)
            _insert(con, "cells", cells)
            _insert(con, "sections", sections)
            _insert(con, "checks", checks)
            _insert(con, "copies", copies)
            counts["reports"] += 1
            counts["cells"] += len(cells)
        for f in audit.read_failures(reports_dir):
            judged = audit.failure_audit(f)
            con.execute(
                f"INSERT INTO failures VALUES ({','.join('?' * (6 + len(AUDIT_COLUMNS)))})",
                (
                    f["file"],
                    f["name"],
                    f["stage"],
                    f["message"],
                    *[v for c, _ in audit.CRITERIA for v in judged[c]],
                    *audit.problems(judged),
                ),
            )
            counts["failures"] += 1
        con.commit()
        counts["distinct"] = con.execute("SELECT COUNT(*) FROM distinct_reports").fetchone()[0]
        counts["fragments"] = con.execute("SELECT COUNT(*) FROM reports WHERE fragment").fetchone()[0]
    finally:
        con.close()


def audit_rows(db_file: str | Path) -> tuple[list[str], list[tuple]]:
    """The audit view's columns and rows, as the summary page and the Excel export show them."""
    import sqlite3

    con = sqlite3.connect(f"file:{Path(db_file)}?mode=ro", uri=True)
    try:
        cur = con.execute("SELECT * FROM audit")
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


_REPORT_COLUMNS = {
    "document": "文件名（报告的标识）",
    "report": "所属报告的标识：同一份报告的不同格式（扫描件、PDF、网页）共用一个",
    "representative": "1：代表该报告的文件（单元格读出最多者），统计时只计它",
    "fragment": "1：片段（无机关、无年度或六部分标题不足四个）",
    "body": "机关（报告所印）",
    "body_key": "机关标识（规范化的机关名，跨年度同一序列）",
    "year": "报告年度",
    "template": "表格格式版本（2019 或 2021）",
    "template_expected": "该年度应采用的格式版本",
    "format": "文件格式",
    "pages": "页数",
    "ocr_pages": "经 OCR 读取的页数",
    "tables_found": "找到的表格数（共 3 张）",
    "tables_missing": "缺少的表格",
    "sections_found": "找到的部分标题数（共 6 个）",
    "missing": "缺少什么（机关、年度、表格）",
    "cells": "单元格数",
    "null_cells": "无法读取的单元格数",
    "failing_checks": "不符合的核对数",
    "copy_kind": "内容雷同类别（标识）",
    "copy_kind_label": "内容雷同类别",
    "copied_share": "与雷同报告相同的比例",
    "copied_from": "雷同的报告",
    "problems": "合规审查中不符合的项数",
    "to_check": "合规审查中无法判断的项数",
    "sha256": "文件内容的 SHA-256",
    "pipeline_version": "处理代码的版本",
    **{c: f"合规审查：{label}" for c, label in audit.status_columns()},
}


def metadata(db_name: str = "reports") -> dict:
    """Datasette's metadata, Chinese first: titles, descriptions, every column described, facets, and canned
    queries (one body over the years, bodies failing a rule)."""
    cell_columns = {
        "document": "文件名",
        "report": "所属报告的标识（去重时按它分组）",
        "body_key": "机关标识",
        "year": "报告年度",
        "table_name": "表格标识（active_disclosure / requests / review_litigation）",
        "table_label": "表格名称（官方）",
        "row_id": "行标识（fields.json）",
        "column_id": "列标识（fields.json）",
        "row_label": "行名称（官方格式）",
        "column_label": "列名称（官方格式）",
        "value": "数值（空：无法读取，从不猜测）",
        "raw": "报告所印文字",
        "confidence": "读取的把握（0–1）",
        "source": "ocr：从图像读取",
        "page": "所在页码",
        "extra": "1：官方格式之外的本地行",
    }
    return {
        "title": "政府信息公开工作年度报告 · 数据",
        "description": "各机关政府信息公开工作年度报告读成的数据：三张法定表格的每个单元格（按报告所印，无法读取则为空，从不修补）、"
        "六个部分的正文、表格自身的勾稽关系与正文、上年报告的核对、内容雷同，以及读取失败的文件。"
        "合规审查（audit）按机关和年度列出 2021 年格式通知所要求的各项。标识（英文）供脚本使用。",
        "databases": {
            db_name: {
                "tables": {
                    "audit": {
                        "title": "合规审查（每个机关每年一行）",
                        "description": "按《政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）逐项审查：六部分齐全、"
                        "三张表齐全、采用规定格式、勾稽关系成立、正文与表格一致、与上年报告衔接、无内容雷同、"
                        "文件可读。读取失败的文件各占一行（机关、年度不明，不作猜测）。",
                        "facets": [label for _, label in audit.CRITERIA] + ["年度"],
                        "columns": {
                            "body_key": "机关标识",
                            "report": "报告标识（读取失败的文件：failed:文件路径）",
                            "机关": "机关（报告所印）",
                            "年度": "报告年度",
                            "文件": "该报告的全部文件",
                            "不符合项数": "不符合的项数",
                            "无法判断项数": "无法判断的项数",
                            **{label: f"合规审查 {col}" for col, label in audit.status_columns()},
                        },
                    },
                    "distinct_reports": {
                        "title": "去重后的报告（每份报告一行）",
                        "description": "同一份报告保存为多种格式（扫描件与 PDF、网页与文本）只计一次：每份报告取单元格读出最多的文件。",
                        "facets": ["year", "template", "format"],
                        "columns": _REPORT_COLUMNS,
                    },
                    "reports": {
                        "title": "报告文件（每个文件一行）",
                        "description": "每个读取成功的文件一行。report 标明它属于哪份报告；representative = 1 的行是该报告的代表文件，"
                        "统计报告数时只计这些行（或用 distinct_reports）。fragment = 1 是片段。",
                        "label_column": "document",
                        "facets": ["year", "template", "format", "fragment", "missing", "copy_kind_label"],
                        "columns": _REPORT_COLUMNS,
                    },
                    "cells": {
                        "title": "表格单元格",
                        "description": "三张法定表格的每个单元格：官方表名、行名、列名（标识在旁），报告所印文字、数值（空：无法读取）、"
                        "读取的把握和所在页。用 report 去重：同一份报告的扫描件和 PDF 各有一份单元格。",
                        "facets": ["table_label", "year", "body_key", "source"],
                        "columns": cell_columns,
                    },
                    "sections": {
                        "title": "报告的六个部分",
                        "description": "各部分的标题（按报告所印）与正文。",
                        "facets": ["section", "year"],
                        "columns": {
                            "section": "部分序号（1–6）",
                            "title": "部分的官方名称",
                            "heading": "报告所印标题（空：未找到）",
                            "text": "正文",
                        },
                    },
                    "checks": {
                        "title": "核对（勾稽关系、正文与表格、跨年度）",
                        "description": "每条规则在每一行或列上的核对结果：ok 1 符合，0 不符，空为无法核对（有单元格无法读取）。"
                        "不符时保留报告所印数字，从不修补。",
                        "facets": ["rule_label", "result", "year"],
                        "columns": {
                            "rule": "规则标识",
                            "rule_label": "规则（中文）",
                            "ok": "1 符合，0 不符，空：无法核对",
                            "result": "结果",
                            "expected": "应为",
                            "found": "实为",
                            "cells": "涉及的单元格",
                            "note": "说明（无法核对的原因，或上年报告）",
                        },
                    },
                    "copies": {
                        "title": "内容雷同",
                        "description": "正文（去掉数字和标点）与本机关上年报告或其他机关同年报告高度相同（相同比例 similarity ≥ 0.8）。",
                        "facets": ["kind_label"],
                        "columns": {
                            "kind": "类别标识",
                            "kind_label": "类别",
                            "other_document": "雷同的报告文件",
                            "other_body": "其机关",
                            "other_year": "其年度",
                            "similarity": "相同比例",
                        },
                    },
                    "failures": {
                        "title": "读取失败的文件",
                        "description": "本批次未能读取的文件（errors.jsonl）：机关和年度不明，不作猜测，但不会从统计中消失。",
                        "facets": ["stage"],
                        "columns": {"file": "文件路径", "name": "文件名", "stage": "失败的环节", "message": "原因"},
                    },
                },
                "queries": {
                    "body_over_years": {
                        "title": "一个机关历年的报告",
                        "description": "输入机关名的一部分（如 平潭）：该机关每年一行，主要数字与合规审查结果。",
                        "sql": _BODY_OVER_YEARS,
                    },
                    "bodies_failing_rule": {
                        "title": "未通过某条核对规则的机关",
                        "description": "输入规则标识（如 requests.balance、text.requests_received、years.carried_over）：不符的机关、年度和数字。",
                        "sql": _FAILING_RULE,
                    },
                },
            }
        },
    }


def _figure(table: str, row: str, col: str, name: str) -> str:
    return (
        f"(SELECT value FROM cells c WHERE c.document = r.document AND c.table_name = '{table}' AND "
        f"c.row_id = '{row}' AND c.column_id = '{col}') AS \"{name}\""
    )


_BODY_OVER_YEARS = f"""SELECT r.year AS "年度", r.body AS "机关", r.document AS "文件",
  {_figure("requests", "new_received", "total", "本年新收申请")},
  {_figure("requests", "carried_over", "total", "上年结转")},
  {_figure("requests", "carried_forward", "total", "结转下年度")},
  {_figure("review_litigation", "review", "total", "行政复议")},
  r.missing AS "缺少", r.problems AS "不符合项数", r.failing_checks AS "不符的核对"
FROM distinct_reports r
WHERE r.body LIKE '%' || :body || '%' OR r.body_key LIKE '%' || :body || '%'
ORDER BY r.body_key, r.year"""

_FAILING_RULE = """SELECT r.body AS "机关", r.year AS "年度", k.rule_label AS "规则", k.expected AS "应为",
  k.found AS "实为", k.cells AS "单元格", r.document AS "文件"
FROM checks k JOIN distinct_reports r ON r.document = k.document
WHERE k.rule = :rule AND k.ok = 0
ORDER BY r.body_key, r.year"""
