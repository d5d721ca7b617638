"""The audit view: what the 2021 notice on annual reports (国办公开办函〔2021〕30号, 《中华人民共和国政府信息公开
工作年度报告格式》) holds a body's report to, one row per body and year, for an office checking hundreds of bodies.

Each criterion is 符合 (holds), 不符合 (fails) or 无法判断 (cannot be told from what was read: an unreadable cell, no
report of the previous year in the batch, a file that could not be read), with a note saying why:

- 六部分齐全: the six sections' headings (总体情况 … 其他需要报告的事项) are all found;
- 三张表齐全: the three statutory tables are printed, every cell read (a cell left unreadable: 无法判断);
- 采用规定格式: the tables follow the template of the year covered (the 2021 template from the report on 2021; the
  2019 template for 2019 and 2020);
- 勾稽关系成立: the tables' own sums (requests.*, review_litigation.total) hold;
- 正文与表格一致: figures the prose states (申请, 行政复议, 行政诉讼 cases) agree with the tables;
- 与上年报告衔接: this year's 上年结转 is last year's 结转下年度继续办理 (and rules in force carried over), where the
  batch holds last year's report;
- 无内容雷同: the prose is not copied from the body's previous year or from another body's report of the year;
- 文件可读: the file was read, and names its body and year. A file that failed (errors.jsonl) is a row of its own:
  its body and year are unknown, never guessed.

The statuses are worked out here, once, from a report JSON (`report_audit`) or a failure (`failure_audit`); the
database stores them per file and its `audit` view, the summary page and the Excel sheet show the same rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import schema

CRITERIA = [
    ("sections", "六部分齐全"),
    ("tables", "三张表齐全"),
    ("template", "采用规定格式"),
    ("sums", "勾稽关系成立"),
    ("text", "正文与表格一致"),
    ("years", "与上年报告衔接"),
    ("copies", "无内容雷同"),
    ("read", "文件可读"),
]
OK, FAIL, UNKNOWN = "符合", "不符合", "无法判断"
SUM_RULES = ("requests.", "review_litigation.")
COPY_KINDS = ("previous_year", "same_year_other_body")  # next_year: the later report copied this one


def expected_template(year) -> str | None:
    """The template a report on `year` must follow: 2021 from the report on 2021, 2019 for 2019 and 2020."""
    if not isinstance(year, int):
        return None
    return "2021" if year >= 2021 else "2019" if year >= 2019 else None


def _checks(report: dict, prefixes) -> tuple[list[dict], list[dict], list[dict]]:
    """(failing, holding, skipped) checks whose rule starts with one of `prefixes`."""
    mine = [c for c in report.get("checks", []) if c["rule"].startswith(tuple(prefixes))]
    return (
        [c for c in mine if c["ok"] is False],
        [c for c in mine if c["ok"] is True],
        [c for c in mine if c["ok"] is None],
    )


def _rules(checks: list[dict]) -> str:
    rules = sorted({c["rule"] for c in checks})
    return "、".join(f"{schema.rule_short(r)}（{r}）" for r in rules)


def report_audit(report: dict) -> dict[str, tuple[str, str]]:
    """criterion id -> (status, note) for one report file."""
    out = {}
    meta, source = report["meta"], report.get("source", {})
    sections = report.get("sections", [])
    titles = schema.section_titles()
    absent = [s["id"] for s in sections if not s.get("heading")]
    if source.get("prose_absent"):
        out["sections"] = (UNKNOWN, "文件只含表格，正文不在其中")
    elif absent:
        out["sections"] = (
            FAIL,
            f"缺第{'、'.join('一二三四五六'[i - 1] for i in absent)}部分"
            + (f"（{titles[absent[0]]}）" if len(absent) == 1 else ""),
        )
    else:
        out["sections"] = (OK, "六部分标题均在")
    tables = report.get("tables", {})
    missing = [t for t in schema.TABLES if tables.get(t, {}).get("status") != "found"]
    nulls = sum(
        v is None
        for t in tables.values()
        if t.get("status") == "found"
        for cols in t.get("rows", {}).values()
        for v in cols.values()
    )
    if missing:
        out["tables"] = (FAIL, "缺表：" + "、".join(schema.table_short(t) for t in missing))
    elif nulls:
        out["tables"] = (UNKNOWN, f"三张表均在，{nulls} 个单元格无法读取")
    else:
        out["tables"] = (OK, "三张表均在，单元格全部读出")
    want, have = expected_template(meta.get("year")), meta.get("template")
    if want is None:
        out["template"] = (UNKNOWN, "年度不明，无从判断应采用的格式")
    elif len(missing) == len(schema.TABLES):
        out["template"] = (UNKNOWN, "未见表格")
    elif have == want:
        out["template"] = (OK, f"{want} 年版格式")
    else:
        out["template"] = (FAIL, f"{meta.get('year')} 年报告应采用 {want} 年版格式，实为 {have} 年版")
    failing, holding, skipped = _checks(report, SUM_RULES)
    if failing:
        out["sums"] = (FAIL, f"{len(failing)} 项不符：{_rules(failing)}")
    elif skipped:
        out["sums"] = (UNKNOWN, f"{len(skipped)} 项因单元格无法读取未能核对")
    elif holding:
        out["sums"] = (OK, f"{len(holding)} 项全部成立")
    else:
        out["sums"] = (UNKNOWN, "无表三、表四，无从核对")
    failing, holding, skipped = _checks(report, ("text.",))
    if failing:
        out["text"] = (
            FAIL,
            "；".join(
                f"{schema.rule_short(c['rule'])}：表格 {_n(c.get('expected'))}，正文 "
                f"{_n(c.get('found'))}（“{((c.get('where') or {}).get('text') or '')[:40]}”）"
                for c in failing
            ),
        )
    elif holding:
        out["text"] = (OK, f"{len(holding)} 处正文数字与表格相同")
    else:
        out["text"] = (UNKNOWN, "正文未写出可核对的数字" if not skipped else "表格单元格无法读取，未能核对")
    failing, holding, skipped = _checks(report, ("years.",))
    if failing:
        prev = (failing[0].get("where") or {}).get("previous_report")
        out["years"] = (FAIL, f"{len(failing)} 项与上年报告（{prev}）不一致：{_rules(failing)}")
    elif holding:
        out["years"] = (OK, f"{len(holding)} 项与上年报告一致")
    else:
        out["years"] = (UNKNOWN, "本批次没有该机关上年的报告")
    flags = [f for f in report.get("copies") or [] if f["kind"] in COPY_KINDS]
    if flags:
        top = max(flags, key=lambda f: f["similarity"])
        out["copies"] = (
            FAIL,
            f"{schema.copy_kind_label(top['kind'])}：{round(100 * top['similarity'])}% 相同"
            f"（{top.get('body') or ''} {top.get('year') or ''}，{top['document']}）",
        )
    else:
        out["copies"] = (OK, "未见雷同")
    lacking = [x for x, v in (("机关", meta.get("body")), ("年度", meta.get("year"))) if not v]
    if lacking:
        out["read"] = (UNKNOWN, f"已读取，但未能识别{'和'.join(lacking)}")
    else:
        pages = source.get("ocr_pages") or []
        out["read"] = (OK, f"已读取（{source.get('format')}" + (f"，{len(pages)} 页 OCR" if pages else "") + "）")
    return out


def _n(v) -> str:
    if v is None:
        return "—"
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def failure_audit(failure: dict) -> dict[str, tuple[str, str]]:
    """A file that could not be read: nothing about it is known but why it failed."""
    out = {c: (UNKNOWN, "文件未能读取") for c, _ in CRITERIA}
    out["read"] = (FAIL, f"读取失败（{failure.get('stage')}）：{failure.get('message')}")
    return out


def read_failures(reports_dir: str | Path) -> list[dict]:
    """The failures a batch recorded in its output folder (errors.jsonl: one {"file", "stage", "message"} a line),
    each with `name`, the file's own name. A line that is no record is kept as a failure too: nothing is dropped."""
    path = Path(reports_dir) / "errors.jsonl"
    if not path.is_file():
        return []
    out = []
    for k, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            record = {"file": f"errors.jsonl 第 {k + 1} 行", "stage": "errors.jsonl", "message": line[:500]}
        file = str(record.get("file") or "")
        out.append(
            {
                "file": file,
                "name": file.replace("\\", "/").rsplit("/", 1)[-1] or file,
                "stage": str(record.get("stage") or ""),
                "message": str(record.get("message") or ""),
            }
        )
    return out


def problems(audit: dict[str, tuple[str, str]]) -> tuple[int, int]:
    """(criteria failed, criteria that cannot be told)."""
    return (sum(1 for s, _ in audit.values() if s == FAIL), sum(1 for s, _ in audit.values() if s == UNKNOWN))


def status_columns() -> list[tuple[str, str]]:
    """(database column, Chinese heading) of each criterion's status and note, in order."""
    out = []
    for c, label in CRITERIA:
        out += [(f"audit_{c}", label), (f"audit_{c}_note", f"{label}说明")]
    return out
