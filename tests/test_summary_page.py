"""The corpus summary page, opened by a real headless Chromium with no network: the audit view (sortable,
filterable), the charts drawn by the Vega libraries copied beside the page, the review queue and the report pages."""

import os
import re
import shutil

import pytest

from conftest import ROOT
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract
from pipeline.outputs import bundled
from pipeline.outputs.export import export

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9"]
        )
        yield b
        b.close()


def _open(browser, page_file, width=1280, height=900):
    """The page in an offline context; every request it makes is recorded (only file: ones may be)."""
    context = browser.new_context(offline=True, viewport={"width": width, "height": height})
    tab = context.new_page()
    requests, errors = [], []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(page_file.as_uri())
    return tab, requests, errors


def test_summary_page_renders_with_charts_audit_and_review_queue(tmp_path, browser):
    if bundled.missing(*bundled.CHARTS):
        pytest.skip(f"the Vega libraries are not cached: {bundled.fetch_command(*bundled.CHARTS)}")
    inputs = [str(ROOT / "data" / "raw" / n) for n in ("qingtongxia-2020.txt", "pingtan-2023.txt", "gejiu-2020.txt")]
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n")
    run_batch(inputs + [str(tmp_path / "broken.pdf")], str(tmp_path / "reports"), Extract(models_dir=None))
    export(tmp_path / "reports", tmp_path / "out")
    tab, requests, errors = _open(browser, tmp_path / "out" / "summary.html")
    for chart in ("chart-audit", "chart-years"):
        tab.wait_for_selector(f"#{chart} svg.marks", state="attached", timeout=30_000)
    assert "没有不符的核对" in tab.inner_text("#s-charts")  # no check fails in these reports: no empty chart
    assert errors == [] and [u for u in requests if not u.startswith(("file:", "data:"))] == []
    totals = tab.inner_text("#totals")
    assert "3 份报告（3 个文件" in totals and "1 个文件读取失败" in totals
    # the audit: one row per body and year, and the failed file
    bodies = tab.eval_on_selector_all("#audit tbody tr td:first-child b", "els => els.map(e => e.textContent)")
    assert sorted(bodies) == sorted(["个旧市", "平潭综合实验区", "青铜峡市", "（读取失败的文件）"])
    gejiu = tab.inner_text("#audit tbody tr:has-text('个旧市')")
    assert "不符合" in gejiu and "缺表：主动公开、依申请公开、复议诉讼" in gejiu
    # filter: only the rows failing 三张表齐全
    tab.select_option("#audit-criterion", "tables")
    shown = tab.eval_on_selector_all(
        "#audit tbody tr:not([hidden]) td:first-child b", "els => els.map(e => e.textContent)"
    )
    assert shown == ["个旧市"] and tab.inner_text("#audit-count") == "1 行"
    tab.select_option("#audit-criterion", "")
    # sort by year, descending on the second press
    tab.click("#audit th button[data-key='1']")
    tab.click("#audit th button[data-key='1']")
    years = tab.eval_on_selector_all("#audit tbody tr td:nth-child(2)", "els => els.map(e => e.textContent)")
    assert years[0] == "2023" and tab.get_attribute("#audit th:nth-child(2)", "aria-sort") == "descending"
    # the queue: the failed file and the report with missing tables are there, with why
    review = tab.inner_text("#review")
    assert "broken.pdf" in review and "读取失败" in review
    assert "gejiu-2020.txt" in review and "缺表" in review
    assert tab.get_attribute("#review a:text-is('pingtan-2023.txt')", "href") == "report/pingtan-2023.txt.html"
    # the hover values of the chart are there for every point (Vega's tooltip)
    assert tab.eval_on_selector_all("#chart-years svg path[aria-roledescription='line mark']", "els => els.length") >= 1
    tab.context.close()
    own, _, errors = _open(browser, tmp_path / "out" / "report" / "pingtan-2023.txt.html")
    html = own.content()
    assert errors == [] and "行政规范性文件" in html and 'data-cell="active_disclosure.normative_docs.issued"' in html
    assert 'href="../../reports/pingtan-2023.txt.json"' in html
    assert re.search(r'href="[^"]*data/raw/pingtan-2023.txt">源文件', html)
    assert "requests.balance" in html and "申请数量平衡" in html
    own.context.close()


def test_the_bundled_corpus_counts_each_report_once(tmp_path, browser):
    """data/raw holds pingtan's reports as .html and .txt, and as -lo.docx and -lo.pdf too, and page excerpts."""
    result = run_batch([str(ROOT / "data" / "raw")], str(tmp_path / "reports"), Extract(models_dir=None))
    assert result.errors == []
    files = len(list((tmp_path / "reports").glob("*.json")))
    export(tmp_path / "reports", tmp_path / "out")
    tab, _, errors = _open(browser, tmp_path / "out" / "summary.html")
    if not bundled.missing(*bundled.CHARTS):
        tab.wait_for_selector("#chart-years svg.marks", state="attached", timeout=30_000)
    dom = tab.content()
    # pingtan 2019, 2021, 2023, 2025, qingtongxia, suizhou, gejiu and the two Shanghai reports
    assert f"9 份报告（{files} 个文件" in dom
    assert "6 个片段" in dom
    distinct = dom[dom.index('id="reports"') : dom.index("</table>", dom.index('id="reports"'))]
    pingtan = re.findall(r"<tr><td>平潭综合实验区</td><td>(\d+)</td>", distinct)
    assert pingtan == ["2019", "2021", "2023", "2025"]  # each year once, whatever its formats
    row_2021 = distinct[distinct.index("<td>2021</td>") :]
    assert all(f"pingtan-2021{s}" in row_2021.split("</tr>")[0] for s in (".html", ".txt", "-lo.docx", "-lo.pdf"))
    fragments = dom[dom.index('id="fragments"') :]
    assert fragments.count('href="report/excerpt-') == 6
    counts = dom[dom.index('id="counts"') : dom.index("</table>", dom.index('id="counts"'))]
    assert "<tr><td>2021</td><td>2021</td><td>1</td></tr>" in counts  # pingtan 2021 once, not four times
    # the audit lists every body of the batch: 9 reports and 6 fragments, one row each
    rows = tab.eval_on_selector_all("#audit tbody tr", "els => els.length")
    assert rows == 15
    if not bundled.missing(*bundled.CHARTS):
        # integer axes on a symmetric log scale: every tick label of the chart is a whole number
        ticks = tab.eval_on_selector_all(
            "#chart-years svg g[aria-label^='Y-axis'] .role-axis-label text", "els => els.map(e => e.textContent)"
        )
        assert ticks[0] == "0" and all(re.fullmatch(r"[\d,]+", t) for t in ticks), ticks
        values = [int(t.replace(",", "")) for t in ticks]
        assert values == sorted(values) and len(values) >= 4  # decades of a log scale, Vega dropping any that overlap
    assert errors == []
    tab.context.close()
