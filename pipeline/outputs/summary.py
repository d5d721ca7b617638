"""The corpus summary page: one static HTML file a person would rather look at than read.

Each distinct report counted once whatever formats it came in (identity.py), fragments listed apart; counts by
year and template, check failures by rule, new requests per body over the years with a corpus total only over the
bodies present in every year plotted (plots drawn with matplotlib, integer axes, inlined as SVG, so the page needs no
network); reports with copied prose; and a review queue of reports that fail checks or hold unreadable /
low-confidence cells or were read by OCR, each linked to the report's own page (report_view.py: its tables in the
official layout, its checks, its source file).
"""
from __future__ import annotations

import io
import os
import re
from collections import Counter, defaultdict
from html import escape
from pathlib import Path

from ..names import find_source, flat_name, unique_file_name

LOW_CONFIDENCE = 0.8


def _svg(fig) -> str:
    buf = io.StringIO()
    import matplotlib
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: smaller, searchable, the page's fonts
        fig.savefig(buf, format="svg", bbox_inches="tight")

    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _plot_failures(failures: Counter) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.4 + 0.35 * max(1, len(failures))))
    rules = sorted(failures) or ["(none)"]
    ax.barh(rules, [failures.get(r, 0) for r in rules], color="#c0392b")
    ax.set_xlabel("distinct reports failing the rule")
    ax.set_title("Check failures by rule")
    _integer_axes(ax)
    return _svg(fig)


# the CJK fonts scripts/setup.sh installs (Debian's fonts-wqy-microhei, fonts-arphic-uming): body names in legends
CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc")


def _cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib (None: body names may show as boxes)."""
    from matplotlib import font_manager

    for path in CJK_FONTS:
        if os.path.exists(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def _integer_axes(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _plot_years(series: dict[str, dict[int, float]], total: dict[int, float], years: list[int]) -> str:
    """New requests per body over the years, and the corpus total over the bodies present in every year plotted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    font = _cjk_font()
    for body, by_year in sorted(series.items()):
        ys = sorted(by_year)
        ax.plot(ys, [by_year[y] for y in ys], marker="o", label=body)
    if total:
        ax.plot(sorted(total), [total[y] for y in sorted(total)], marker="s", color="black", linestyle="--",
                label=f"total over bodies present in every year")
    ax.set_xlabel("year covered")
    ax.set_ylabel("new requests")
    ax.set_title("New requests per body over the years")
    if series:
        ax.legend(fontsize=7, prop={"family": font, "size": 7} if font else {"size": 7})
    _integer_axes(ax)
    if years:
        ax.set_xticks(years)
    return _svg(fig)


def queue_entry(report: dict) -> dict | None:
    """What a report needs a look for (failing checks, unreadable and low-confidence cells, OCR'd pages or
    pictures), or None when nothing."""
    r = report
    failing = [c["rule"] for c in r["checks"] if c["ok"] is False]
    unreadable = low = 0
    for t in r["tables"].values():
        for cols in t.get("cells", {}).values():
            for cell in cols.values():
                if cell["confidence"] == 0.0:
                    unreadable += 1
                elif cell["confidence"] < LOW_CONFIDENCE:
                    low += 1
    source = r.get("source", {})
    ocr = len(source.get("ocr_pages") or []) + int(source.get("ocr_pictures") or 0)
    if failing or unreadable or low or ocr:  # numbers read from pixels deserve a look even when all hold
        return {"document": r["document"], "body": r["meta"]["body"], "year": r["meta"]["year"],
                "failing": sorted(set(failing)), "unreadable": unreadable, "low": low, "ocr": ocr}
    return None


def queue_order(q: dict) -> tuple:
    """Most in need first: more failing rules, then more unreadable cells, low-confidence cells, OCR'd pages."""
    return (-len(q["failing"]), -q["unreadable"], -q["low"], -q["ocr"], q["document"])


def review_queue(reports: list[dict]) -> list[dict]:
    return sorted((q for q in map(queue_entry, reports) if q is not None), key=queue_order)


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
    return _URL_SPECIAL.sub(lambda m: "".join("%%%02X" % b for b in m.group().encode("utf-8")),
                            str(path).replace(os.sep, "/"))


def _representatives(reports: list[dict], idents: dict) -> dict[str, dict]:
    """One file per distinct report: the one with the fewest unreadable cells (then the first by name)."""
    best: dict[str, dict] = {}

    def nulls(r):
        return sum(v is None for t in r["tables"].values() for cols in t.get("rows", {}).values()
                   for v in cols.values())

    for r in sorted(reports, key=lambda r: (nulls(r), r["document"])):
        best.setdefault(idents[r["document"]]["report"], r)
    return best


def render(reports: list[dict], reports_dir: str | Path, out_file: str | Path, source_dirs=SOURCE_DIRS,
           json_names: dict[str, str] | None = None) -> None:
    """summary.html and, beside it in report/, every report's own page (report_view.render_static), named after its
    document (made a flat, unique file name: `2023/index.html` → `report/2023_index.html.html`). `json_names`: the
    file name of each document's report JSON in `reports_dir` (default: the document's flat name + .json)."""
    from .identity import distinct, entry
    from .report_view import render_static, safe_document_name

    out_file = Path(out_file)
    idents = distinct([entry(r) for r in reports])
    reps = _representatives(reports, idents)
    whole = {k: r for k, r in reps.items() if not idents[r["document"]]["fragment"]}
    fragments = [r for r in reports if idents[r["document"]]["fragment"]]
    counts = Counter((r["meta"]["year"], r["meta"]["template"]) for r in whole.values())
    files_per = Counter(idents[r["document"]]["report"] for r in reports)
    failures = Counter()
    for r in whole.values():
        for rule in {c["rule"] for c in r["checks"] if c["ok"] is False}:
            failures[rule] += 1
    # series per body: new requests (table 3's total column) by year, one file per distinct report
    series: dict[str, dict[int, float]] = defaultdict(dict)
    names: dict[str, str] = {}
    for key, r in whole.items():
        t = r["tables"].get("requests", {})
        v = t.get("rows", {}).get("new_received", {}).get("total") if t.get("status") == "found" else None
        body = idents[r["document"]]["body_key"]
        if v is not None and body:
            series[body][r["meta"]["year"]] = v
            names.setdefault(body, r["meta"]["body"])
    years = sorted({y for by_year in series.values() for y in by_year})
    everywhere = sorted(b for b, by_year in series.items() if years and all(y in by_year for y in years))
    total = {y: sum(series[b][y] for b in everywhere) for y in years} if everywhere and len(years) > 1 else {}
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
        render_static(r, page, _href(os.path.relpath(source, pages_dir)) if source else None,
                      _href(os.path.relpath(Path(reports_dir) / json_name, pages_dir)))
        page_of[r["document"]] = _href(f"report/{page_name}")
    queue = review_queue(reports)
    status = Counter((name, t["status"]) for r in whole.values() for name, t in r["tables"].items())
    rows_counts = "".join(f"<tr><td>{y}</td><td>{tpl}</td><td>{n}</td></tr>"
                          for (y, tpl), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])))
    rows_status = "".join(f"<tr><td>{escape(name)}</td><td>{status[(name, 'found')]}</td>"
                          f"<td>{status[(name, 'missing')]}</td></tr>"
                          for name in ("active_disclosure", "requests", "review_litigation"))

    def link(doc: str) -> str:
        return (f'<a href="{escape(page_of[doc])}">{escape(doc)}</a>' if doc in page_of else escape(doc))

    rows_queue = "".join(
        f"<tr><td>{link(q['document'])}</td>"
        f"<td>{escape(q['body'] or '')}</td><td>{q['year'] or ''}</td><td>{escape(', '.join(q['failing']))}</td>"
        f"<td>{q['unreadable']}</td><td>{q['low']}</td><td>{q['ocr'] or ''}</td></tr>" for q in queue)
    rows_fragments = "".join(
        f"<tr><td>{link(r['document'])}</td><td>{escape(r['meta']['body'] or '—')}</td>"
        f"<td>{r['meta']['year'] or '—'}</td><td>{sum(1 for s in r['sections'] if s.get('heading'))}</td></tr>"
        for r in sorted(fragments, key=lambda r: r["document"]))
    rows_reports = "".join(
        f"<tr><td>{escape(r['meta']['body'] or '')}</td><td>{r['meta']['year']}</td>"
        f"<td>{', '.join(link(x['document']) for x in sorted(reports, key=lambda x: x['document']) if idents[x['document']]['report'] == key)}"
        f"</td></tr>" for key, r in sorted(whole.items(), key=lambda kv: (kv[1]["meta"]["body"] or "", kv[1]["meta"]["year"])))
    copied = [(r, f) for r in reports for f in r.get("copies", []) if f["kind"] != "next_year"]
    rows_copies = "".join(
        f"<tr><td>{link(r['document'])}</td><td>{escape(f['kind'])}</td><td>{link(f['document'])}</td>"
        f"<td>{round(100 * f['similarity'])}%</td></tr>" for r, f in copied)
    totals_note = (f"Corpus total over the {len(everywhere)} bodies present in every year plotted "
                   f"({', '.join(escape(names[b]) for b in everywhere)})." if total else
                   "No corpus total: no body has a report in every year plotted, and a sum over different bodies "
                   "each year would compare unlike with unlike.")
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>政府信息公开年报 — corpus summary</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #bbb;padding:.25em .6em}} th{{background:#eee}} .plots{{display:flex;flex-wrap:wrap;gap:2em}}
</style></head><body>
<h1>Corpus summary</h1>
<p id="totals">{len(whole)} distinct reports ({len(reports)} files: one report saved in several formats counts
once); {len(fragments)} fragments without a body, a year or most section headings, listed apart;
{sum(1 for r in whole.values() for c in r['checks'] if c['ok'] is False)} failing checks; {len(queue)} files in the
review queue; {len({r['document'] for r, _ in copied})} reports with copied prose.</p>
<h2>Reports by year and template</h2>
<table id="counts"><tr><th>year</th><th>template</th><th>reports</th></tr>{rows_counts}</table>
<h2>Distinct reports</h2>
<table id="reports"><tr><th>body</th><th>year</th><th>files (formats)</th></tr>{rows_reports}</table>
<h2>Tables found</h2>
<table id="tables"><tr><th>table</th><th>found</th><th>missing</th></tr>{rows_status}</table>
<div class="plots"><figure id="plot-failures">{_plot_failures(failures)}</figure>
<figure id="plot-years">{_plot_years({names[b]: v for b, v in series.items()}, total, years)}
<figcaption>{totals_note}</figcaption></figure></div>
<h2>Copied prose (内容雷同)</h2>
<p>Reports whose prose (figures left out) is near-identical to the body's previous year or to another body's report
of the same year.</p>
<table id="copies"><tr><th>report</th><th>copied from</th><th>matching report</th><th>shared text</th></tr>
{rows_copies}</table>
<h2>Review queue</h2>
<p>Reports whose tables break their own arithmetic, that hold unreadable (null) or low-confidence cells, or that
were read by OCR (pages or pictures read from pixels). Each links to the report's own page: its tables in the
official layout, its checks and its source file. To correct one, run <code>python -m pipeline review</code>.</p>
<table id="review"><tr><th>report</th><th>body</th><th>year</th><th>failing checks</th><th>unreadable cells</th>
<th>low-confidence cells</th><th>OCR'd pages / pictures</th></tr>{rows_queue}</table>
<h2>Fragments</h2>
<p>Files without a body, a year or most of the six section headings (page excerpts): not counted as reports.</p>
<table id="fragments"><tr><th>file</th><th>body</th><th>year</th><th>section headings found</th></tr>
{rows_fragments}</table>
</body></html>
"""
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(page, encoding="utf-8")
