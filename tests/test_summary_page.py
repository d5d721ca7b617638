"""The corpus summary page, rendered by a real headless Chromium."""
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from pipeline.outputs.export import export
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def _dom(page, tmp_path, shot=None):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    if shot:
        subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri()],
                       capture_output=True, timeout=120)
    return dom


def test_summary_page_renders_with_plots_and_review_queue(tmp_path):
    inputs = [str(ROOT / "data" / "raw" / n) for n in ("qingtongxia-2020.txt", "pingtan-2023.txt", "gejiu-2020.txt")]
    run_batch(inputs, str(tmp_path / "reports"), Extract(models_dir=None))
    export(tmp_path / "reports", tmp_path / "out")
    page = tmp_path / "out" / "summary.html"
    shot = tmp_path / "shot.png"
    dom = _dom(page, tmp_path, shot)
    assert "3 distinct reports (3 files" in dom
    assert len(re.findall(r"<svg", dom)) == 2  # both plots are drawn inline
    review = dom[dom.index('id="review"'):]
    # pingtan-2023.txt holds the unreadable run-together 行政规范性文件 row: it is queued, linked to its own page
    assert 'href="report/pingtan-2023.txt.html">pingtan-2023.txt</a>' in review
    own = _dom(tmp_path / "out" / "report" / "pingtan-2023.txt.html", tmp_path)
    assert "行政规范性文件" in own and 'data-cell="active_disclosure.normative_docs.issued"' in own
    assert 'href="../../reports/pingtan-2023.txt.json"' in own  # its JSON
    assert re.search(r'href="[^"]*data/raw/pingtan-2023.txt">source file', own)  # its source file
    assert "requests.balance" in own  # its checks
    assert shot.exists() and shot.stat().st_size > 10_000


def test_the_bundled_corpus_counts_each_report_once(tmp_path):
    """data/raw holds pingtan's reports as .html and .txt, and as -lo.docx and -lo.pdf too, and page excerpts."""
    result = run_batch([str(ROOT / "data" / "raw")], str(tmp_path / "reports"), Extract(models_dir=None))
    assert result.errors == []
    files = len(list((tmp_path / "reports").glob("*.json")))
    export(tmp_path / "reports", tmp_path / "out")
    shot = tmp_path / "summary.png"
    dom = _dom(tmp_path / "out" / "summary.html", tmp_path, shot)
    print(f"screenshot of the summary page: {shot}")
    # pingtan 2019, 2021, 2023, 2025, qingtongxia, suizhou, gejiu and the two Shanghai reports
    assert f"9 distinct reports ({files} files" in dom
    assert "6 fragments" in dom
    distinct = dom[dom.index('id="reports"'):dom.index("</table>", dom.index('id="reports"'))]
    pingtan = re.findall(r"<tr><td>平潭综合实验区</td><td>(\d+)</td>", distinct)
    assert pingtan == ["2019", "2021", "2023", "2025"]  # each year once, whatever its formats
    row_2021 = distinct[distinct.index("<td>2021</td>"):]
    assert all(f"pingtan-2021{s}" in row_2021.split("</tr>")[0] for s in (".html", ".txt", "-lo.docx", "-lo.pdf"))
    fragments = dom[dom.index('id="fragments"'):]
    assert fragments.count('href="report/excerpt-') == 6
    counts = dom[dom.index('id="counts"'):dom.index("</table>", dom.index('id="counts"'))]
    assert "<tr><td>2021</td><td>2021</td><td>1</td></tr>" in counts  # pingtan 2021 once, not four times
    # integer axes: every tick label of the plots is a whole number
    plots = dom[dom.index('id="plot-failures"'):dom.index("</figure>", dom.index('id="plot-years"'))]
    ticks = [t for t in re.findall(r">\s*([−\-]?[\d.,]+)\s*</text>", plots)]
    assert ticks and all(re.fullmatch(r"[−\-]?\d+", t) for t in ticks), ticks
    # no body has a report in every year plotted: no corpus total is drawn
    assert "No corpus total" in dom
