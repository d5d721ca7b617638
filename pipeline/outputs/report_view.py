"""One report as a person checks it: its three tables in the official layout, its checks, its sections, its source.

The same HTML is used twice: as the static page of a report beside `summary.html` (`render_static`), and inside
the review app, where `editable=True` turns every value cell into an input (review_app.py). Row and column
identifiers and labels come from fields.json through schema.py; the doubtful cells are those the gold-label
pre-fill (modeling/labeling.gold_from_report) marks for review, plus every cell read by OCR.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from .. import schema
from ..modeling.labeling import gold_from_report

TABLE_TITLES = {"active_disclosure": "二、主动公开政府信息情况",
                "requests": "三、收到和处理政府信息公开申请情况",
                "review_litigation": "四、政府信息公开行政复议、行政诉讼情况"}
SEP = "／"


def safe_document_name(name) -> bool:
    """A document name that can name a file directly inside a folder (a gold file, a report page)."""
    return (isinstance(name, str) and 0 < len(name.encode("utf-8")) <= 230 and name == Path(name).name
            and not name.startswith(".") and "/" not in name and "\\" not in name and "\x00" not in name)


def cell_name(table: str, row: str, col: str) -> str:
    return f"{table}.{row}.{col}"


def doubts(report: dict) -> dict[str, list[str]]:
    """Why each doubtful cell deserves a look: unreadable (null), low confidence, in a failing check, read by OCR."""
    out: dict[str, list[str]] = {}
    for item in gold_from_report(report)["review"]:
        for name in item["cell"].split(", "):
            if name.count(".") >= 2 and not name.startswith("sections."):
                out.setdefault(name, []).append(item["reason"])
    for table, t in report["tables"].items():
        for row, cols in (t.get("cells") or {}).items():
            for col, cell in cols.items():
                if cell.get("source") == "ocr":
                    out.setdefault(cell_name(table, row, col), []).append(
                        f"read by OCR (confidence {cell.get('confidence')})")
    return out


def _label_cells(parts_per_row: list[list[str]], depth: int) -> list[list[tuple[str, int, int]]]:
    """Row label parts (split at ／) laid out as label columns, equal parents merged down as in the printed table."""
    rows = [p + [""] * (depth - len(p)) if len(p) < depth else p[:depth] for p in parts_per_row]
    out: list[list[tuple[str, int, int]]] = [[] for _ in rows]
    for i, parts in enumerate(rows):
        for d in range(depth):
            if i > 0 and d < depth - 1 and parts[:d + 1] == rows[i - 1][:d + 1] and parts[d]:
                continue  # covered by the cell above
            if d > 0 and not parts[d]:
                continue  # covered by the cell to the left
            span_down = 1
            if d < depth - 1 and parts[d]:
                while i + span_down < len(rows) and rows[i + span_down][:d + 1] == parts[:d + 1]:
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
            body.append([("head", "信息内容", 1, 1)]
                        + [("head", t["columns"][c], 1, fill if c == cols[-1] else 1) for c in cols])
            for row in rows:
                rc = schema.column_ids(table, template, row)
                body.append([("label", t["rows"][row]["label"], 1, 1)]
                            + [("cell", row, c, width - len(rc) + 1 if c == rc[-1] else 1) for c in rc])
        return {"header": header, "body": body}
    if table == "requests":
        cols = schema.all_columns(table)
        labels = [spec["columns"][c].split(SEP) for c in cols]
        rows = schema.row_ids(table, template)
        parts = [schema.row_label(table, r, template).split(SEP) for r in rows]
        depth = max(len(p) for p in parts)
        header.append([("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", depth, 3),
                       ("申请人情况", len(cols), 1)])
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
            body.append([("label", text, down, right) for text, down, right in label_cells]
                        + [("cell", row, c, 1) for c in cols])
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


def table_html(report: dict, table: str, template: str, values: dict | None = None, doubt: dict | None = None,
               editable: bool = False) -> str:
    """One statutory table in the official layout. `values` (rows[ROW][COLUMN]) defaults to the report's;
    doubtful cells carry class `doubt` and their reasons as a title; editable cells are inputs named by cell."""
    t = report["tables"].get(table, {})
    values = t.get("rows", {}) if values is None else values
    cells = t.get("cells", {})
    doubt = doubts(report) if doubt is None else doubt
    lay = layout(table, template)
    out = [f'<table class="official" data-table="{table}">']
    for hrow in lay["header"]:
        out.append("<tr>" + "".join(f'<th colspan="{cs}" rowspan="{rs}">{escape(text)}</th>'
                                    for text, cs, rs in hrow) + "</tr>")
    for brow in lay["body"]:
        html = []
        for part in brow:
            kind = part[0]
            if kind == "head":
                html.append(f'<th rowspan="{part[2]}" colspan="{part[3]}">{escape(part[1])}</th>')
            elif kind == "label":
                html.append(f'<th class="label" rowspan="{part[2]}" colspan="{part[3]}">{escape(part[1])}</th>')
            elif kind == "blank":
                html.append(f'<td colspan="{part[1]}"></td>')
            else:
                _, row, col, span = part
                name = cell_name(table, row, col)
                v = values.get(row, {}).get(col)
                info = cells.get(row, {}).get(col) or {}
                reasons = doubt.get(name, [])
                classes = ["v"] + (["doubt"] if reasons else []) + (["null"] if v is None and row in values else [])
                title = "; ".join([f"printed: {info.get('raw')!r}, confidence {info.get('confidence')}"] * bool(info)
                                  + reasons)
                label = f"{schema.row_label(table, row, template)} | {col}"
                if editable:
                    content = (f'<input data-cell="{escape(name)}" value="{escape(_fmt(v))}" inputmode="decimal" '
                               f'aria-label="{escape(label)}" autocomplete="off">')
                else:
                    content = escape(_fmt(v)) if v is not None else ('<span class="nullmark">?</span>'
                                                                     if row in values else "")
                html.append(f'<td class="{" ".join(classes)}" colspan="{span}" data-cell="{escape(name)}" '
                            f'title="{escape(title)}">{content}</td>')
        out.append("<tr>" + "".join(html) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def tables_html(report: dict, gold: dict | None = None, editable: bool = False, template: str | None = None) -> str:
    """The three tables, each under its statutory title, with its status, extra rows and notes."""
    template = template or (gold or report)["meta"].get("template") or "2021"
    doubt = doubts(report)
    parts = []
    for table in schema.TABLES:
        t = report["tables"].get(table, {})
        g = (gold or {}).get("tables", {}).get(table)
        status = (g or t).get("status", "missing")
        values = (g or {}).get("rows") if g else t.get("rows", {})
        parts.append(f'<section class="table" id="t-{table}"><h3>{escape(TABLE_TITLES[table])} '
                     f'<small>({table}: {"found" if status == "found" else "missing — not printed, or only as a picture"})'
                     f'</small></h3>')
        if editable:
            parts.append(f'<label>status <select data-status="{table}"><option{" selected" * (status == "found")}>'
                         f'found</option><option{" selected" * (status == "missing")}>missing</option></select></label>')
        if status == "found" or editable:
            parts.append(table_html(report, table, template, values or {}, doubt, editable))
        extra = (g or t).get("extra_rows") or []
        if extra:
            parts.append("<p>Rows printed beyond the template:</p><ul class=\"extra\">" + "".join(
                f"<li>{escape(e['label'])}: {escape(', '.join(_fmt(v) or '?' for v in e['values']))}</li>"
                for e in extra) + "</ul>")
        for note in t.get("notes") or []:
            parts.append(f'<p class="note">{escape(note)}</p>')
        parts.append("</section>")
    return "\n".join(parts)


def checks_html(report: dict) -> str:
    rows = []
    for c in report["checks"]:
        state = "ok" if c["ok"] else ("fail" if c["ok"] is False else "skip")
        where = c.get("where") or {}
        rows.append(f'<tr class="{state}"><td>{escape(c["rule"])}</td><td>{state}</td>'
                    f'<td>{escape(str(c.get("expected")))}</td><td>{escape(str(c.get("found")))}</td>'
                    f'<td class="cells">{escape(" ".join(c["cells"][-3:]))}</td>'
                    f'<td>{escape(c.get("skipped") or ", ".join(f"{k} {v}" for k, v in where.items() if v is not None))}</td></tr>')
    failing = sum(1 for c in report["checks"] if c["ok"] is False)
    return (f'<p>{failing} failing of {len(report["checks"])} checks.</p><table class="checks"><tr><th>rule</th>'
            f'<th>result</th><th>expected</th><th>found</th><th>cells (last three)</th><th>note</th></tr>'
            + "".join(sorted(rows, key=lambda r: ('class="fail"' not in r, 'class="skip"' not in r))) + "</table>")


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
        heading = escape(s["heading"]) if s.get("heading") else "<em>(no heading found)</em>"
        parts.append(f'<div class="section s{s["id"]}" id="s{s["id"]}"><div class="sid">§{s["id"]} '
                     f'{escape(schema.section_titles().get(s["id"], ""))}</div><h4>{heading}</h4>'
                     f'<div class="prose">{body or "<em>(no prose)</em>"}</div></div>')
    return "\n".join(parts)


STYLE = """body{font-family:sans-serif;margin:1.5em;max-width:110em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #999;padding:.15em .4em;font-size:13px}
th{background:#f2f2f2;font-weight:normal} th.label{text-align:left;max-width:22em}
td.v{text-align:right;min-width:3em} td.doubt{background:#fff3b0} td.fail{outline:2px solid #c0392b}
td.null{background:#f8c9c4} td.accepted{background:#dff5df}
.checks tr.fail td{background:#f8c9c4} .checks td.cells{font-size:11px;color:#555}
.section{border-left:6px solid #888;padding:.2em .8em;margin:.6em 0} .sid{font-size:11px;color:#555}
.s1{border-color:#1f77b4}.s2{border-color:#ff7f0e}.s3{border-color:#2ca02c}.s4{border-color:#d62728}
.s5{border-color:#9467bd}.s6{border-color:#8c564b} .prose{white-space:pre-wrap;font-size:13px}
mark.start{background:#cde8ff} mark.end{background:#ffd9b3} .note{color:#a04000;font-size:12px}
.copies{background:#fde2e2;padding:.4em .8em}"""


def copies_html(report: dict) -> str:
    flags = report.get("copies") or []
    if not flags:
        return ""
    items = "".join(f"<li>{escape(f['kind'])}: {round(100 * f['similarity'])}% of its prose shared with "
                    f"<b>{escape(f['document'])}</b> ({escape(str(f.get('body')))}, {f.get('year')})</li>"
                    for f in flags)
    return f'<div class="copies"><b>内容雷同 — prose near-identical to another report:</b><ul>{items}</ul></div>'


def render_static(report: dict, out_file: str | Path, source_href: str | None = None,
                  json_href: str | None = None) -> None:
    """A report's own page: meta, its tables in the official layout, its checks, its sections, links to its source
    file and its JSON."""
    m = report["meta"]
    links = " · ".join(x for x in [f'<a href="{escape(source_href)}">source file</a>' if source_href else "",
                                   f'<a href="{escape(json_href)}">report JSON</a>' if json_href else ""] if x)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(report['document'])}</title>
<style>{STYLE}</style></head><body>
<p><a href="../summary.html">← corpus summary</a></p>
<h1>{escape(str(m.get('body')))} · {m.get('year')} <small>({escape(report['document'])}, template {m.get('template')},
{escape(report['source']['format'])})</small></h1>
<p>{links}</p>
{copies_html(report)}
<h2>Tables</h2>
<p>Cells shaded yellow deserve a look (unreadable, low confidence, in a failing check, or read by OCR; hover for
why); a red cell is unreadable (null).</p>
{tables_html(report)}
<h2>Checks (勾稽关系)</h2>
{checks_html(report)}
<h2>Sections</h2>
{sections_html(report)}
</body></html>
"""
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(page, encoding="utf-8")
