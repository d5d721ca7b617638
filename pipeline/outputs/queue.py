"""What needs a person's look, most in need first: the review queue of the summary page and of the review app, and
the doubtful cells of one report.

Nothing is hidden: a file the batch could not read (errors.jsonl), a report with tables missing or without a body
or a year, copied prose (内容雷同) — each is in the queue, with why. Inside a report, a cell is doubtful only when
a person has something to decide about it, in this order of priority:

1. 无法读取 — its value is null (unreadable, never guessed);
2. 勾稽不符 — it takes part in a check that fails (the table's sums, the prose, last year's report);
3. 把握不足 — it was read less sure than `ocr.min_confidence` (params.yaml; the OCR guard's own threshold) and no
   sum confirmed it (`checked: "sums"`).

A cell read by OCR surely, or confirmed by the sums, is not doubtful: a scan is not a blanket of yellow.
"""

from __future__ import annotations

from pathlib import Path

from .. import schema

LEVELS = {1: "无法读取", 2: "勾稽不符", 3: "把握不足"}


def min_confidence(params_path: str | Path = "params.yaml") -> float:
    """`ocr.min_confidence` of the project's params.yaml when there is one, else the OCR reader's default."""
    from ..readers.ocr.options import OcrOptions

    default = OcrOptions().min_confidence
    path = Path(params_path)
    if not path.is_file():
        return default
    try:
        import yaml

        value = ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("ocr") or {}).get("min_confidence")
    except (OSError, ValueError, AttributeError):
        return default
    return float(value) if isinstance(value, (int, float)) and 0 <= value <= 1 else default


def cell_doubts(report: dict, threshold: float) -> dict[str, tuple[int, list[str]]]:
    """`table.row.column` -> (priority level, reasons in Chinese) of every doubtful cell (see the module's doc)."""
    failing: dict[str, list[str]] = {}
    for c in report.get("checks", []):
        if c["ok"] is False:
            said = (
                f"{schema.rule_short(c['rule'])}（{c['rule']}）不符：应为 {_n(c.get('expected'))}，"
                f"实为 {_n(c.get('found'))}"
            )
            for name in c["cells"]:
                failing.setdefault(name, []).append(said)
    out: dict[str, tuple[int, list[str]]] = {}
    for table, t in report["tables"].items():
        if t.get("status") != "found":
            continue
        for row, cols in t.get("rows", {}).items():
            for col, value in cols.items():
                name = f"{table}.{row}.{col}"
                cell = (t.get("cells") or {}).get(row, {}).get(col) or {}
                confidence = cell.get("confidence") or 0.0
                printed = f"所印：{cell.get('raw')!r}" if cell.get("raw") not in (None, "") else "未见所印文字"
                if value is None:
                    out[name] = (1, [f"无法读取，{printed}"] + failing.get(name, []))
                elif name in failing:
                    out[name] = (2, failing[name])
                elif confidence < threshold and cell.get("checked") != "sums":
                    how = "OCR 读取" if cell.get("source") == "ocr" else "读取"
                    out[name] = (3, [f"{how}把握 {confidence:.2f}，低于 {threshold:.2f}，无勾稽关系印证（{printed}）"])
    return out


def _n(v) -> str:
    if v is None:
        return "—"
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def queue_entry(report: dict, threshold: float) -> dict:
    """What a report needs a look for (empty lists and zero counts when nothing)."""
    r = report
    doubts = cell_doubts(r, threshold)
    source = r.get("source", {})
    return {
        "document": r["document"],
        "body": r["meta"].get("body"),
        "year": r["meta"].get("year"),
        "failed": None,
        "missing_tables": [
            schema.table_label(t) for t in schema.TABLES if r["tables"].get(t, {}).get("status") != "found"
        ],
        "missing_meta": [x for x, v in (("机关", r["meta"].get("body")), ("年度", r["meta"].get("year"))) if not v],
        "failing": sorted({c["rule"] for c in r.get("checks", []) if c["ok"] is False}),
        "unreadable": sum(1 for level, _ in doubts.values() if level == 1),
        "in_failing": sum(1 for level, _ in doubts.values() if level == 2),
        "low": sum(1 for level, _ in doubts.values() if level == 3),
        "copies": [
            f"{schema.copy_kind_label(f['kind'])} {round(100 * f['similarity'])}%：{f['document']}"
            for f in r.get("copies") or []
            if f["kind"] != "next_year"
        ],
        "ocr": len(source.get("ocr_pages") or []) + int(source.get("ocr_pictures") or 0),
    }


def failure_entry(failure: dict) -> dict:
    """A file the batch could not read (audit.read_failures): in the queue first, with why."""
    return {
        "document": failure["name"],
        "file": failure["file"],
        "body": None,
        "year": None,
        "failed": f"{failure['stage']}：{failure['message']}",
        "missing_tables": [],
        "missing_meta": [],
        "failing": [],
        "unreadable": 0,
        "in_failing": 0,
        "low": 0,
        "copies": [],
        "ocr": 0,
    }


def needs_look(q: dict) -> bool:
    return bool(
        q["failed"]
        or q["missing_tables"]
        or q["missing_meta"]
        or q["failing"]
        or q["unreadable"]
        or q["low"]
        or q["copies"]
        or q["ocr"]
    )


def reasons(q: dict) -> list[tuple[str, str]]:
    """(kind, Chinese text) of everything the entry needs a look for, most serious first; kind is a CSS class."""
    out = []
    if q["failed"]:
        out.append(("failed", f"读取失败：{q['failed']}"))
    if q["missing_meta"]:
        out.append(("missing", f"未识别{'和'.join(q['missing_meta'])}"))
    if q["missing_tables"]:
        out.append(("missing", f"缺表：{'、'.join(q['missing_tables'])}"))
    if q["failing"]:
        out.append(("fail", "勾稽不符：" + "、".join(schema.rule_short(r) for r in q["failing"])))
    if q["unreadable"]:
        out.append(("null", f"{q['unreadable']} 个单元格无法读取"))
    if q["low"]:
        out.append(("low", f"{q['low']} 个单元格把握不足"))
    if q["copies"]:
        out.append(("copy", "内容雷同：" + "；".join(q["copies"])))
    if q["ocr"] and not out:
        out.append(("ocr", f"{q['ocr']} 页 OCR 读取，未见存疑单元格"))
    return out


def queue_order(q: dict) -> tuple:
    """Most in need first: failed files, then missing tables or body/year, failing rules, unreadable cells, cells
    in failing sums, unsure cells, copies, OCR'd pages."""
    return (
        not q["failed"],
        -(len(q["missing_tables"]) + len(q["missing_meta"])),
        -len(q["failing"]),
        -q["unreadable"],
        -q["in_failing"],
        -q["low"],
        -len(q["copies"]),
        -q["ocr"],
        q["document"],
    )


def review_queue(reports: list[dict], failures: list[dict], threshold: float) -> list[dict]:
    entries = [failure_entry(f) for f in failures] + [
        q for q in (queue_entry(r, threshold) for r in reports) if needs_look(q)
    ]
    return sorted(entries, key=queue_order)
