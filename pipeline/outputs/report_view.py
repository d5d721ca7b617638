"""One report as a person checks it: its three tables in the official layout, its checks, its sections, its source.

The same HTML is used twice: as the static page of a report beside `summary.html` (`render_static`), and inside
the review app, where `editable=True` turns every value cell into an input (review_app.py). Row and column
identifiers and labels come from fields.json through schema.py, Chinese first, identifiers beside them; the
doubtful cells and their priority (无法读取, 勾稽不符, 把握不足) are queue.cell_doubts'.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from .. import schema
from .queue import LEVELS, cell_doubts, min_confidence

TABLE_TITLES = {t: f"{'二三四'[k]}、{schema.table_label(t)}" for k, t in enumerate(schema.TABLES)}
SEP = "／"


def safe_document_name(name) -> bool:
    """A document name that can name a file directly inside a folder (a gold file, a report page)."""
    return (
        isinstance(name, str)
        and 0 < len(name.encode("utf-8")) <= 230
        and name == Path(name).name
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
    )


def cell_name(table: str, row: str, col: str) -> str:
    return f"{table}.{row}.{col}"


def doubts(report: dict, threshold: float | None = None) -> dict[str, tuple[int, list[str]]]:
    """Each doubtful cell's priority level and reasons (queue.cell_doubts; `threshold` defaults to params.yaml's
    ocr.min_confidence)."""
    return cell_doubts(report, min_confidence() if threshold is None else threshold)


def _label_cells(parts_per_row: list[list[str]], depth: int) -> list[list[tuple[str, int, int]]]:
    """Row label parts (split at ／) laid out as label columns, equal parents merged down as in the printed table."""
    rows = [p + [""] * (depth - len(p)) if len(p) < depth else p[:depth] for p in parts_per_row]
    out: list[list[tuple[str, int, int]]] = [[] for _ in rows]
    for i, parts in enumerate(rows):
        for d in range(depth):
            if i > 0 and d < depth - 1 and parts[: d + 1] == rows[i - 1][: d + 1] and parts[d]:
                continue  # covered by the cell above
            if d > 0 and not parts[d]:
                continue  # covered by the cell to the left
            span_down = 1
            if d < depth - 1 and parts[d]:
                while i + span_down < len(rows) and rows[i + span_down][: d + 1] == parts[: d + 1]:
                    span_down += 1
            span_right = 1
            while d + span_right < depth and not parts[d + span_right]:
                span_right += 1
            out[i].append((parts[d], span_down, span_right))
    return out


def layout(table: str, template: str) -> dict:
    """The official layout of a table: header rows [(text, colspan, rowspan)] and body rows of
    ("label", text, rowspan, colspan) / ("cell", row id, column id)."""
    spec = schema.fields()["tables"][table]
    header: list[list[tuple[str, int, int]]] = []
    body: list[list[tuple]] = []
    if table == "active_disclosure":
        t = spec["templates"][template]
        groups: dict[str, list[str]] = {}
        for row in schema.row_ids(table, template):
            groups.setdefault(t["rows"][row].get("group", ""), []).append(row)
        width = max(len(schema.column_ids(table, template, r)) for r in schema.row_ids(table, template))
        for group, rows in groups.items():
            cols = schema.column_ids(table, template, rows[0])
            fill = width - len(cols) + 1  # the group's last column stretches to the table's width
            body.append([("head", group, 1, width + 1)])
            body.append(
                [("head", "信息内容", 1, 1)]
                + [("head", t["columns"][c], 1, fill if c == cols[-1] else 1) for c in cols]
            )
            for row in rows:
                rc = schema.column_ids(table, template, row)
                body.append(
                    [("label", t["rows"][row]["label"], 1, 1)]
                    + [("cell", row, c, width - len(rc) + 1 if c == rc[-1] else 1) for c in rc]
                )
        return {"header": header, "body": body}
    if table == "requests":
        cols = schema.all_columns(table)
        labels = [spec["columns"][c].split(SEP) for c in cols]
        rows = schema.row_ids(table, template)
        parts = [schema.row_label(table, r, template).split(SEP) for r in rows]
        depth = max(len(p) for p in parts)
        header.append(
            [
                ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", depth, 3),
                ("申请人情况", len(cols), 1),
            ]
        )
        second, third = [], []
        i = 0
        while i < len(cols):
            if len(labels[i]) == 1:
                second.append((labels[i][0], 1, 2))
                i += 1
                continue
            j = i
            while j < len(cols) and len(labels[j]) > 1 and labels[j][0] == labels[i][0]:
                third.append((labels[j][1], 1, 1))
                j += 1
            second.append((labels[i][0], j - i, 1))
            i = j
        header += [second, third]
        for row, label_cells in zip(rows, _label_cells(parts, depth)):
            body.append(
                [("label", text, down, right) for text, down, right in label_cells]
                + [("cell", row, c, 1) for c in cols]
            )
        return {"header": header, "body": body}
    # review_litigation: one printed row of fifteen cells, 行政复议 then the two kinds of 行政诉讼
    cols = schema.all_columns(table)
    rows = schema.row_ids(table, template)
    first, second, third = [], [], []
    for row in rows:
        parts = schema.row_label(table, row, template).split(SEP)
        if not first or first[-1][0] != parts[0]:
            first.append((parts[0], len(cols), 2 if len(parts) == 1 else 1))
        else:
            first[-1] = (parts[0], first[-1][1] + len(cols), 1)
        if len(parts) > 1:
            second.append((parts[1], len(cols), 1))
        third += [(spec["columns"][c], 1, 1) for c in cols]
    header += [first, second, third]
    body.append([("cell", row, c, 1) for row in rows for c in cols])
    return {"header": header, "body": body}


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() is False:
        return f"{v:g}"
    return str(int(v)) if isinstance(v, float) else str(v)


def table_html(
    report: dict,
    table: str,
    template: str,
    values: dict | None = None,
    doubt: dict | None = None,
    editable: bool = False,
) -> str:
    """One statutory table in the official layout. `values` (rows[ROW][COLUMN]) defaults to the report's;
    doubtful cells carry class `doubt` and `d1`-`d3` (their priority) and their reasons as a title; editable cells
    are inputs named by cell, labelled with the official row and column."""
    t = report["tables"].get(table, {})
    values = t.get("rows", {}) if values is None else values
    cells = t.get("cells", {})
    doubt = doubts(report) if doubt is None else doubt
    lay = layout(table, template)
    out = [f'<table class="official" data-table="{table}"><caption class="vh">{escape(TABLE_TITLES[table])}</caption>']
    for hrow in lay["header"]:
        out.append(
            "<tr>"
            + "".join(f'<th scope="col" colspan="{cs}" rowspan="{rs}">{escape(text)}</th>' for text, cs, rs in hrow)
            + "</tr>"
        )
    for brow in lay["body"]:
        html = []
        for part in brow:
            kind = part[0]
            if kind == "head":
                html.append(f'<th scope="col" rowspan="{part[2]}" colspan="{part[3]}">{escape(part[1])}</th>')
            elif kind == "label":
                html.append(
                    f'<th scope="row" class="label" rowspan="{part[2]}" colspan="{part[3]}">{escape(part[1])}</th>'
                )
            elif kind == "blank":
                html.append(f'<td colspan="{part[1]}"></td>')
            else:
                _, row, col, span = part
                name = cell_name(table, row, col)
                v = values.get(row, {}).get(col)
                info = cells.get(row, {}).get(col) or {}
                level, reasons = doubt.get(name, (0, []))
                classes = (
                    ["v"] + ([f"doubt d{level}"] if level else []) + (["null"] if v is None and row in values else [])
                )
                said = (
                    [
                        f"所印 {info.get('raw')!r}，把握 {info.get('confidence')}"
                        + ("，OCR 读取" if info.get("source") == "ocr" else "")
                        + ("，经勾稽关系印证" if info.get("checked") == "sums" else "")
                    ]
                    if info
                    else []
                )
                title = "；".join(([f"存疑（{LEVELS[level]}）"] if level else []) + said + reasons)
                label = (
                    f"{schema.table_short(table)} · {schema.row_label(table, row, template)} · "
                    f"{schema.column_label(table, col, template)}"
                )
                if editable:
                    content = (
                        f'<input data-cell="{escape(name)}" value="{escape(_fmt(v))}" inputmode="decimal" '
                        f'aria-label="{escape(label + (f"（存疑：{LEVELS[level]}）" if level else ""))}" '
                        f'autocomplete="off">'
                    )
                else:
                    content = (
                        escape(_fmt(v))
                        if v is not None
                        else ('<span class="nullmark" title="无法读取">？</span>' if row in values else "")
                    )
                html.append(
                    f'<td class="{" ".join(classes)}" colspan="{span}" data-cell="{escape(name)}" '
                    f'title="{escape(title)}">{content}</td>'
                )
        out.append("<tr>" + "".join(html) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


STATUS_LABELS = {"found": "已找到", "missing": "缺失"}


def tables_html(report: dict, gold: dict | None = None, editable: bool = False, template: str | None = None) -> str:
    """The three tables, each under its statutory title, with its status, extra rows and notes; in the review app
    each with a button that accepts its remaining doubtful cells."""
    template = template or (gold or report)["meta"].get("template") or "2021"
    doubt = doubts(report)
    parts = []
    for table in schema.TABLES:
        t = report["tables"].get(table, {})
        g = (gold or {}).get("tables", {}).get(table)
        status = (g or t).get("status", "missing")
        values = (g or {}).get("rows") if g else t.get("rows", {})
        parts.append(
            f'<section class="table" id="t-{table}" aria-labelledby="h-{table}">'
            f'<h3 id="h-{table}">{escape(TABLE_TITLES[table])} <small class="id">{table}</small> '
            f'<span class="status-{status}">{STATUS_LABELS.get(status, status)}'
            f"{'' if status == 'found' else '：未印出，或只印成图片而未能读取'}</span></h3>"
        )
        if editable:
            parts.append(
                f'<div class="tabletools"><label>本表状态 <select data-status="{table}">'
                f'<option value="found"{" selected" * (status == "found")}>已找到</option>'
                f'<option value="missing"{" selected" * (status == "missing")}>缺失</option></select></label>'
                f' <button type="button" class="accept-rest" data-table="{table}">确认本表其余存疑单元格</button>'
                f' <span class="tablenote" aria-live="polite"></span></div>'
            )
        if status == "found" or editable:
            parts.append(
                f'<div class="scroll">{table_html(report, table, template, values or {}, doubt, editable)}</div>'
            )
        extra = (g or t).get("extra_rows") or []
        if extra:
            parts.append(
                '<p>官方格式之外的行：</p><ul class="extra">'
                + "".join(
                    f"<li>{escape(e['label'])}：{escape('、'.join(_fmt(v) or '？' for v in e['values']))}</li>"
                    for e in extra
                )
                + "</ul>"
            )
        for note in t.get("notes") or []:
            parts.append(f'<p class="note">提取说明：{escape(note)}</p>')
        parts.append("</section>")
    return "\n".join(parts)


def checks_html(report: dict) -> str:
    rows = []
    for c in report["checks"]:
        state = "ok" if c["ok"] else ("fail" if c["ok"] is False else "skip")
        where = c.get("where") or {}
        note = c.get("skipped") or "，".join(f"{k} {v}" for k, v in where.items() if v is not None)
        rows.append(
            f'<tr class="{state}"><td title="{escape(schema.rule_label(c["rule"]))}">'
            f'{escape(schema.rule_short(c["rule"]))} <small class="id">'
            f"{escape(c['rule'])}</small></td><td>{schema.result_label(c['ok'])}</td>"
            f"<td>{escape(_fmt(c.get('expected')) or '—')}</td><td>{escape(_fmt(c.get('found')) or '—')}</td>"
            f'<td class="cells">{escape(" ".join(c["cells"][-3:]))}</td><td>{escape(note)}</td></tr>'
        )
    failing = sum(1 for c in report["checks"] if c["ok"] is False)
    return (
        f'<p>{len(report["checks"])} 项核对，{failing} 项不符。</p><div class="scroll" tabindex="0" role="region" '
        f'aria-label="核对结果（可横向滚动）"><table class="checks">'
        f'<tr><th scope="col">规则</th><th scope="col">结果</th><th scope="col">应为</th><th scope="col">实为</th>'
        f'<th scope="col">涉及单元格（后三个）</th><th scope="col">说明</th></tr>'
        + "".join(sorted(rows, key=lambda r: ('class="fail"' not in r, 'class="skip"' not in r)))
        + "</table></div>"
    )


def sections_html(report: dict) -> str:
    """The prose with its section boundaries: each section's heading as found, its start and end snippets marked."""
    parts = []
    for s in report["sections"]:
        text = s.get("text") or ""
        body = escape(text)
        for key in ("start", "end"):
            snippet = s.get(key)
            if snippet and escape(snippet) in body:
                body = body.replace(escape(snippet), f'<mark class="{key}">{escape(snippet)}</mark>', 1)
        heading = escape(s["heading"]) if s.get("heading") else "<em>（未找到标题）</em>"
        parts.append(
            f'<div class="section s{s["id"]}" id="s{s["id"]}"><div class="sid">第{s["id"]}部分 '
            f'{escape(schema.section_titles().get(s["id"], ""))}</div><h3 class="sh">{heading}</h3>'
            f'<div class="prose">{body or "<em>（无正文）</em>"}</div></div>'
        )
    return "\n".join(parts)


STYLE = """body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:1.5em;
max-width:110em;color:#1a1a1a;line-height:1.5}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #8a8a8a;padding:.15em .4em;font-size:13px}
th{background:#f2f2f2;font-weight:normal} th.label{text-align:left;max-width:22em}
td.v{text-align:right;min-width:3em} td.doubt{background:#fff3b0} td.d1{background:#f8d0cc}
td.d2{background:#ffe0b3;outline:2px solid #b35900;outline-offset:-2px} td.d3{background:#fff3b0}
td.fail{outline:2px solid #b3261e;outline-offset:-2px} td.accepted{background:#dcf0dc}
.checks tr.fail td{background:#f8d0cc} .checks td.cells{font-size:12px;color:#4a4a4a}
.section{border-left:6px solid #888;padding:.2em .8em;margin:.6em 0} .sid{font-size:12px;color:#4a4a4a}
.s1{border-color:#1f77b4}.s2{border-color:#ff7f0e}.s3{border-color:#2ca02c}.s4{border-color:#d62728}
.s5{border-color:#9467bd}.s6{border-color:#8c564b} h3.sh{font-size:1em;margin:.2em 0} .prose{white-space:pre-wrap;font-size:13px}
mark.start{background:#cde8ff} mark.end{background:#ffd9b3} .note{color:#8a3a00;font-size:12px}
.copies{background:#fde2e2;padding:.4em .8em} small.id,.id{color:#595959;font-size:11px;font-weight:normal}
.status-missing{color:#b3261e;font-size:13px} .status-found{color:#1e6b2e;font-size:13px}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%} a{color:#0b57d0}"""


def copies_html(report: dict) -> str:
    flags = report.get("copies") or []
    if not flags:
        return ""
    items = "".join(
        f"<li>{escape(schema.copy_kind_label(f['kind']))}：正文 {round(100 * f['similarity'])}% 与 "
        f"<b>{escape(f['document'])}</b>（{escape(str(f.get('body') or '机关不明'))}，{f.get('year') or '年度不明'}）"
        f'相同 <small class="id">{escape(f["kind"])}</small></li>'
        for f in flags
    )
    return f'<div class="copies"><b>内容雷同：</b><ul>{items}</ul></div>'


def render_static(
    report: dict, out_file: str | Path, source_href: str | None = None, json_href: str | None = None
) -> None:
    """A report's own page: meta, its tables in the official layout, its checks, its sections, links to its source
    file and its JSON."""
    m = report["meta"]
    links = " · ".join(
        x
        for x in [
            f'<a href="{escape(source_href)}">源文件</a>' if source_href else "",
            f'<a href="{escape(json_href)}">报告 JSON</a>' if json_href else "",
        ]
        if x
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(str(m.get("body") or "机关不明"))} {m.get("year") or ""} · {escape(report["document"])}</title>
<style>{STYLE}</style></head><body>
<nav><a href="../summary.html">← 汇总</a></nav>
<main>
<h1>{escape(str(m.get("body") or "（未识别机关）"))} · {m.get("year") or "（未识别年度）"}
<small class="id">{escape(report["document"])} · {m.get("template")} 年版格式 · {escape(report["source"]["format"])}</small></h1>
<p>{links}</p>
{copies_html(report)}
<h2>表格</h2>
<p>存疑的单元格：红色为无法读取（空值，从不猜测），橙色框为勾稽关系不符，黄色为读取把握不足；悬停可见原因。</p>
{tables_html(report)}
<h2>核对（勾稽关系）</h2>
{checks_html(report)}
<h2>六个部分</h2>
{sections_html(report)}
</main>
</body></html>
"""
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(page, encoding="utf-8")
