"""The review app: `python -m pipeline review OUT/` serves a local page to check and correct reports.

- `/`: the review queue (failing checks, unreadable and low-confidence cells, OCR'd pages), most in need first;
  reports that already have a gold file come last.
- `/report/<name>`: the source beside the extraction — a PDF page rendered by PDFium with the ruled cells of the
  page outlined, or the tables of an HTML / Word / text document as read — and the three tables in the official
  layout (report_view.py, the same rendering as the static report pages) with every cell an input, doubtful
  cells highlighted and the sums re-checked as you type (the rules are checks.equations, sent to the page as
  JSON); the section boundaries marked on the prose. Saving writes `<labels>/<document>.gold.json` in the
  LABELS.md format, validated by labeling.validate_gold, and says what `dvc repro` will rerun.

Safe to leave running: bound to 127.0.0.1 by default; report names are looked up in the index of the folder it
was given (never joined into a path); source files are served only from the folders given, as downloads under a
sandbox policy; it writes only `*.gold.json` directly inside the labels folder; a request whose Host is not this
machine's name (DNS rebinding), whose Origin is another site's, or that a browser marks as cross-site is refused,
and every write needs the per-session token printed into the page (another page in the same browser cannot read
it). The Document model keeps no cell boxes: the outlines on a PDF page are the page's ruled cells found again by
pdfplumber's table finder, not the cells the pipeline matched (a scan has no ruling lines to outline).
"""
from __future__ import annotations

import hmac
import io
import json
import secrets
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit

from .. import schema
from ..files import write_atomic
from ..names import find_source, flat_name, shown, split_member
from ..extraction import checks
from ..modeling.labeling import fold_of, gold_from_report, loads_strict, validate_gold
from . import report_view
from .report_view import safe_document_name
from .summary import queue_entry, queue_order

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "review"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_GOLD_BYTES = 2 * 1024 * 1024
TOKEN_HEADER = "X-Review-Token"


def rules_json() -> dict:
    """The consistency rules as the page checks them: fields.json's rule texts and, per template and table, the
    equations of extraction/checks.py ([rule, cells summed on one side, cells summed on the other])."""
    return {"rules": schema.fields()["consistency_rules"],
            "equations": {tpl: {t: [[rule, [list(c) for c in a], [list(c) for c in b]]
                                    for rule, a, b in checks.equations(t, tpl)]
                                for t in ("requests", "review_litigation")} for tpl in schema.TEMPLATES}}


def dvc_consequences(labels_dir: Path, dvc_file: Path) -> str:
    """What `dvc repro` reruns once the labels folder changed: the stages of dvc.yaml that read it, then every
    stage that reads what those write."""
    import yaml

    try:
        stages = (yaml.safe_load(dvc_file.read_text(encoding="utf-8")) or {}).get("stages", {})
    except (OSError, yaml.YAMLError):
        return f"no readable {dvc_file}: run `dvc repro` where the pipeline's dvc.yaml is"
    root = dvc_file.resolve().parent

    def norm(p) -> Path:
        p = p if isinstance(p, str) else next(iter(p))  # an out may be {path: {options}}
        return (root / p).resolve()

    def under(a: Path, b: Path) -> bool:
        return a == b or b in a.parents or a in b.parents

    labels = labels_dir.resolve()
    changed_outs: list[Path] = []
    direct, later = [], []
    for name, st in stages.items():  # dvc.yaml lists stages in the order they run
        deps = [norm(d) for d in st.get("deps", [])]
        if any(under(d, labels) for d in deps):
            direct.append(name)
        elif any(under(d, o) for d in deps for o in changed_outs):
            later.append(name)
        else:
            continue
        changed_outs += [norm(o) for o in st.get("outs", [])]
    if not direct:
        return f"no stage of {dvc_file} reads {labels_dir}: `dvc repro` reruns nothing for this file"
    return (f"`dvc repro` will rerun {', '.join(direct)} (they read {labels_dir})"
            + (f", then {', '.join(later)}" if later else ""))


class ReportIndex:
    """Report JSONs of the folder, by name (the file name without .json). Names come from listing the folder, so a
    name in a URL is looked up, never joined into a path."""

    def __init__(self, reports_dir: Path, labels_dir: Path):
        self.reports_dir, self.labels_dir = reports_dir, labels_dir
        self._entries: dict[str, tuple[float, dict | None]] = {}

    def paths(self) -> dict[str, Path]:
        return {p.name[:-5]: p for p in sorted(self.reports_dir.glob("*.json")) if p.is_file()}

    def load(self, name: str) -> dict | None:
        path = self.paths().get(name)
        if path is None:
            return None
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return report if isinstance(report, dict) and "tables" in report and "meta" in report else None

    def queue(self) -> list[dict]:
        """Every report with what it needs, most in need first; one report read at a time (cached by mtime)."""
        out = []
        for name, path in self.paths().items():
            mtime = path.stat().st_mtime
            cached = self._entries.get(name)
            if cached is None or cached[0] != mtime:
                report = self.load(name)
                entry = None
                if report is not None:
                    entry = queue_entry(report) or {"document": report["document"], "body": report["meta"]["body"],
                                                    "year": report["meta"]["year"], "failing": [], "unreadable": 0,
                                                    "low": 0, "ocr": 0}
                self._entries[name] = cached = (mtime, entry)
            if cached[1] is not None:
                gold_name = gold_file_name(cached[1]["document"])
                labelled = gold_name is not None and (self.labels_dir / gold_name).is_file()
                out.append({**cached[1], "name": name, "labelled": labelled})
        return sorted(out, key=lambda q: (q["labelled"], queue_order(q)))


@lru_cache(maxsize=64)
def _find_source(document: str, dirs: tuple[str, ...]) -> Path | None:
    """The source file of a document under the folders given, its name matched literally (names.find_source: a
    name is never a glob pattern, so `pingtan[1].html` is served, not `pingtan1.html`); a link out of the folder is
    not served."""
    found = find_source(document, dirs)
    return found.resolve() if found is not None else None


def gold_file_name(document) -> str | None:
    """`<document>.gold.json` as one file name inside the labels folder (`2023/index.html` →
    `2023_index.html.gold.json`), or None when the name cannot make one."""
    if not isinstance(document, str) or not document:
        return None
    name = flat_name(document) + ".gold.json"
    return name if safe_document_name(name) else None


def _document_blocks(document: str, documents_dir: Path | None, source: Path | None) -> dict | None:
    """The Document model of the report's source: the read stage's `<name>.doc.json` when it is that document's,
    else read now (not PDFs: a PDF is shown as its pages; not an archive's member: its archive is not one)."""
    name = flat_name(document) + ".doc.json"
    if documents_dir is not None and safe_document_name(name):
        p = documents_dir / name
        if p.is_file():
            try:
                doc = json.loads(p.read_text(encoding="utf-8"))
                if isinstance(doc, dict) and (doc.get("name") or Path(str(doc.get("path"))).name) == document:
                    return doc
            except (OSError, ValueError):
                pass
    if split_member(document) is not None:
        return None
    if source is not None and source.suffix.lower() != ".pdf":
        from ..document import ReadError
        from ..readers import read_document

        try:
            return read_document(str(source)).to_dict()
        except ReadError:
            return None
    return None


def source_tables_html(doc: dict, blocks: set[int]) -> str:
    """The tables of a document as read (merged cells kept), the report's own tables first."""
    parts = []
    tables = [(i, b) for i, b in enumerate(doc.get("blocks", [])) if b["kind"] == "table"]
    tables.sort(key=lambda ib: (ib[0] not in blocks, ib[0]))
    for i, b in tables:
        rows = "".join("<tr>" + "".join(
            f'<td rowspan="{c.get("rowspan", 1)}" colspan="{c.get("colspan", 1)}">{escape(c["text"])}</td>'
            for c in row) + "</tr>" for row in b["rows"])
        parts.append(f'<p class="srcnote">block {i}{" — read as a statutory table" if i in blocks else ""}'
                     f'{" (page " + str(b["page"]) + ")" if b.get("page") else ""}</p>'
                     f'<table class="source">{rows}</table>')
    if not parts:  # a text file's tables are lines: show the document as read
        text = "\n".join(b.get("text", "") for b in doc.get("blocks", []) if b["kind"] == "text")
        return ("<p class=\"srcnote\">No ruled table in the document as read: its text, line by line</p>"
                f'<pre class="srctext">{escape(text)}</pre>')
    return "\n".join(parts)


def _url_part(name: str) -> str:
    """A report's name as one part of a link's path, HTML-escaped: `#`, `?`, `%`, `/` and brackets are that name's
    characters, not URL syntax."""
    return escape(quote(name, safe=""))


def _json_script(obj) -> str:
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def create_app(reports_dir, labels_dir="data/labels", docs_dirs=(), documents_dir=None, dvc_file="dvc.yaml",
               token: str | None = None):
    """The Flask app over `reports_dir` (report JSONs), writing gold files into `labels_dir`; source files are
    looked for under `docs_dirs`, the read stage's document JSONs under `documents_dir`."""
    from flask import Flask, Response, abort, jsonify, request, send_file

    reports_dir, labels_dir = Path(reports_dir).resolve(), Path(labels_dir).resolve()
    if not reports_dir.is_dir():
        raise FileNotFoundError(f"{reports_dir}: no such folder of report JSONs")
    docs = tuple(str(Path(d).resolve()) for d in docs_dirs)
    documents = Path(documents_dir).resolve() if documents_dir else None
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_GOLD_BYTES
    app.config["REVIEW_TOKEN"] = token or secrets.token_urlsafe(32)
    index = ReportIndex(reports_dir, labels_dir)
    template_page = (RESOURCES / "review.html").read_text(encoding="utf-8")

    def page(title: str, body: str, data: dict | None = None) -> Response:
        html = (template_page.replace("{{title}}", escape(title)).replace("{{token}}", app.config["REVIEW_TOKEN"])
                .replace("{{style}}", report_view.STYLE).replace("{{data}}", _json_script(data or {}))
                .replace("{{body}}", body))
        return Response(html, mimetype="text/html")

    @app.before_request
    def same_origin_only():
        host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
        bound = app.config.get("BOUND_HOST", "127.0.0.1")
        if host not in LOOPBACK | {bound} and bound not in ("0.0.0.0", "::"):
            abort(403, "this review app answers only to the address it is bound to")
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            abort(403, "requests from another origin are refused")
        site = request.headers.get("Sec-Fetch-Site")
        navigation = request.method == "GET" and request.headers.get("Sec-Fetch-Mode") == "navigate"
        if site in ("cross-site", "same-site") and not navigation:
            abort(403, "requests from another site are refused")
        if request.method not in ("GET", "HEAD"):
            sent = request.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(sent.encode(), app.config["REVIEW_TOKEN"].encode()):
                abort(403, "a write needs this session's token (open the page from the app itself)")
            if request.mimetype != "application/json":
                abort(415, "send the gold file as application/json")

    @app.after_request
    def headers(resp):
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        return resp

    def report_or_404(name: str) -> dict:
        report = index.load(name)
        if report is None:
            abort(404, f"no report {name!r} in {reports_dir}")
        return report

    def gold_for(report: dict) -> dict:
        gold_name = gold_file_name(report["document"])
        if gold_name is not None:
            p = labels_dir / gold_name
            if p.is_file():
                try:
                    gold = loads_strict(p.read_text(encoding="utf-8"))
                    if isinstance(gold, dict) and gold.get("document") == report["document"] and \
                            not validate_gold(gold, str(p)).errors:
                        return gold
                except (OSError, ValueError):
                    pass
        return gold_from_report(report)

    @app.get("/static/review.js")
    def script():
        return send_file(RESOURCES / "review.js", mimetype="text/javascript", max_age=0)

    @app.get("/")
    def queue():
        rows = []
        for q in index.queue():
            rows.append(f'<tr class="{"labelled" if q["labelled"] else ""}"><td>'
                        f'<a href="/report/{_url_part(q["name"])}">'
                        f'{escape(q["document"])}</a></td><td>{escape(str(q["body"] or "—"))}</td>'
                        f'<td>{q["year"] or "—"}</td><td>{escape(", ".join(q["failing"]))}</td>'
                        f'<td>{q["unreadable"] or ""}</td><td>{q["low"] or ""}</td><td>{q["ocr"] or ""}</td>'
                        f'<td>{"gold file saved" if q["labelled"] else ""}</td></tr>')
        body = (f"<h1>Review queue</h1><p>{len(rows)} reports in {escape(str(reports_dir))}; gold files go to "
                f"{escape(str(labels_dir))}. Most in need of a look first: failing checks, then unreadable cells, "
                f"low-confidence cells, pages read by OCR; reports already labelled last.</p>"
                f'<table id="queue"><tr><th>report</th><th>body</th><th>year</th><th>failing checks</th>'
                f"<th>unreadable</th><th>low confidence</th><th>OCR'd pages / pictures</th><th></th></tr>"
                + "".join(rows) + "</table>")
        return page("Review queue", body)

    @app.get("/report/<name>")
    def report_page(name: str):
        report = report_or_404(name)
        gold = gold_for(report)
        source = _find_source(report["document"], docs)
        fmt = report["source"]["format"]
        table_blocks = {s["block"] for t in report["tables"].values() for s in (t.get("source") or {}).values()
                        if isinstance(s, dict) and s.get("block") is not None}
        table_pages = sorted({s["page"] for t in report["tables"].values() for s in (t.get("source") or {}).values()
                              if isinstance(s, dict) and s.get("page")})
        if fmt == "pdf" and source is not None:
            pages = report["source"].get("pages") or 1
            first = table_pages[0] if table_pages else 1
            src = (f'<div class="pager">page <select id="page">' + "".join(
                f'<option value="{p}"{" selected" * (p == first)}>{p}{" (table)" * (p in table_pages)}</option>'
                for p in range(1, pages + 1)) + '</select> <span id="boxnote"></span></div>'
                f'<div id="pagebox"><img id="pageimg" alt="page {first}" src="/page/{_url_part(name)}/{first}.png">'
                f'</div>')
        else:
            doc = _document_blocks(report["document"], documents, source)
            src = (source_tables_html(doc, table_blocks) if doc else
                   "<p>The source document was not found in the folders given (--docs / --documents).</p>")
        download = (f'<a href="/source/{_url_part(name)}">download the source file</a>' if source
                    else "source file not found under --docs")
        sections_form = "".join(
            f'<tr><td>§{s["id"]}</td>' + "".join(
                f'<td><input data-section="{s["id"]}" data-key="{k}" value="{escape(s.get(k) or "")}" '
                f'placeholder="null"></td>' for k in ("heading", "start", "end")) + "</tr>"
            for s in gold["sections"])
        m = gold["meta"]
        body = f"""
<p><a href="/">← review queue</a> · {download}</p>
<h1>{escape(str(report['meta'].get('body')))} · {report['meta'].get('year')} <small>{escape(report['document'])}
({escape(fmt)})</small></h1>
{report_view.copies_html(report)}
<p class="keys">Tab: next doubtful cell · Shift+Tab: previous · Enter: accept the cell as it stands · Ctrl+S: save.
An empty cell is unreadable (null); write 0 for a blank, / or —.</p>
<div class="split"><div class="source-pane"><h2>Source</h2>{src}</div>
<div class="extraction-pane">
<div class="meta">body <input id="meta-body" value="{escape(str(m.get('body') or ''))}"> year
<input id="meta-year" value="{m.get('year') or ''}" size="5"> template <select id="meta-template">
{''.join(f'<option{" selected" * (t == m.get("template"))}>{t}</option>' for t in schema.TEMPLATES)}</select>
<button id="save">Save gold file</button></div>
<div id="status" role="status"></div>
<div id="live"></div>
<div id="tables">{report_view.tables_html(report, gold, editable=True)}</div>
<h2>Section boundaries</h2>
<table class="sections"><tr><th></th><th>heading</th><th>start</th><th>end</th></tr>{sections_form}</table>
{report_view.sections_html(report)}
<h2>Checks as extracted</h2>{report_view.checks_html(report)}
</div></div>"""
        data = {"name": name, "document": report["document"], "rules": rules_json(),
                "extra_rows": {t: (gold["tables"].get(t) or {}).get("extra_rows", []) for t in schema.TABLES},
                "doubts": report_view.doubts(report)}
        return page(f"Review {report['document']}", body, data)

    @app.get("/api/rules")
    def api_rules():
        return jsonify(rules_json())

    @app.get("/api/tables/<name>")
    def api_tables(name: str):
        report = report_or_404(name)
        template = request.args.get("template", "")
        if template not in schema.TEMPLATES:
            abort(400, "template must be 2019 or 2021")
        return Response(report_view.tables_html(report, None, editable=True, template=template), mimetype="text/html")

    def pdf_source(name: str) -> Path:
        report = report_or_404(name)
        source = _find_source(report["document"], docs)
        if source is None or report["source"]["format"] != "pdf" or split_member(report["document"]) is not None:
            abort(404, "no PDF source for this report in the folders given")
        return source

    @app.get("/page/<name>/<int:number>.png")
    def page_image(name: str, number: int):
        import pypdfium2 as pdfium

        source = pdf_source(name)
        pdf = pdfium.PdfDocument(str(source))
        try:
            if not 1 <= number <= len(pdf):
                abort(404, f"the PDF has {len(pdf)} pages")
            image = pdf[number - 1].render(scale=1.6).to_pil()
        finally:
            pdf.close()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return Response(buf.getvalue(), mimetype="image/png")

    @app.get("/page/<name>/<int:number>/boxes")
    def page_boxes(name: str, number: int):
        """The ruled cells of a page as fractions of its size (pdfplumber's table finder on the page's lines)."""
        import pdfplumber

        source = pdf_source(name)
        with pdfplumber.open(str(source)) as pdf:
            if not 1 <= number <= len(pdf.pages):
                abort(404, f"the PDF has {len(pdf.pages)} pages")
            p = pdf.pages[number - 1]
            boxes = [[c[0] / p.width, c[1] / p.height, c[2] / p.width, c[3] / p.height]
                     for t in p.find_tables() for c in t.cells]
        return jsonify({"page": number, "cells": boxes,
                        "note": "cell boxes are not kept by the Document model: these are the page's ruled cells "
                                "found again by pdfplumber" if boxes else
                                "no ruled cells on this page (a scan or a table without rulings): nothing outlined"})

    @app.get("/source/<name>")
    def source_file(name: str):
        report = report_or_404(name)
        source = _find_source(report["document"], docs)
        if source is None:
            abort(404, "source file not found in the folders given")
        resp = send_file(source, as_attachment=True, download_name=source.name,
                         mimetype="application/octet-stream")
        resp.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return resp

    @app.post("/api/save/<name>")
    def save(name: str):
        report = report_or_404(name)
        try:  # strict JSON: NaN, Infinity (which Flask's parser reads) or 1e999 never reach the labels folder
            gold = loads_strict(request.get_data(as_text=True))
        except ValueError as e:
            return jsonify({"errors": [f"not valid JSON: {e}"]}), 400
        if not isinstance(gold, dict):
            return jsonify({"errors": ["the body must be a JSON object (a gold file)"]}), 400
        document = report["document"]
        if gold.get("document") != document:
            return jsonify({"errors": [f"document must be {document!r}, the report this page shows"]}), 400
        gold_name = gold_file_name(document)
        if gold_name is None:
            return jsonify({"errors": [f"{document!r} cannot name a gold file inside the labels folder"]}), 400
        target = labels_dir / gold_name
        if target.resolve().parent != labels_dir or not target.name.endswith(".gold.json"):
            abort(400, "the gold file would not be directly inside the labels folder")
        if target.is_file():  # `a/b.txt` and `a_b.txt` flatten alike: one never overwrites the other's gold
            try:
                other = json.loads(target.read_text(encoding="utf-8")).get("document")
            except (OSError, ValueError, AttributeError):
                other = None
            if other is not None and other != document:
                return jsonify({"errors": [f"{target.name} holds the gold labels of {other!r}, another document: "
                                           f"not overwritten"]}), 409
        for key in ("review", "unreadable"):  # empty lists are left out of the file
            if not gold.get(key):
                gold.pop(key, None)
        problems = validate_gold(gold, str(target))
        if problems.errors:
            return jsonify({"errors": problems.errors, "warnings": problems.warnings}), 422
        write_atomic(target, json.dumps(gold, ensure_ascii=False, indent=1, allow_nan=False) + "\n")
        fold = fold_of(gold)
        return jsonify({"written": str(target), "warnings": problems.warnings, "fold": fold,
                        "retrain": dvc_consequences(labels_dir, Path(dvc_file)),
                        "fold_note": ("training fold: the section model learns from it" if fold == "train" else
                                      "held-out fold: it scores the models, none learns from it")})

    return app


def serve(reports_dir, labels_dir, docs_dirs, documents_dir, host: str = "127.0.0.1", port: int = 8765,
          dvc_file: str = "dvc.yaml") -> None:
    app = create_app(reports_dir, labels_dir, docs_dirs, documents_dir, dvc_file)
    app.config["BOUND_HOST"] = host
    print(shown(f"review app on http://{'[' + host + ']' if ':' in host else host}:{port}/ (Ctrl-C to stop); "
                f"gold files go to {labels_dir}"), flush=True)
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
