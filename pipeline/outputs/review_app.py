"""The review app: `python -m pipeline review OUT/` serves a local page to check and correct reports, Chinese first.

- `/`: the review queue (queue.py), most in need first: files the batch could not read (OUT/errors.jsonl), reports
  with tables missing or without a body or a year, failing checks, unreadable and unsure cells, copied prose, pages
  read by OCR; reports that already have a gold file come last.
- `/report/<name>`: the source beside the extraction. The source pane (at least 40% of the width, stacked above the
  tables on a narrow screen) follows the focused cell (`where` in the report JSON): a printed page (PDF, scan,
  picture) rendered and zoomed to the cell's box, outlined; the tables of an HTML / Word / text document as read,
  the cell's grid position or span of text marked. Zoom and pan with the mouse or the keyboard. The three tables
  in the official layout (report_view.py) have every cell an input; only the doubtful cells are marked, by priority
  (无法读取, 勾稽不符, 把握不足: queue.py, under params.yaml's ocr.min_confidence); the sums are re-checked as you
  type. Tab walks every control of the page (no keyboard trap); F8 / Alt+N jumps to the next doubtful cell,
  Enter accepts one, a button accepts the rest of a table, Alt+PageDown / Alt+PageUp turn the source's pages.
  Saving writes `<labels>/<document>.gold.json` in the LABELS.md format, validated by labeling.validate_gold, and
  says what `dvc repro` will rerun.

Safe to leave running: bound to 127.0.0.1 by default; report names are looked up in the index of the folder it
was given (never joined into a path); source files are served only from the folders given, as downloads under a
sandbox policy; it writes only `*.gold.json` directly inside the labels folder; a request whose Host is not this
machine's name (DNS rebinding), whose Origin is another site's, or that a browser marks as cross-site is refused,
and every write needs the per-session token printed into the page (another page in the same browser cannot read
it).
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
from .audit import read_failures
from .queue import LEVELS, failure_entry, min_confidence, queue_entry, queue_order, reasons
from .report_view import safe_document_name

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "review"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_GOLD_BYTES = 2 * 1024 * 1024
TOKEN_HEADER = "X-Review-Token"


def rules_json() -> dict:
    """The consistency rules as the page checks them: fields.json's rule texts and, per template and table, the
    equations of extraction/checks.py ([rule, cells summed on one side, cells summed on the other])."""
    return {
        "rules": schema.fields()["consistency_rules"],
        "equations": {
            tpl: {
                t: [[rule, [list(c) for c in a], [list(c) for c in b]] for rule, a, b in checks.equations(t, tpl)]
                for t in ("requests", "review_litigation")
            }
            for tpl in schema.TEMPLATES
        },
    }


def dvc_consequences(labels_dir: Path, dvc_file: Path) -> str:
    """What `dvc repro` reruns once the labels folder changed: the stages of dvc.yaml that read it, then every
    stage that reads what those write."""
    import yaml

    try:
        stages = (yaml.safe_load(dvc_file.read_text(encoding="utf-8")) or {}).get("stages", {})
    except (OSError, yaml.YAMLError):
        return f"读不到 {dvc_file}：请在流水线的 dvc.yaml 所在处运行 `dvc repro`"
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
        return f"{dvc_file} 中没有读取 {labels_dir} 的阶段：`dvc repro` 不会因这个文件重跑任何阶段"
    return f"`dvc repro` 将重跑 {', '.join(direct)}（它们读取 {labels_dir}）" + (
        f"，随后 {', '.join(later)}" if later else ""
    )


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

    def queue(self, threshold: float) -> list[dict]:
        """Every report with what it needs, and every failed file (errors.jsonl), most in need first; one report
        read at a time (cached by mtime)."""
        out = []
        for name, path in self.paths().items():
            mtime = path.stat().st_mtime
            cached = self._entries.get(name)
            if cached is None or cached[0] != (mtime, threshold):
                report = self.load(name)
                entry = queue_entry(report, threshold) if report is not None else None
                self._entries[name] = cached = ((mtime, threshold), entry)
            if cached[1] is not None:
                gold_name = gold_file_name(cached[1]["document"])
                labelled = gold_name is not None and (self.labels_dir / gold_name).is_file()
                out.append({**cached[1], "name": name, "labelled": labelled})
        out += [{**failure_entry(f), "name": None, "labelled": False} for f in read_failures(self.reports_dir)]
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
        from ..readers.formats import read_document

        try:
            return read_document(str(source)).to_dict()
        except ReadError:
            return None
    return None


def source_html(doc: dict, table_blocks: set[int], text_blocks: set[int]) -> str:
    """The document as read, for a source that has no pages to show (HTML, Word, text): its tables (the report's
    own first; every cell with its block and grid position, `data-grid`, as a report cell's `where` names it) and
    the text blocks that hold the figures of a table printed as text (`data-block`, spans marked by the page)."""
    from ..document import Cell, ReadError, span_origins

    parts = []
    blocks = doc.get("blocks", [])
    listed = sorted(
        set(i for i, b in enumerate(blocks) if b["kind"] == "table") | text_blocks,
        key=lambda i: (i not in table_blocks and i not in text_blocks, i),
    )
    for i in listed:
        b = blocks[i]
        where = f"第 {i} 块" + (f"，第 {b['page']} 页" if b.get("page") else "")
        if b["kind"] == "text":
            parts.append(
                f'<p class="srcnote">{where}：以文字印出的表格</p>'
                f'<p class="srctext" data-block="{i}">{escape(b.get("text", ""))}</p>'
            )
            continue
        rows = [[Cell(c["text"], c.get("rowspan", 1), c.get("colspan", 1)) for c in row] for row in b["rows"]]
        try:
            origins = sorted(set(span_origins(rows).values()))
        except ReadError:
            origins = []
        by_row: dict[int, list] = {}
        for o in origins:
            by_row.setdefault(o[0], []).append(o)
        html = []
        for r, row in enumerate(b["rows"]):
            cells = by_row.get(r, [])
            html.append(
                "<tr>"
                + "".join(
                    f'<td rowspan="{c.get("rowspan", 1)}" colspan="{c.get("colspan", 1)}"'
                    + (f' data-grid="{cells[k][0]},{cells[k][1]}"' if k < len(cells) else "")
                    + f">{escape(c['text'])}</td>"
                    for k, c in enumerate(row)
                )
                + "</tr>"
            )
        parts.append(
            f'<p class="srcnote">{where}{"：读作法定表格" if i in table_blocks else ""}</p>'
            f'<table class="source" data-block="{i}">{"".join(html)}</table>'
        )
    if not parts:  # nothing tabular: the document as read, line by line
        text = "\n".join(b.get("text", "") for b in blocks if b["kind"] == "text")
        return f'<p class="srcnote">文件中没有读出表格：以下是读出的文字</p><pre class="srctext">{escape(text)}</pre>'
    return "\n".join(parts)


def _url_part(name: str) -> str:
    """A report's name as one part of a link's path, HTML-escaped: `#`, `?`, `%`, `/` and brackets are that name's
    characters, not URL syntax."""
    return escape(quote(name, safe=""))


def source_tables_html(doc: dict, blocks: set[int]) -> str:
    """The tables of a document as read (merged cells kept), the report's own first."""
    return source_html(doc, blocks, set())


RENDER_SCALE = 2.0  # page images at 144 dpi: sharp when zoomed to a cell


@lru_cache(maxsize=16)
def _page_sizes_cached(kind: str, path: str, mtime: float) -> list[list[float]] | None:
    from ..document import ReadError

    try:
        if kind == "pdf":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(path)
            try:
                return [list(pdf[i].get_size()) for i in range(len(pdf))]
            finally:
                pdf.close()
        return [[w / scale, h / scale] for _, (w, h), scale in _frames(path)]
    except (OSError, ReadError, ValueError, RuntimeError):
        return None


def _page_sizes(kind: str, source: Path) -> list[list[float]] | None:
    """Each page's [width, height] in points (a picture's: its pixels over the scale OCR read it at)."""
    return _page_sizes_cached(kind, str(source), source.stat().st_mtime)


def _frames(path: str):
    """(frame, (width, height) in pixels, pixels per point) of a picture file's pages as readers/image.py reads and
    scales them (grey, at most ocr.max_pages of them). The boxes of an OCR'd picture are placed back on the
    picture as given (ocr._back_to_picture), so they outline its cells here."""
    from PIL import Image

    from ..readers.image import iter_frames, picture_scale
    from ..readers.ocr.options import OcrOptions

    out = []
    for grey, dpi in iter_frames(Path(path).read_bytes(), OcrOptions().max_pages):
        frame = Image.fromarray(grey)
        out.append((frame, frame.size, picture_scale(grey, dpi)))
    return out


@lru_cache(maxsize=32)
def _page_png_cached(kind: str, path: str, mtime: float, number: int) -> bytes | None:
    if kind == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path)
        try:
            if not 1 <= number <= len(pdf):
                return None
            image = pdf[number - 1].render(scale=RENDER_SCALE).to_pil()
        finally:
            pdf.close()
    else:
        frames = _frames(path)
        if not 1 <= number <= len(frames):
            return None
        image = frames[number - 1][0]
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _page_png(kind: str, source: Path, number: int) -> bytes | None:
    return _page_png_cached(kind, str(source), source.stat().st_mtime, number)


def _json_script(obj) -> str:
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def create_app(
    reports_dir,
    labels_dir="data/labels",
    docs_dirs=(),
    documents_dir=None,
    dvc_file="dvc.yaml",
    token: str | None = None,
):
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
        html = (
            template_page.replace("{{title}}", escape(title))
            .replace("{{token}}", app.config["REVIEW_TOKEN"])
            .replace("{{style}}", report_view.STYLE)
            .replace("{{data}}", _json_script(data or {}))
            .replace("{{body}}", body)
        )
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
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
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
                    if (
                        isinstance(gold, dict)
                        and gold.get("document") == report["document"]
                        and not validate_gold(gold, str(p)).errors
                    ):
                        return gold
                except (OSError, ValueError):
                    pass
        return gold_from_report(report)

    @app.get("/static/review.js")
    def script():
        return send_file(RESOURCES / "review.js", mimetype="text/javascript", max_age=0)

    @app.get("/")
    def queue():
        threshold = min_confidence()
        rows = []
        entries = index.queue(threshold)
        for q in entries:
            why = (
                "".join(f'<span class="reason {k}">{escape(t)}</span>' for k, t in reasons(q))
                or '<span class="reason none">无存疑</span>'
            )
            name = (
                f'<a href="/report/{_url_part(q["name"])}">{escape(q["document"])}</a>'
                if q["name"]
                else f'{escape(q["document"])}<div class="srcnote">{escape(q.get("file") or "")}</div>'
            )
            rows.append(
                f'<tr class="{"labelled" if q["labelled"] else ""}{" failed" if q["failed"] else ""}">'
                f"<td>{name}</td><td>{escape(str(q['body'] or '—'))}</td><td>{q['year'] or '—'}</td>"
                f'<td>{why}</td><td class="num">{q["unreadable"] or ""}</td>'
                f'<td class="num">{q["in_failing"] or ""}</td><td class="num">{q["low"] or ""}</td>'
                f'<td class="num">{q["ocr"] or ""}</td><td>{"已存金标准" if q["labelled"] else ""}</td></tr>'
            )
        failed = sum(1 for q in entries if q["failed"])
        body = (
            f'<header class="topbar"><h1>待核对队列</h1><span>{len(entries)} 项 · 其中 {failed} 个文件读取失败</span>'
            f'</header><main class="page"><p>报告文件夹 <code>{escape(str(reports_dir))}</code>；金标准文件写入 '
            f"<code>{escape(str(labels_dir))}</code>。最需要看的在前：读取失败的文件、缺表或未识别机关年度的报告、"
            f"勾稽关系不符、无法读取的单元格、读取把握低于 {threshold:.2f}（params.yaml 的 ocr.min_confidence）且未经"
            f"勾稽关系印证的单元格、内容雷同、OCR 读取的页；已存金标准的排在最后。</p>"
            f'<div class="scroll"><table id="queue"><caption class="vh">待核对的报告与读取失败的文件</caption><tr>'
            f'<th scope="col">文件</th><th scope="col">机关</th><th scope="col">年度</th><th scope="col">原因</th>'
            f'<th scope="col">无法读取</th><th scope="col">勾稽不符</th><th scope="col">把握不足</th>'
            f'<th scope="col">OCR 页</th><th scope="col">金标准</th></tr>' + "".join(rows) + "</table></div></main>"
        )
        return page("待核对队列", body)

    def page_source(report: dict) -> tuple[str, Path] | None:
        """("pdf" | "image", the source file) when the report's source has pages to show."""
        source = _find_source(report["document"], docs)
        fmt = report["source"]["format"]
        if source is None or fmt not in ("pdf", "image") or split_member(report["document"]) is not None:
            return None  # a zip's member is no file of its own to render
        return fmt, source

    @app.get("/report/<name>")
    def report_page(name: str):
        report = report_or_404(name)
        gold = gold_for(report)
        source = _find_source(report["document"], docs)
        fmt = report["source"]["format"]
        threshold = min_confidence()
        where = {
            f"{t}.{r}.{c}": cell["where"]
            for t, tt in report["tables"].items()
            for r, cols in (tt.get("cells") or {}).items()
            for c, cell in cols.items()
            if cell.get("where")
        }
        doubt = report_view.doubts(report, threshold)
        table_blocks = {
            s["block"]
            for t in report["tables"].values()
            for s in (t.get("source") or {}).values()
            if isinstance(s, dict) and s.get("block") is not None
        }
        text_blocks = {w["block"] for w in where.values() if "span" in w and w.get("block") is not None}
        paged = page_source(report)
        sizes = _page_sizes(*paged) if paged else None
        if sizes:
            first = next(
                (
                    where[c].get("page")
                    for c in sorted(doubt, key=lambda c: doubt[c][0])
                    if c in where and where[c].get("page")
                ),
                None,
            ) or next((w["page"] for w in where.values() if w.get("page")), 1)
            options = "".join(
                f'<option value="{p}"{" selected" * (p == first)}>{p}</option>' for p in range(1, len(sizes) + 1)
            )
            viewer = (
                f'<div id="canvas"><img id="pageimg" alt="源文件第 {first} 页" src="/page/{_url_part(name)}/{first}.png">'
                f'<div id="hl" class="hl" hidden></div></div>'
            )
            pager = (
                f'<label>页 <select id="page">{options}</select></label> <span>共 {len(sizes)} 页</span>'
                f'<button type="button" id="prev-page" aria-label="上一页">‹</button>'
                f'<button type="button" id="next-page" aria-label="下一页">›</button>'
                f'<span class="sep"></span><button type="button" id="zoom-out" aria-label="缩小">－</button>'
                f'<output id="zoom-level" aria-live="polite">100%</output>'
                f'<button type="button" id="zoom-in" aria-label="放大">＋</button>'
                f'<button type="button" id="zoom-fit">适合宽度</button>'
                f'<button type="button" id="zoom-cell">缩放到单元格</button>'
            )
        else:
            doc = _document_blocks(report["document"], documents, source)
            viewer = (
                source_html(doc, table_blocks, text_blocks)
                if doc
                else "<p>在给定的文件夹（--docs / --documents）中没有找到源文件。</p>"
            )
            pager = "<span>源文件按读出的样子显示（网页、Word、文本没有页面）</span>"
        download = (
            f'<a href="/source/{_url_part(name)}">下载源文件</a>' if source else "源文件不在 --docs 给定的文件夹中"
        )
        sections_form = "".join(
            f'<tr><th scope="row">第{s["id"]}部分</th>'
            + "".join(
                f'<td><input data-section="{s["id"]}" data-key="{k}" value="{escape(s.get(k) or "")}" '
                f'placeholder="空" aria-label="第{s["id"]}部分{label}"></td>'
                for k, label in (("heading", "标题"), ("start", "开头"), ("end", "结尾"))
            )
            + "</tr>"
            for s in gold["sections"]
        )
        m = gold["meta"]
        counts = {lv: sum(1 for level, _ in doubt.values() if level == lv) for lv in LEVELS}
        template_options = "".join(
            "<option" + " selected" * (t == m.get("template")) + f">{t}</option>" for t in schema.TEMPLATES
        )
        body = f"""
<header class="topbar" id="topbar">
<a href="/">← 待核对队列</a>
<h1>{escape(str(report["meta"].get("body") or "（未识别机关）"))} · {report["meta"].get("year") or "（未识别年度）"}
<small>{escape(report["document"])} · {escape(fmt)}</small></h1>
<span id="doubt-count" aria-live="polite" data-total="{sum(counts.values())}">存疑 {sum(counts.values())} 个</span>
<button type="button" id="save" class="primary">保存金标准</button>
<span id="status" role="status"></span>
</header>
<div class="desk">
<section class="source-pane" aria-labelledby="h-source">
<div class="srcbar"><h2 id="h-source">源文件</h2> {download} {pager}</div>
<p id="where-note" class="srcnote" aria-live="polite">聚焦一个单元格，这里显示它在源文件中的位置。</p>
<div id="viewer" class="viewer {"pages" if sizes else "document"}" tabindex="0" role="region"
 aria-label="源文件（方向键平移{"，加号减号缩放" if sizes else ""}）">{viewer}</div>
</section>
<main class="extraction-pane" aria-labelledby="h-extraction">
<h2 id="h-extraction" class="vh">提取结果</h2>
{report_view.copies_html(report)}
<p class="keys">键盘：Tab / Shift+Tab 逐个控件；<kbd>F8</kbd> 或 <kbd>Alt</kbd>+<kbd>N</kbd> 下一个存疑单元格（<kbd>Shift</kbd>+<kbd>F8</kbd> 或
<kbd>Alt</kbd>+<kbd>P</kbd> 上一个）；<kbd>Enter</kbd> 确认当前单元格并跳到下一个存疑；<kbd>Alt</kbd>+<kbd>PageDown</kbd> /
<kbd>PageUp</kbd> 源文件翻页；源文件窗格中方向键平移、<kbd>+</kbd> / <kbd>-</kbd> 缩放；<kbd>Ctrl</kbd>+<kbd>S</kbd> 保存。
空单元格表示报告所印无法读取（保存为 null）；空白、“/”、“—”请填 0。</p>
<p class="legend"><span class="sw d1"></span>无法读取 {counts[1]} <span class="sw d2"></span>勾稽不符 {counts[2]}
<span class="sw d3"></span>把握不足 {counts[3]}（低于 {threshold:.2f}，未经勾稽关系印证） <span class="sw acc"></span>已确认</p>
<div class="meta"><label>机关 <input id="meta-body" value="{escape(str(m.get("body") or ""))}"></label>
<label>年度 <input id="meta-year" value="{m.get("year") or ""}" size="5" inputmode="numeric"></label>
<label>格式版本 <select id="meta-template">
{template_options}</select></label></div>
<div id="live" aria-live="polite"></div>
<div id="tables">{report_view.tables_html(report, gold, editable=True)}</div>
<h2>六个部分的边界</h2>
<div class="scroll"><table class="sections"><tr><td></td><th scope="col">标题</th><th scope="col">开头</th>
<th scope="col">结尾</th></tr>{sections_form}</table></div>
{report_view.sections_html(report)}
<h2>提取时的核对</h2>{report_view.checks_html(report)}
<p><button type="button" id="save-bottom" class="primary">保存金标准</button></p>
</main></div>"""
        queue_names = [q["name"] for q in index.queue(threshold) if q["name"] and not q["labelled"]]
        later = queue_names[queue_names.index(name) + 1 :] if name in queue_names else queue_names
        data = {
            "name": name,
            "document": report["document"],
            "rules": rules_json(),
            "extra_rows": {t: (gold["tables"].get(t) or {}).get("extra_rows", []) for t in schema.TABLES},
            "doubts": {c: [lv, why] for c, (lv, why) in doubt.items()},
            "where": where,
            "pages": sizes,
            "levels": LEVELS,
            "next": later[0] if later else None,
        }
        return page(f"核对 {report['document']}", body, data)

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

    @app.get("/page/<name>/<int:number>.png")
    def page_image(name: str, number: int):
        """Page `number` of a PDF (rendered by PDFium at 2× its size in points) or frame `number` of a picture."""
        paged = page_source(report_or_404(name))
        if paged is None:
            abort(404, "no printed pages for this report in the folders given")
        png = _page_png(*paged, number)
        if png is None:
            abort(404, f"no page {number}")
        return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})

    @app.get("/source/<name>")
    def source_file(name: str):
        report = report_or_404(name)
        source = _find_source(report["document"], docs)
        if source is None:
            abort(404, "source file not found in the folders given")
        resp = send_file(source, as_attachment=True, download_name=source.name, mimetype="application/octet-stream")
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
                return jsonify(
                    {"errors": [f"{target.name} holds the gold labels of {other!r}, another document: not overwritten"]}
                ), 409
        for key in ("review", "unreadable"):  # empty lists are left out of the file
            if not gold.get(key):
                gold.pop(key, None)
        problems = validate_gold(gold, str(target))
        if problems.errors:
            return jsonify({"errors": problems.errors, "warnings": problems.warnings}), 422
        write_atomic(target, json.dumps(gold, ensure_ascii=False, indent=1, allow_nan=False) + "\n")
        fold = fold_of(gold)
        return jsonify(
            {
                "written": str(target),
                "warnings": problems.warnings,
                "fold": fold,
                "retrain": dvc_consequences(labels_dir, Path(dvc_file)),
                "fold_note": (
                    "训练折：章节模型从它学习" if fold == "train" else "留出折：它只用来评分，没有模型从它学习"
                ),
            }
        )

    return app


def serve(
    reports_dir,
    labels_dir,
    docs_dirs,
    documents_dir,
    host: str = "127.0.0.1",
    port: int = 8765,
    dvc_file: str = "dvc.yaml",
) -> None:
    app = create_app(reports_dir, labels_dir, docs_dirs, documents_dir, dvc_file)
    app.config["BOUND_HOST"] = host
    print(
        shown(
            f"review app on http://{'[' + host + ']' if ':' in host else host}:{port}/ (Ctrl-C to stop); "
            f"gold files go to {labels_dir}"
        ),
        flush=True,
    )
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
