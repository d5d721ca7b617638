"""The corpus summary page, rendered by a real headless Chromium."""
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from pipeline.outputs.export import export
from pipeline.batch.extract import run_batch

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_summary_page_renders_with_plots_and_review_queue(tmp_path):
    inputs = [str(ROOT / "data" / "raw" / n) for n in ("qingtongxia-2020.txt", "pingtan-2023.txt", "gejiu-2020.txt")]
    run_batch(inputs, str(tmp_path / "reports"), None)
    export(tmp_path / "reports", tmp_path / "out")
    page = tmp_path / "out" / "summary.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert "3 reports;" in dom
    assert len(re.findall(r"<svg", dom)) == 2  # both plots are drawn inline
    review = dom[dom.index('id="review"'):]
    # pingtan-2023.txt holds the unreadable run-together 行政规范性文件 row: it is queued, with a link to its JSON
    assert 'href="../reports/pingtan-2023.txt.json">pingtan-2023.txt</a>' in review
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
