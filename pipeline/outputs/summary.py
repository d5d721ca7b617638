"""The corpus summary page: one static HTML file a person would rather look at than read.

Counts by year and template, check failures by rule, requests and their outcomes over the years (plots drawn with
matplotlib and inlined as SVG, so the page needs no network), and a review queue of reports that fail checks or hold
unreadable / low-confidence cells or were read by OCR, each linked to its JSON.
"""
from __future__ import annotations

import io
import os
from collections import Counter, defaultdict
from html import escape
from pathlib import Path

LOW_CONFIDENCE = 0.8
OUTCOMES = {"granted": "granted", "partially_granted": "partly granted", "unable.not_held": "not held",
            "total": "all handled"}


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

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
    ax.set_xlabel("reports failing the rule")
    ax.set_title("Check failures by rule")
    return _svg(fig)


def _plot_years(per_year: dict[int, dict[str, float]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    years = sorted(per_year)
    for key, label in [("new_received", "new requests")] + list(OUTCOMES.items()):
        ax.plot(years, [per_year[y].get(key, 0) for y in years], marker="o", label=label)
    ax.set_xlabel("year covered")
    ax.set_ylabel("requests (sum over reports)")
    ax.set_title("Requests and outcomes over the years")
    ax.legend(fontsize=7)
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


def render(reports: list[dict], reports_dir: str | Path, out_file: str | Path) -> None:
    out_file = Path(out_file)
    counts = Counter((r["meta"]["year"], r["meta"]["template"]) for r in reports)
    failures = Counter()
    for r in reports:
        for rule in {c["rule"] for c in r["checks"] if c["ok"] is False}:
            failures[rule] += 1
    per_year: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in reports:
        t = r["tables"].get("requests", {})
        if t.get("status") != "found" or not r["meta"]["year"]:
            continue
        for row in ["new_received"] + list(OUTCOMES):
            v = t["rows"].get(row, {}).get("total")
            if v is not None:
                per_year[r["meta"]["year"]][row] += v
    queue = review_queue(reports)
    rel = os.path.relpath(Path(reports_dir), out_file.parent)
    status = Counter((name, t["status"]) for r in reports for name, t in r["tables"].items())
    rows_counts = "".join(f"<tr><td>{y}</td><td>{tpl}</td><td>{n}</td></tr>"
                          for (y, tpl), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])))
    rows_status = "".join(f"<tr><td>{escape(name)}</td><td>{status[(name, 'found')]}</td>"
                          f"<td>{status[(name, 'missing')]}</td></tr>"
                          for name in ("active_disclosure", "requests", "review_litigation"))
    rows_queue = "".join(
        f"<tr><td><a href=\"{escape(rel)}/{escape(q['document'])}.json\">{escape(q['document'])}</a></td>"
        f"<td>{escape(q['body'] or '')}</td><td>{q['year'] or ''}</td><td>{escape(', '.join(q['failing']))}</td>"
        f"<td>{q['unreadable']}</td><td>{q['low']}</td><td>{q['ocr'] or ''}</td></tr>" for q in queue)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>政府信息公开年报 — corpus summary</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #bbb;padding:.25em .6em}} th{{background:#eee}} .plots{{display:flex;flex-wrap:wrap;gap:2em}}
</style></head><body>
<h1>Corpus summary</h1>
<p id="totals">{len(reports)} reports; {sum(1 for r in reports for c in r['checks'] if c['ok'] is False)} failing
checks; {len(queue)} reports in the review queue.</p>
<h2>Reports by year and template</h2>
<table id="counts"><tr><th>year</th><th>template</th><th>reports</th></tr>{rows_counts}</table>
<h2>Tables found</h2>
<table id="tables"><tr><th>table</th><th>found</th><th>missing</th></tr>{rows_status}</table>
<div class="plots"><figure id="plot-failures">{_plot_failures(failures)}</figure>
<figure id="plot-years">{_plot_years(per_year)}</figure></div>
<h2>Review queue</h2>
<p>Reports whose tables break their own arithmetic, that hold unreadable (null) or low-confidence cells, or that
were read by OCR (pages or pictures read from pixels).</p>
<table id="review"><tr><th>report</th><th>body</th><th>year</th><th>failing checks</th><th>unreadable cells</th>
<th>low-confidence cells</th><th>OCR'd pages / pictures</th></tr>{rows_queue}</table>
</body></html>
"""
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(page, encoding="utf-8")
