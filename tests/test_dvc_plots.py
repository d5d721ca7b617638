"""`dvc plots show` renders offline: the page DVC writes with the project's template (.dvc/config:
plots.html_template, made by scripts/setup.sh) has no remote script, and in a headless Chromium with no network
every chart draws."""

import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(shutil.which("dvc") is None or CHROMIUM is None, reason="needs dvc and Debian's chromium")
def test_plots_page_has_no_remote_script_and_renders_offline(tmp_path):
    from playwright.sync_api import sync_playwright

    template = ROOT / ".dvc" / "offline_plots.html"
    if not template.exists():  # made by scripts/setup.sh; made here for a checkout that skipped it
        subprocess.run([sys.executable, str(ROOT / "scripts" / "plots_template.py")], check=True, timeout=600)
    out = tmp_path / "plots"
    run = subprocess.run(
        ["dvc", "plots", "show", "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "cdn.jsdelivr" not in page
    charts = re.findall(r'<div id = "([^"]+)">', page)  # DVC's container of each plot, with its spec inside
    assert len(charts) >= 2  # the confusion plots of evaluate and crossfit
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9"]
        )
        context = browser.new_context(offline=True)
        tab = context.new_page()
        requests = []
        tab.on("request", lambda r: requests.append(r.url))
        errors = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto((out / "index.html").as_uri())
        for chart in charts:  # each chart's own container holds the drawn marks
            tab.wait_for_selector(f"#{chart} canvas.marks, #{chart} svg.marks", state="attached", timeout=30_000)
        assert errors == []
        assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
        browser.close()
