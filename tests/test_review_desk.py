"""The review desk and the audit view as the people who use them would: the real pipeline on real files (a
text-layer PDF, a web page, a crawler's text rendering, a report whose tables are missing, a page excerpt, a file
that cannot be read), the real app (`python -m pipeline review`) and the real export, driven by a real Chromium
(Debian's, through Playwright) at 1280×800 and 800×900, by keyboard alone, with axe-core (npm, pinned in
outputs/bundled.py) run inside each page. Screenshots are written to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT, screenshot
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract
from pipeline.outputs import bundled

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDF = "pingtan-2021-lo.pdf"  # a Word file exported by LibreOffice: tables over page breaks, every cell boxed
FILES = [
    PDF,
    "pingtan-2023.txt",
    "pingtan-2023.html",
    "gejiu-2020.txt",
    "qingtongxia-2020.txt",
    "fragments/excerpt-017.txt",
]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serve(base, docs):
    """`python -m pipeline review` on base/reports, writing gold files to base/labels; its address."""
    port = _free_port()
    log = open(base / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "review",
            str(base / "reports"),
            "--labels",
            str(base / "labels"),
            "--docs",
            str(docs),
            "--documents",
            "",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it answers (readiness, not a timed assertion)
            try:
                with urllib.request.urlopen(url + "/", timeout=30) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (base / "server.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The batch, its export, and the review app serving it."""
    base = tmp_path_factory.mktemp("desk")
    docs = base / "docs"
    docs.mkdir()
    for name in FILES:
        shutil.copy(ROOT / "data" / "raw" / name, docs / name.split("/")[-1])
    (docs / "broken-2024.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>\n")  # truncated: the batch records it
    result = run_batch([str(docs)], str(base / "reports"), Extract(models_dir=None))
    assert [e["file"].split("/")[-1] for e in result.errors] == ["broken-2024.pdf"]
    from pipeline.outputs.export import export

    export(base / "reports", base / "processed")
    with _serve(base, docs) as url:
        yield {"url": url, "base": base, "labels": base / "labels"}


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _axe_source() -> str:
    code = bundled.script("axe-core")
    if code is None:
        pytest.skip(f"axe-core is not cached: {bundled.fetch_command('axe-core')} (scripts/setup.sh --dev)")
    return code


def _tab(browser, width: int, height: int):
    """A page with axe-core loaded before the page's own scripts (an init script: the app's Content Security
    Policy allows no inline script, and the test does not loosen it)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(script=_axe_source())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return page


def _axe(page) -> dict[str, list[str]]:
    """axe-core's violations by impact: {impact: [rule id (nodes)]}."""
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => [v.impact, v.id, v.nodes.length, v.nodes.slice(0, 3).map(n => n.target.join(' ') "
        "+ ': ' + (n.failureSummary || '').slice(0, 160))])"
    )
    out: dict[str, list[str]] = {}
    for impact, rule, nodes, where in found:
        out.setdefault(impact, []).append(f"{rule} ({nodes}: {' | '.join(where)})")
    return out


def _serious(violations: dict) -> list[str]:
    return violations.get("serious", []) + violations.get("critical", [])


def test_the_source_pane_follows_the_focused_cell_at_1280_and_800(desk, browser):
    report = json.loads((desk["base"] / "reports" / f"{PDF}.json").read_text(encoding="utf-8"))
    cell = "requests.new_received.total"
    where = report["tables"]["requests"]["cells"]["new_received"]["total"]["where"]
    for width, height in ((1280, 800), (800, 900)):
        page = _tab(browser, width, height)
        page.goto(f"{desk['url']}/report/{PDF}")
        page.wait_for_selector("#pageimg")
        page.focus(f'input[data-cell="{cell}"]')
        page.wait_for_function(
            f"document.getElementById('pageimg').src.endsWith('/{where['page']}.png') && "
            "document.getElementById('pageimg').complete && !document.getElementById('hl').hidden"
        )
        page.wait_for_timeout(300)
        pane = page.eval_on_selector(
            ".source-pane", "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }"
        )
        if width == 1280:
            assert pane[2] >= 0.40 * width, pane  # beside the tables, at least 40% of the width
        else:
            assert pane[2] >= 0.95 * width and pane[3] >= 0.4 * height, pane  # stacked above them, full width
        # the page shown is the cell's, and the outline sits on the cell's box, on screen
        geometry = page.evaluate("""() => {
            const img = document.getElementById('pageimg').getBoundingClientRect();
            const hl = document.getElementById('hl').getBoundingClientRect();
            const v = document.getElementById('viewer').getBoundingClientRect();
            return {img: [img.left, img.top, img.width], hl: [hl.left, hl.top, hl.width, hl.height],
                    viewer: [v.left, v.top, v.right, v.bottom]};
        }""")
        size = page.evaluate("JSON.parse(document.getElementById('data').textContent).pages")[where["page"] - 1]
        zoom = geometry["img"][2] / size[0]  # screen pixels per point
        x0, top, x1, bottom = where["box"]
        assert abs(geometry["hl"][0] + 3 - (geometry["img"][0] + x0 * zoom)) <= 2
        assert abs(geometry["hl"][1] + 3 - (geometry["img"][1] + top * zoom)) <= 2
        assert abs(geometry["hl"][2] - 6 - (x1 - x0) * zoom) <= 2
        v = geometry["viewer"]
        assert v[0] <= geometry["hl"][0] and geometry["hl"][0] + geometry["hl"][2] <= v[2]
        assert v[1] <= geometry["hl"][1] and geometry["hl"][1] + geometry["hl"][3] <= v[3]
        assert (bottom - top) * zoom >= 20  # zoomed in: the printed digits are larger than the table's own
        note = page.inner_text("#where-note")
        assert f"第 {where['page']} 页" in note and "框 [" in note and "本年新收政府信息公开申请数量" in note
        # the focused cell itself is not hidden under the sticky bar or the pane stacked above it
        focused = page.eval_on_selector(f'input[data-cell="{cell}"]', "e => e.getBoundingClientRect().top")
        covered = page.evaluate(
            "() => Math.max(document.getElementById('topbar').getBoundingClientRect().bottom, "
            "innerWidth < 900 ? document.querySelector('.source-pane').getBoundingClientRect()"
            ".bottom : 0)"
        )
        assert focused >= covered, (focused, covered)
        screenshot(page, f"review_desk_{width}.png")
        # zoom and pan: buttons change the scale, Alt+PageDown turns the page
        page.click("#zoom-in")
        page.wait_for_timeout(100)
        assert page.eval_on_selector("#pageimg", "e => e.getBoundingClientRect().width") > geometry["img"][2]
        page.focus(f'input[data-cell="{cell}"]')
        before = page.eval_on_selector("#page", "e => e.value")
        page.keyboard.press("Alt+PageDown")
        assert int(page.eval_on_selector("#page", "e => e.value")) == int(before) + 1
        page.keyboard.press("Alt+PageUp")
        violations = _axe(page)
        print(f"axe at {width}px: {violations}")
        assert _serious(violations) == [], violations
        assert page.errors == []
        page.context.close()


def _focus_name(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        if (!e || e === document.body) return 'body';
        return e.id ? '#' + e.id : e.dataset.cell ? 'cell:' + e.dataset.cell : e.dataset.section ?
            'section:' + e.dataset.section + '.' + e.dataset.key : e.dataset.status ? 'status:' + e.dataset.status :
            e.dataset.table ? 'accept:' + e.dataset.table : e.tagName + ':' + (e.textContent || '').trim().slice(0, 20); }""")


def test_a_keyboard_only_walk_reaches_every_control_and_saves(desk, browser):
    page = _tab(browser, 1280, 800)
    page.goto(f"{desk['url']}/report/pingtan-2023.txt")
    page.wait_for_selector("#tables input")
    # the first doubtful cell has the focus; the three cells of the run-together row are marked unreadable
    assert _focus_name(page) == "cell:active_disclosure.normative_docs.issued"
    assert "d1" in page.get_attribute('td[data-cell="active_disclosure.normative_docs.issued"]', "class")
    # the source (a text rendering) shows the span the cell was read from
    assert page.inner_text("#viewer mark.src-hl") == "77132470"
    # no keyboard trap: Tab and Shift+Tab move through the cells in order and out of the table to the controls
    # around it, doubtful cells or not
    page.keyboard.press("Shift+Tab")
    assert _focus_name(page) == "cell:active_disclosure.rules.in_force"
    page.focus('input[data-cell="active_disclosure.rules.issued"]')
    page.keyboard.press("Shift+Tab")
    assert _focus_name(page) == "accept:active_disclosure"
    page.focus('input[data-cell="active_disclosure.fees.amount_wan"]')
    page.keyboard.press("Tab")
    assert _focus_name(page) == "status:requests"
    # a walk with Tab from the top of the page reaches every control once, then wraps to the start
    controls = page.evaluate("""() => Array.from(document.querySelectorAll(
        'a[href], button, input, select, [tabindex="0"]')).filter(e => e.offsetParent !== null).length""")
    page.focus("a[href='/']")  # the first control of the page
    seen = [_focus_name(page)]
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        name = _focus_name(page)
        if name == seen[0]:
            break  # round the page and back: every control once, in order
        if name != "body":  # the browser's own window between the page's last control and its first
            seen.append(name)
    assert len(seen) == len(set(seen)) == controls, (len(seen), controls)
    for wanted in (
        "#save",
        "#save-bottom",
        "#meta-body",
        "#meta-year",
        "#meta-template",
        "#viewer",
        "status:requests",
        "accept:review_litigation",
        "section:6.end",
        "cell:active_disclosure.normative_docs.in_force",
        "cell:review_litigation.review.total",
    ):
        assert wanted in seen, wanted
    # F8 jumps to the next doubtful cell; the printed values are typed and accepted with Enter
    page.focus("#meta-body")
    page.keyboard.press("F8")
    assert _focus_name(page) == "cell:active_disclosure.normative_docs.issued"
    for value in ("77", "132", "470"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    assert "accepted" in page.get_attribute('td[data-cell="active_disclosure.normative_docs.in_force"]', "class")
    # accept the rest of table 2 (its unsure cells read with a value) with its button, by keyboard
    page.focus('button.accept-rest[data-table="requests"]')
    page.keyboard.press("Enter")
    assert "已确认" in page.inner_text("#t-requests .tablenote")
    assert page.eval_on_selector_all("#t-requests td.doubt", "els => els.length") == 0
    # Save, reached by Tab from the top of the page (it stays in the bar above), pressed with Enter
    page.focus("a[href='/']")
    page.keyboard.press("Tab")
    assert _focus_name(page) == "#save"
    page.keyboard.press("Enter")
    page.wait_for_selector("#status.ok, #status.error")
    assert "已保存" in page.inner_text("#status"), page.inner_text("#status")
    gold = json.loads((desk["labels"] / "pingtan-2023.txt.gold.json").read_text(encoding="utf-8"))
    assert gold["tables"]["active_disclosure"]["rows"]["normative_docs"] == {
        "issued": 77,
        "repealed": 132,
        "in_force": 470,
    }
    page.evaluate("window.scrollTo(0, 0)")
    page.focus('input[data-cell="active_disclosure.normative_docs.issued"]')
    page.wait_for_timeout(300)
    screenshot(page, "review_text_source.png")
    violations = _axe(page)
    print(f"axe on a text report: {violations}")
    assert _serious(violations) == [], violations
    assert page.errors == []
    page.context.close()


def test_the_queue_shows_failed_files_and_missing_tables(desk, browser):
    for width, height in ((1280, 800), (800, 900)):
        page = _tab(browser, width, height)
        page.goto(desk["url"] + "/")
        rows = {
            r[0].split("\n")[0]: r
            for r in page.eval_on_selector_all(
                "#queue tr", "trs => trs.slice(1).map(t => Array.from(t.cells).map(c => c.innerText))"
            )
        }
        assert "读取失败" in rows["broken-2024.pdf"][3]
        assert "缺表：主动公开政府信息情况、收到和处理政府信息公开申请情况" in rows["gejiu-2020.txt"][3]
        assert "未识别机关" in rows["excerpt-017.txt"][3]
        first = page.eval_on_selector("#queue tr:nth-child(2) td", "e => e.innerText")
        assert first.startswith("broken-2024.pdf")  # most in need first: nothing of it could be read
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth + 1")  # no sideways scrolling
        if width == 1280:
            screenshot(page, "review_queue.png")
        violations = _axe(page)
        print(f"axe on the queue at {width}px: {violations}")
        assert _serious(violations) == [], violations
        page.context.close()


def test_the_audit_view_lists_every_body_of_the_batch(desk, browser):
    if bundled.missing(*bundled.CHARTS):
        pytest.skip(f"the Vega libraries are not cached: {bundled.fetch_command(*bundled.CHARTS)}")
    summary = desk["base"] / "processed" / "summary.html"
    bodies = set()
    for p in (desk["base"] / "reports").glob("*.json"):
        report = json.loads(p.read_text(encoding="utf-8"))
        bodies.add(report["meta"]["body"] or "（未识别机关）")
    for width, height in ((1280, 800), (800, 900)):
        page = _tab(browser, width, height)
        page.goto(summary.as_uri())
        page.wait_for_selector("#chart-audit svg.marks", state="attached", timeout=30_000)
        listed = page.eval_on_selector_all("#audit tbody td:first-child b", "els => els.map(e => e.textContent)")
        assert set(listed) == bodies | {"（读取失败的文件）"}, (listed, bodies)
        assert listed.count("平潭综合实验区") == 2  # 2021 and 2023: one row per body and year, whatever the formats
        if width == 1280:
            page.evaluate("document.getElementById('s-audit').scrollIntoView()")
            screenshot(page, "summary_audit.png")
            page.evaluate("document.getElementById('s-charts').scrollIntoView()")
            page.wait_for_timeout(300)
            screenshot(page, "summary_charts.png")
        violations = _axe(page)
        print(f"axe on the summary at {width}px: {violations}")
        assert _serious(violations) == [], violations
        assert page.errors == []
        page.context.close()


@pytest.mark.slow  # a report printed, scanned and read by OCR (about a minute); run by .ci/run (-m slow)
def test_a_scan_marks_only_its_doubtful_cells_and_shows_each_on_the_page(tmp_path, browser):
    """Doubt with a priority: on a scan, only cells read less sure than ocr.min_confidence and not confirmed by
    the sums, unreadable cells and cells in failing checks are marked — not every cell read from pixels."""
    import random

    from fixtures import make_report_pdf
    from pipeline.modeling.synth_scan import scan_pdf
    from pipeline.outputs.queue import cell_doubts, min_confidence

    docs = tmp_path / "docs"
    docs.mkdir()
    scan_pdf(
        make_report_pdf(tmp_path / "original.pdf"), docs / "scan-2024.pdf", random.Random(11), ocr_layer=False, dpi=200
    )
    run_batch([str(docs)], str(tmp_path / "reports"), Extract(models_dir=None))
    report = json.loads((tmp_path / "reports" / "scan-2024.pdf.json").read_text(encoding="utf-8"))
    ocr = [
        (t, r, c, cell)
        for t, tt in report["tables"].items()
        for r, cols in (tt.get("cells") or {}).items()
        for c, cell in cols.items()
        if cell.get("source") == "ocr"
    ]
    threshold = min_confidence(ROOT / "params.yaml")
    doubts = cell_doubts(report, threshold)
    failing = {name for c in report["checks"] if c["ok"] is False for name in c["cells"]}
    sure = 0
    for t, r, c, cell in ocr:
        name, value = f"{t}.{r}.{c}", report["tables"][t]["rows"][r][c]
        unsure = cell["confidence"] < threshold and cell.get("checked") != "sums"
        assert (name in doubts) == (value is None or name in failing or unsure), (name, cell)
        sure += name not in doubts
    print(f"{len(ocr)} cells read by OCR, {len(doubts)} doubtful, {sure} sure and unmarked")
    assert len(ocr) >= 150 and sure >= 0.4 * len(ocr)  # a scan is not a blanket of yellow
    with _serve(tmp_path, docs) as url:
        page = _tab(browser, 1280, 800)
        page.goto(f"{url}/report/scan-2024.pdf")
        page.wait_for_selector("#tables input")
        marked = page.eval_on_selector_all("td.doubt", "els => els.map(e => e.dataset.cell)")
        assert sorted(marked) == sorted(doubts)
        if doubts:  # F8 walks them, each shown on its page, outlined
            page.focus("#meta-body")
            page.keyboard.press("F8")
            name = page.evaluate("document.activeElement.dataset.cell")
            assert name in doubts
            where = report["tables"][name.split(".")[0]]["cells"][".".join(name.split(".")[1:-1])][name.split(".")[-1]]
            if "box" in where.get("where", {}):
                page.wait_for_function("!document.getElementById('hl').hidden")
        else:
            page.focus('input[data-cell="requests.new_received.total"]')
            page.wait_for_function("!document.getElementById('hl').hidden")
        page.wait_for_timeout(500)
        screenshot(page, "review_scan_1280.png")
        violations = _axe(page)
        print(f"axe on a scan: {violations}")
        assert _serious(violations) == [], violations
        page.context.close()
