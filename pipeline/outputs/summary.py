"""The corpus summary page (`summary.html`), Chinese first: what an office auditing hundreds of bodies, a journalist
or a reviewer opens first.

- 合规审查: the audit view (audit.py, read from reports.db's `audit` view: one row per body and year, and one per
  file that could not be read), sortable and filterable in the page;
- 图表: charts that stay readable with hundreds of bodies, drawn by Vega-Lite from the npm packages cached by
  scripts/setup.sh (bundled.py; copied beside the page into lib/, nothing is fetched when it is opened): the
  audit's criteria per year as small multiples, new requests per body on a symmetric log scale with the values on
  hover, failing checks by rule; each chart's data also as a table;
- 待核对队列: reports needing a look and why (queue.py), failed files and reports with missing tables, body or year
  among them, each linked to its own page (report_view.py);
- the distinct reports (each counted once whatever formats it came in, identity.py), copied prose (内容雷同),
  fragments, failed files.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from html import escape
from pathlib import Path

from ..names import find_source, flat_name, unique_file_name
from .. import schema
from . import bundled
from .audit import CRITERIA, FAIL, OK, UNKNOWN
from .queue import min_confidence, reasons, review_queue

# the source files a report page links to: the bundled corpus, the files the DVC gather stage linked, and (outside DVC)
# the shared corpus beside the checkout
SOURCE_DIRS = ("data/raw", "data/shared", "../shared/corpus/external", "../shared/corpus/scans")


def _find_source(document: str, dirs) -> Path | None:
    """The source file of a report, its document name matched literally (names.find_source: never a glob, so
    `pingtan[1].html` does not find `pingtan1.html`)."""
    return find_source(document, dirs)


_URL_SPECIAL = re.compile(r'[%#?\s"<>\\\[\]^`{|}\x00-\x1f\x7f]')


def _href(path: str) -> str:
    """A relative path as a link: the characters a URL reads as syntax (`#`, `?`, `%`, brackets, spaces) escaped,
    so a name holding them links that very file; other characters (Chinese names) are left as they are."""
    return _URL_SPECIAL.sub(
        lambda m: "".join("%%%02X" % b for b in m.group().encode("utf-8")), str(path).replace(os.sep, "/")
    )


def _representatives(reports: list[dict], idents: dict) -> dict[str, dict]:
    """One file per distinct report: the one with the most cells read, then the first by name (identity's rule)."""
    from .identity import entry, representatives

    chosen = representatives([entry(r) for r in reports], idents)
    by_doc = {r["document"]: r for r in reports}
    return {key: by_doc[doc] for key, doc in chosen.items()}


STATUS_CLASS = {OK: "ok", FAIL: "fail", UNKNOWN: "unknown"}
STATUS_MARK = {OK: "✓", FAIL: "✗", UNKNOWN: "？"}


def _audit_table(columns: list[str], rows: list[tuple], page_of: dict) -> str:
    """The audit view as a sortable, filterable table: one row per body and year (or failed file)."""
    col = {c: k for k, c in enumerate(columns)}
    head = [
        '<th scope="col" aria-sort="none"><button type="button" data-key="0">机关</button></th>',
        '<th scope="col" aria-sort="none"><button type="button" data-key="1">年度</button></th>',
        '<th scope="col" aria-sort="none"><button type="button" data-key="2">不符合</button></th>',
    ]
    head += [
        f'<th scope="col" aria-sort="none"><button type="button" data-key="{3 + k}">{escape(label)}</button></th>'
        for k, (_, label) in enumerate(CRITERIA)
    ]
    body = []
    for r in rows:
        files = (r[col["文件"]] or "").split("、")
        failed = str(r[col["report"]] or "").startswith("failed:")
        tag = (
            '<span class="tag">读取失败</span>'
            if failed
            else '<span class="tag">片段</span>'
            if str(r[col["report"]] or "").startswith("fragment:")
            else ""
        )
        body_name = r[col["机关"]] or ("（读取失败的文件）" if failed else "（未识别机关）")
        links = "、".join(
            f'<a href="{escape(page_of[f])}">{escape(f)}</a>' if f in page_of else escape(f) for f in files if f
        )
        statuses = [r[col[label]] for _, label in CRITERIA]
        cells = [
            f'<td data-sort="{escape(str(r[col["body_key"]] or "~" + body_name))}"><b>{escape(body_name)}</b> {tag}'
            f'<div class="files">{links}</div></td>',
            f'<td data-sort="{r[col["年度"]] or 0}">{r[col["年度"]] or "—"}</td>',
            f'<td data-sort="{r[col["不符合项数"]]}" class="num">{r[col["不符合项数"]]}</td>',
        ]
        for (c, label), status in zip(CRITERIA, statuses):
            note = r[col[f"{label}说明"]] or ""
            cells.append(
                f'<td class="st {STATUS_CLASS.get(status, "")}" data-sort="{escape(status or "")}" '
                f'data-crit="{c}"><span class="badge"><span aria-hidden="true">{STATUS_MARK.get(status, "")}'
                f'</span> {escape(status or "")}</span><span class="why">{escape(note)}</span></td>'
            )
        years = r[col["年度"]]
        body.append(
            f'<tr data-year="{years or ""}" data-text="{escape(body_name + " " + " ".join(files))}">'
            + "".join(cells)
            + "</tr>"
        )
    options = "".join(f'<option value="{c}">{escape(label)} 不符合</option>' for c, label in CRITERIA)
    years = sorted({r[col["年度"]] for r in rows if r[col["年度"]]})
    year_options = "".join(f'<option value="{y}">{y}</option>' for y in years)
    return f"""<div class="filters" role="search">
<label>机关或文件 <input id="audit-search" type="search" placeholder="如：平潭"></label>
<label>只看 <select id="audit-criterion"><option value="">全部</option><option value="any">有不符合项</option>{options}
</select></label>
<label>年度 <select id="audit-year"><option value="">全部</option>{year_options}</select></label>
<span id="audit-count" aria-live="polite">{len(rows)} 行</span></div>
<div class="scroll"><table id="audit"><caption class="vh">合规审查：每个机关每年一行；点列名排序</caption>
<thead><tr>{"".join(head)}</tr></thead><tbody>{"".join(body)}</tbody></table></div>"""


AUDIT_SCRIPT = """(function(){
var t=document.getElementById('audit'); if(!t) return;
var tb=t.tBodies[0], rows=[].slice.call(tb.rows);
function val(r,k){var v=r.cells[k].getAttribute('data-sort'); var n=Number(v); return v!==''&&!isNaN(n)?n:v;}
t.querySelectorAll('th button').forEach(function(b){b.addEventListener('click',function(){
  var k=Number(b.dataset.key), th=b.parentNode, asc=th.getAttribute('aria-sort')!=='ascending';
  t.querySelectorAll('th').forEach(function(x){x.setAttribute('aria-sort','none');});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  rows.sort(function(a,c){var x=val(a,k),y=val(c,k); return (x<y?-1:x>y?1:0)*(asc?1:-1);});
  rows.forEach(function(r){tb.appendChild(r);});});});
var s=document.getElementById('audit-search'), c=document.getElementById('audit-criterion'),
    y=document.getElementById('audit-year'), n=document.getElementById('audit-count');
function filter(){var q=s.value.trim(), k=c.value, yy=y.value, shown=0;
  rows.forEach(function(r){var ok=(!q||r.dataset.text.indexOf(q)>=0)&&(!yy||r.dataset.year===yy);
    if(ok&&k==='any') ok=r.querySelector('td.st.fail')!==null;
    else if(ok&&k) ok=r.querySelector('td.st.fail[data-crit="'+k+'"]')!==null;
    r.hidden=!ok; shown+=ok;});
  n.textContent=shown+' 行';}
s.addEventListener('input',filter); c.addEventListener('change',filter); y.addEventListener('change',filter);
})();"""


def _charts(audit_cols: list[str], audit_rows: list[tuple], series: list[dict], failures_by_rule: Counter) -> dict:
    """Vega-Lite specs: the audit's criteria by year (small multiples), new requests per body (symmetric log scale,
    values on hover, the body under the pointer picked out), failing checks by rule."""
    col = {c: k for k, c in enumerate(audit_cols)}
    counts = Counter()
    for r in audit_rows:
        year = r[col["年度"]]
        for c, label in CRITERIA:
            counts[(str(year) if year else "年度不明", label, r[col[label]])] += 1
    audit_data = [{"年度": y, "项目": label, "结果": s, "数量": n} for (y, label, s), n in sorted(counts.items())]
    order = [label for _, label in CRITERIA]
    audit_spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "合规审查各项的机关数，按年度分列",
        "data": {"values": audit_data},
        "facet": {"field": "年度", "type": "ordinal", "title": None, "header": {"labelFontSize": 13}},
        "columns": 4,
        "spec": {
            "width": 200,
            "height": 170,
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "项目", "type": "nominal", "sort": order, "title": None},
                "x": {"field": "数量", "type": "quantitative", "title": "机关数", "axis": {"tickMinStep": 1}},
                "color": {
                    "field": "结果",
                    "type": "nominal",
                    "title": "结果",
                    "scale": {"domain": [FAIL, UNKNOWN, OK], "range": ["#c0392b", "#e0a800", "#3c8d4f"]},
                },
                "order": {"field": "结果", "sort": "descending"},
                "tooltip": [
                    {"field": "年度"},
                    {"field": "项目"},
                    {"field": "结果"},
                    {"field": "数量", "title": "机关数"},
                ],
            },
        },
    }
    ticks = _decades(max((s["本年新收申请"] for s in series), default=1))
    bodies = len({s["body_key"] for s in series})
    faint = 0.45 if bodies <= 20 else max(0.08, 6 / bodies)  # hundreds of lines: each faint, the spread visible
    x = {"field": "年度", "type": "ordinal", "title": "报告年度", "axis": {"labelAngle": 0}}
    y_scale = {"type": "symlog", "constant": 1, "domain": [0, ticks[-1]]}
    years_spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "各机关本年新收政府信息公开申请数：每个机关一条线，黑线为各年中位数，灰带为四分位区间，对称对数刻度",
        "data": {"values": series},
        "width": "container",
        "height": 340,
        "layer": [
            {
                "transform": [
                    {
                        "aggregate": [
                            {"op": "q1", "field": "本年新收申请", "as": "下四分位"},
                            {"op": "q3", "field": "本年新收申请", "as": "上四分位"},
                        ],
                        "groupby": ["年度"],
                    }
                ],
                "mark": {"type": "area", "color": "#9aa7b8", "opacity": 0.35},
                "encoding": {
                    "x": x,
                    "y": {"field": "下四分位", "type": "quantitative", "scale": y_scale},
                    "y2": {"field": "上四分位"},
                },
            },
            {
                "params": [
                    {
                        "name": "pick",
                        "select": {
                            "type": "point",
                            "fields": ["机关"],
                            "on": "mouseover",
                            "nearest": True,
                            "clear": "mouseout",
                        },
                    }
                ],
                "mark": {
                    "type": "line",
                    "point": {"size": 30 if bodies <= 50 else 12},
                    "strokeWidth": 1.2,
                    "tooltip": True,
                },
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "本年新收申请",
                        "type": "quantitative",
                        "title": "本年新收申请数（对称对数刻度）",
                        "scale": y_scale,
                        "axis": {"values": ticks, "format": "d"},
                    },
                    "detail": {"field": "机关"},
                    "color": {"condition": {"param": "pick", "value": "#b3261e", "empty": False}, "value": "#3d5a80"},
                    "opacity": {"condition": {"param": "pick", "value": 1, "empty": False}, "value": faint},
                    "tooltip": [
                        {"field": "机关"},
                        {"field": "年度"},
                        {"field": "本年新收申请", "title": "本年新收申请数"},
                    ],
                },
            },
            {
                "transform": [
                    {
                        "aggregate": [
                            {"op": "median", "field": "本年新收申请", "as": "中位数"},
                            {"op": "distinct", "field": "body_key", "as": "机关数"},
                        ],
                        "groupby": ["年度"],
                    }
                ],
                "mark": {
                    "type": "line",
                    "color": "#111",
                    "strokeWidth": 2.5,
                    "point": {"color": "#111", "size": 40},
                    "tooltip": True,
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "中位数", "type": "quantitative", "scale": y_scale},
                    "tooltip": [{"field": "年度"}, {"field": "中位数", "title": "各机关中位数"}, {"field": "机关数"}],
                },
            },
        ],
    }
    rules = [{"规则": schema.rule_short(r), "标识": r, "报告数": n} for r, n in sorted(failures_by_rule.items())]
    rules_spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "各项核对不符的报告数",
        "data": {"values": rules},
        "width": "container",
        "height": {"step": 26},
        "mark": {"type": "bar", "color": "#c0392b", "tooltip": True},
        "encoding": {
            "y": {"field": "规则", "type": "nominal", "sort": "-x", "title": None},
            "x": {
                "field": "报告数",
                "type": "quantitative",
                "title": "不符的报告数（去重）",
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "tooltip": [{"field": "规则"}, {"field": "标识"}, {"field": "报告数"}],
        },
    }
    specs = {
        "chart-audit": (audit_spec, audit_data),
        "chart-years": (years_spec, series),
        "chart-rules": (rules_spec, rules),
    }
    return {k: spec for k, (spec, values) in specs.items() if values}  # an empty chart says nothing


def _figure(chart: str, caption: str, specs: dict, empty: str) -> str:
    body = f'<div id="{chart}" class="chart"></div>' if chart in specs else f'<p class="note">（{empty}）</p>'
    return f"<figure><figcaption>{escape(caption)}</figcaption>{body}</figure>"


def _reasons_html(q: dict) -> str:
    return "".join(f'<span class="reason {k}">{escape(t)}</span>' for k, t in reasons(q))


def _decades(top: float) -> list[int]:
    """Axis ticks of a symmetric log scale: 0, 1, then 2-5-10 steps of every decade, up to the first tick at or
    above the largest value (the axis ends there)."""
    ticks, d = [0, 1], 1
    while ticks[-1] < top:
        for v in (2 * d, 5 * d, 10 * d):
            if ticks[-1] < top:
                ticks.append(v)
        d *= 10
    return ticks


def _libraries(out_dir: Path) -> tuple[str, str | None]:
    """Script tags for the Vega libraries copied beside the page (lib/), or ('', why not) when they are missing."""
    lib = out_dir / "lib"
    lib.mkdir(exist_ok=True)
    tags = []
    for name in bundled.CHARTS:
        code = bundled.script(name)
        if code is None:
            return "", (
                f"图表未绘制：本机没有 Vega 库（{', '.join(bundled.missing(*bundled.CHARTS))}）。运行 "
                f"`{bundled.fetch_command(*bundled.CHARTS)}` 或 `bash scripts/setup.sh` 后重新导出；图表数据见下表。"
            )
        (lib / f"{name}.min.js").write_text(code, encoding="utf-8")
        tags.append(f'<script src="lib/{name}.min.js"></script>')
    return "\n".join(tags), None


def _data_table(caption: str, header: list[str], rows: list[list]) -> str:
    return (
        f'<details><summary>{escape(caption)}（数据表）</summary><div class="scroll" tabindex="0" role="region" '
        f'aria-label="{escape(caption)}（数据表）"><table><tr>'
        + "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
        + "</table></div></details>"
    )


STYLE = """body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:0;color:#1a1a1a;
line-height:1.5;background:#fafafa} header{background:#1f3a5f;color:#fff;padding:1em 2em} header h1{margin:0;font-size:1.6em}
header p{margin:.3em 0 0;color:#e6edf5} nav.toc{background:#fff;border-bottom:1px solid #ccc;padding:.5em 2em;
position:sticky;top:0;z-index:2} nav.toc a{margin-right:1.2em;color:#0b57d0} main{padding:0 2em 3em;max-width:100em}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em 1.2em 1em;margin:1.2em 0;
scroll-margin-top:3.2em}
h2{font-size:1.25em;margin:.4em 0} table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #c8c8c8;
padding:.3em .5em;font-size:13px;vertical-align:top} th{background:#eef1f5;font-weight:600;text-align:left}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:#1a1a1a}
th[aria-sort=ascending] button::after{content:" ▲"} th[aria-sort=descending] button::after{content:" ▼"}
td.st{min-width:7em} .badge{font-weight:600;white-space:nowrap} td.ok .badge{color:#1e6b2e} td.fail{background:#fdecea}
td.fail .badge{color:#a3211a} td.unknown .badge{color:#7a5a00} .why{display:block;font-size:12px;color:#4a4a4a}
.files{font-size:12px} .num{text-align:right} .filters{display:flex;flex-wrap:wrap;gap:1em;align-items:center;margin:.4em 0}
.filters input,.filters select{font:inherit;padding:.2em .4em} .chart{width:100%;min-height:120px}
.charts{display:grid;grid-template-columns:1fr;gap:1em} .note{color:#4a4a4a;font-size:13px}
.reason{display:inline-block;border-radius:3px;padding:0 .4em;margin:.1em .3em .1em 0;font-size:12px}
.reason.failed,.reason.missing{background:#f8d0cc;color:#6b1410} .reason.fail{background:#ffe0b3;color:#5a2d00}
.reason.null{background:#f8d0cc;color:#6b1410} .reason.low{background:#fff3b0;color:#4a3b00}
.reason.copy{background:#e8dcf5;color:#3d1f66} .reason.ocr{background:#e3eefa;color:#12355b}
.scroll{overflow-x:auto;max-width:100%} .vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
a{color:#0b57d0} .tag{font-size:11px;background:#e3e6ea;color:#333;border-radius:3px;padding:0 .3em} .warn{background:#fff3cd;padding:.5em 1em;border-left:4px solid #e0a800}"""


def render(
    reports: list[dict],
    reports_dir: str | Path,
    out_file: str | Path,
    source_dirs=SOURCE_DIRS,
    json_names: dict[str, str] | None = None,
    audit: tuple[list[str], list[tuple]] | None = None,
    failures: list[dict] | None = None,
) -> None:
    """summary.html and, beside it in report/, every report's own page (report_view.render_static), named after its
    document (made a flat, unique file name: `2023/index.html` → `report/2023_index.html.html`). `json_names`: the
    file name of each document's report JSON in `reports_dir` (default: the document's flat name + .json). `audit`:
    the columns and rows of reports.db's audit view (export writes the database first); `failures`: the batch's
    errors.jsonl (audit.read_failures)."""
    from .identity import distinct, entry
    from .report_view import render_static, safe_document_name

    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    failures = failures or []
    audit_cols, audit_rows = audit or ([], [])
    idents = distinct([entry(r) for r in reports])
    reps = _representatives(reports, idents)
    whole = {k: r for k, r in reps.items() if not idents[r["document"]]["fragment"]}
    fragments = [r for r in reports if idents[r["document"]]["fragment"]]
    counts = Counter((r["meta"]["year"], r["meta"]["template"]) for r in whole.values())
    failures_by_rule = Counter()
    for r in whole.values():
        for rule in {c["rule"] for c in r["checks"] if c["ok"] is False}:
            failures_by_rule[rule] += 1
    # new requests (table 3's total column) per body and year, one file per distinct report
    series, names = [], {}
    for key, r in whole.items():
        t = r["tables"].get("requests", {})
        v = t.get("rows", {}).get("new_received", {}).get("total") if t.get("status") == "found" else None
        body = idents[r["document"]]["body_key"]
        if v is not None and body and r["meta"]["year"]:
            names.setdefault(body, r["meta"]["body"])
            series.append({"机关": names[body], "body_key": body, "年度": r["meta"]["year"], "本年新收申请": v})
    # every report's own page, and the queue linking to them
    pages_dir = out_file.parent / "report"
    page_of = {}
    taken: set[str] = set()
    for r in reports:
        if not isinstance(r["document"], str) or r["document"] in page_of:
            continue
        page_name = unique_file_name(r["document"], taken, ".html")
        if not safe_document_name(page_name):
            continue
        page = pages_dir / page_name
        source = _find_source(r["document"], source_dirs)
        json_name = (json_names or {}).get(r["document"]) or flat_name(r["document"]) + ".json"
        render_static(
            r,
            page,
            _href(os.path.relpath(source, pages_dir)) if source else None,
            _href(os.path.relpath(Path(reports_dir) / json_name, pages_dir)),
        )
        page_of[r["document"]] = _href(f"report/{page_name}")
    queue = review_queue(reports, failures, min_confidence())
    status = Counter((name, t["status"]) for r in whole.values() for name, t in r["tables"].items())

    def link(doc: str) -> str:
        return f'<a href="{escape(page_of[doc])}">{escape(doc)}</a>' if doc in page_of else escape(doc)

    rows_counts = "".join(
        f"<tr><td>{y or '—'}</td><td>{tpl}</td><td>{n}</td></tr>"
        for (y, tpl), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))
    )
    rows_status = "".join(
        f"<tr><td>{escape(schema.table_label(name))} <small>{name}</small></td>"
        f"<td>{status[(name, 'found')]}</td><td>{status[(name, 'missing')]}</td></tr>"
        for name in schema.TABLES
    )
    rows_queue = "".join(
        f"<tr><td>{link(q['document'])}</td><td>{escape(q['body'] or '—')}</td><td>{q['year'] or '—'}</td>"
        f"<td>{_reasons_html(q)}</td>"
        f"<td class=num>{q['unreadable'] or ''}</td><td class=num>{q['in_failing'] or ''}</td>"
        f"<td class=num>{q['low'] or ''}</td><td class=num>{q['ocr'] or ''}</td></tr>"
        for q in queue
    )
    rows_fragments = "".join(
        f"<tr><td>{link(r['document'])}</td><td>{escape(r['meta']['body'] or '—')}</td>"
        f"<td>{r['meta']['year'] or '—'}</td><td>{sum(1 for s in r['sections'] if s.get('heading'))}</td></tr>"
        for r in sorted(fragments, key=lambda r: r["document"])
    )
    rows_reports = "".join(
        f"<tr><td>{escape(r['meta']['body'] or '')}</td><td>{r['meta']['year']}</td>"
        f"<td>{'、'.join(link(x['document']) for x in sorted(reports, key=lambda x: x['document']) if idents[x['document']]['report'] == key)}"
        f"</td></tr>"
        for key, r in sorted(whole.items(), key=lambda kv: (kv[1]["meta"]["body"] or "", kv[1]["meta"]["year"] or 0))
    )
    copied = [(r, f) for r in reports for f in r.get("copies", []) if f["kind"] != "next_year"]
    rows_copies = "".join(
        f"<tr><td>{link(r['document'])}</td><td>{escape(schema.copy_kind_label(f['kind']))} <small>{f['kind']}</small></td>"
        f"<td>{link(f['document'])}</td><td class=num>{round(100 * f['similarity'])}%</td></tr>"
        for r, f in copied
    )
    rows_failures = "".join(
        f"<tr><td>{escape(f['name'])}</td><td>{escape(f['stage'])}</td><td>{escape(f['message'])}"
        f"</td><td><small>{escape(f['file'])}</small></td></tr>"
        for f in failures
    )
    scripts, missing_libs = _libraries(out_file.parent)
    specs = _charts(audit_cols, audit_rows, series, failures_by_rule)
    col = {c: k for k, c in enumerate(audit_cols)}
    audit_failing = sum(1 for r in audit_rows if r[col["不符合项数"]]) if audit_rows else 0
    charts_note = f'<p class="warn">{escape(missing_libs)}</p>' if missing_libs else ""
    chart_tables = _data_table(
        "本年新收申请数",
        ["机关", "年度", "本年新收申请数"],
        [[s["机关"], s["年度"], s["本年新收申请"]] for s in sorted(series, key=lambda s: (s["机关"], s["年度"]))],
    ) + _data_table(
        "核对不符的报告数",
        ["规则", "标识", "报告数"],
        [[schema.rule_short(r), r, n] for r, n in sorted(failures_by_rule.items())],
    )
    embed = (
        ""
        if missing_libs
        else "<script>var specs=" + json.dumps(specs, ensure_ascii=False).replace("</", "<\\/") + ";"
        "Object.keys(specs).forEach(function(id){vegaEmbed('#'+id,specs[id],{actions:false,renderer:'svg'})"
        ".catch(function(e){document.getElementById(id).textContent='图表未能绘制：'+e;});});</script>"
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>政府信息公开工作年度报告 · 汇总</title>
<style>{STYLE}</style>
{scripts}
</head><body>
<header><h1>政府信息公开工作年度报告 · 汇总</h1>
<p id="totals">{len(whole)} 份报告（{len(reports)} 个文件：同一份报告保存为多种格式只计一次）；{
        len(failures)
    } 个文件读取失败；
{len(fragments)} 个片段（无机关、无年度或六部分标题不足四个）另列；{len(queue)} 项待核对；{
        audit_failing
    } 行合规审查有不符合项；
{len({r["document"] for r, _ in copied})} 份报告内容雷同。</p></header>
<nav class="toc" aria-label="本页目录"><a href="#s-audit">合规审查</a><a href="#s-charts">图表</a>
<a href="#s-queue">待核对</a><a href="#s-reports">报告</a><a href="#s-copies">内容雷同</a><a href="#s-fragments">片段</a>
<a href="#s-failures">读取失败</a></nav>
<main>
<section id="s-audit" aria-labelledby="h-audit"><h2 id="h-audit">合规审查 <small class="note">每个机关每年一行，依据《政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）</small></h2>
<p class="note">✓ 符合 · ✗ 不符合 · ？ 无法判断（有单元格无法读取、本批次无上年报告、文件未能读取）。点列名排序；同一数据见
reports.db 的 audit 视图和 tables.xlsx 的“合规审查”表。</p>
{_audit_table(audit_cols, audit_rows, page_of) if audit_rows else "<p>（没有报告）</p>"}
</section>
<section id="s-charts" aria-labelledby="h-charts"><h2 id="h-charts">图表</h2>{charts_note}
<div class="charts">
{_figure("chart-audit", "合规审查各项：各年的机关数（不符合、无法判断、符合）", specs, "没有报告")}
{
        _figure(
            "chart-years",
            "本年新收政府信息公开申请数：每个机关一条线（悬停显示机关和数值），黑线为各年中位数，灰带为四分位区间；对称对数刻度",
            specs,
            "没有读出本年新收申请数的报告",
        )
    }
{_figure("chart-rules", "核对不符的报告数（按规则，去重）", specs, "没有不符的核对")}
</div>{chart_tables}</section>
<section id="s-queue" aria-labelledby="h-queue"><h2 id="h-queue">待核对队列</h2>
<p class="note">最需要看的在前：读取失败的文件、缺表或未识别机关年度的报告、勾稽关系不符、无法读取的单元格、读取把握不足（低于
ocr.min_confidence）、内容雷同、OCR 读取的页。更正请运行 <code>python -m pipeline review</code>。</p>
<div class="scroll"><table id="review"><tr><th scope="col">文件</th><th scope="col">机关</th><th scope="col">年度</th>
<th scope="col">原因</th><th scope="col">无法读取</th><th scope="col">勾稽不符</th><th scope="col">把握不足</th>
<th scope="col">OCR 页</th></tr>{rows_queue}</table></div></section>
<section id="s-reports" aria-labelledby="h-reports"><h2 id="h-reports">报告（去重）</h2>
<div class="scroll"><table id="reports"><tr><th scope="col">机关</th><th scope="col">年度</th><th scope="col">文件（格式）</th></tr>{
        rows_reports
    }</table></div>
<h3>按年度和格式版本</h3>
<table id="counts"><tr><th scope="col">年度</th><th scope="col">格式版本</th><th scope="col">报告数</th></tr>{
        rows_counts
    }</table>
<h3>表格</h3>
<table id="tables"><tr><th scope="col">表格</th><th scope="col">找到</th><th scope="col">缺失</th></tr>{
        rows_status
    }</table></section>
<section id="s-copies" aria-labelledby="h-copies"><h2 id="h-copies">内容雷同</h2>
<p class="note">正文（去掉数字和标点）与本机关上年报告或其他机关同年报告高度相同的报告。</p>
<table id="copies"><tr><th scope="col">报告</th><th scope="col">类别</th><th scope="col">雷同的报告</th><th scope="col">相同比例</th></tr>
{rows_copies}</table></section>
<section id="s-fragments" aria-labelledby="h-fragments"><h2 id="h-fragments">片段</h2>
<p class="note">无机关、无年度或六部分标题不足四个的文件（页面摘录）：不计为报告。</p>
<table id="fragments"><tr><th scope="col">文件</th><th scope="col">机关</th><th scope="col">年度</th><th scope="col">找到的部分标题</th></tr>
{rows_fragments}</table></section>
<section id="s-failures" aria-labelledby="h-failures"><h2 id="h-failures">读取失败的文件</h2>
<p class="note">errors.jsonl 所记：机关和年度不明，不作猜测；它们也在合规审查和待核对队列中。</p>
<table id="failures"><tr><th scope="col">文件</th><th scope="col">环节</th><th scope="col">原因</th><th scope="col">路径</th></tr>
{rows_failures}</table></section>
</main>
<script>{AUDIT_SCRIPT}</script>
{embed}
</body></html>
"""
    out_file.write_text(page, encoding="utf-8")
