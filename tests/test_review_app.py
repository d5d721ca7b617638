"""The review app, run for real (`python -m pipeline review` on a free port) and driven by a real headless Chromium
(Debian's /usr/bin/chromium through Playwright; no browser is downloaded)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, screenshot
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract
from pipeline.modeling.labeling import validate_dir

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPORT = "pingtan-2023.txt"  # its 行政规范性文件 row is printed run together (77132470): three unreadable cells


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None, data: bytes | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The real pipeline run on a bundled report, then the real app serving its output."""
    base = tmp_path_factory.mktemp("review")
    docs = base / "docs"
    docs.mkdir()
    shutil.copy(ROOT / "data" / "raw" / REPORT, docs / REPORT)
    (docs / "secret.txt").write_text("not a report", encoding="utf-8")
    # a pipeline whose training reads the labels folder, as the project's dvc.yaml does
    (base / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: train\n    deps: [labels]\n    outs: [models]\n"
        "  predict:\n    cmd: predict\n    deps: [models]\n    outs: [predicted]\n"
        "  export:\n    cmd: export\n    deps: [docs]\n    outs: [processed]\n",
        encoding="utf-8",
    )
    result = run_batch([str(docs / REPORT)], str(base / "reports"), Extract(models_dir=None))
    assert result.errors == []
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
            "--dvc",
            str(base / "dvc.yaml"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it answers (readiness, not a timed assertion)
            try:
                if _get(url + "/")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (base / "server.log").read_text()
            time.sleep(0.1)
        yield {"url": url, "labels": base / "labels", "base": base}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --dev installs it)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def test_correct_cells_in_the_browser_and_save_a_gold_file(app, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.goto(app["url"] + "/")
    page.click(f'#queue a:text-is("{REPORT}")')  # the queue links to the report's page
    page.wait_for_selector("#tables input")
    # the three unreadable cells are highlighted, and the first has the focus
    cell = 'input[data-cell="active_disclosure.normative_docs.{}"]'
    for col in ("issued", "repealed", "in_force"):
        assert "doubt" in page.get_attribute(f'td[data-cell="active_disclosure.normative_docs.{col}"]', "class")
    assert page.evaluate("document.activeElement.dataset.cell") == "active_disclosure.normative_docs.issued"
    # keyboard only: type the printed value, Enter accepts it and moves to the next doubtful cell
    for value in ("77", "132", "470"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    assert page.input_value(cell.format("repealed")) == "132"
    assert "accepted" in page.get_attribute('td[data-cell="active_disclosure.normative_docs.in_force"]', "class")
    # sums are re-checked as you type: a wrong total fails at once, the printed one holds again
    total = 'input[data-cell="requests.total.total"]'
    printed = page.input_value(total)
    assert page.get_attribute("#live", "data-failing") == "0"
    page.fill(total, str(int(printed) + 1))
    assert int(page.get_attribute("#live", "data-failing")) > 0
    assert "fail" in page.get_attribute('td[data-cell="requests.total.total"]', "class")
    page.fill(total, printed)
    assert page.get_attribute("#live", "data-failing") == "0"
    page.click("#save")
    page.wait_for_selector("#status.ok, #status.error")
    status = page.inner_text("#status")
    screenshot(page, "review_app.png")
    assert "已保存" in status and "`dvc repro` 将重跑 train" in status and "随后 predict" in status, status
    assert "export" not in status
    gold_file = app["labels"] / f"{REPORT}.gold.json"
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    assert gold["tables"]["active_disclosure"]["rows"]["normative_docs"] == {
        "issued": 77,
        "repealed": 132,
        "in_force": 470,
    }
    assert gold["tables"]["requests"]["rows"]["total"]["total"] == int(printed)
    assert validate_dir(app["labels"]).errors == []
    assert [p.name for p in app["labels"].iterdir()] == [f"{REPORT}.gold.json"]
    page.close()


def test_a_page_of_another_origin_cannot_make_it_write(app, browser, tmp_path):
    """A web page on another origin, open in the same browser, posts a gold file: refused, nothing written."""
    target = app["labels"] / f"{REPORT}.gold.json"
    before = target.read_bytes() if target.exists() else None
    evil = tmp_path / "evil"
    evil.mkdir()
    payload = json.dumps(
        {"document": REPORT, "meta": {"body": "x", "year": 2023, "template": "2021"}, "sections": [], "tables": {}}
    )
    (evil / "index.html").write_text(
        "<script>fetch('%s/api/save/%s', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': "
        "'text/plain'}, body: %s}).then(() => document.title = 'sent', () => document.title = 'sent');</script>"
        % (app["url"], REPORT, json.dumps(payload)),
        encoding="utf-8",
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.2", "--directory", str(evil)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = browser.new_page()
        for _ in range(600):
            try:
                page.goto(f"http://127.0.0.2:{port}/index.html")
                break
            except Exception:
                time.sleep(0.1)
        page.wait_for_function("document.title === 'sent'")
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (target.read_bytes() if target.exists() else None) == before
    # the same refusals without a browser: another Origin, no token, another Host name
    url = f"{app['url']}/api/save/{REPORT}"
    body = payload.encode()
    assert _get(url, {"Content-Type": "application/json", "Origin": "http://evil.example"}, body, "POST")[0] == 403
    assert _get(url, {"Content-Type": "application/json"}, body, "POST")[0] == 403
    assert _get(app["url"] + "/", {"Host": "evil.example"})[0] == 403
    assert (target.read_bytes() if target.exists() else None) == before


def test_the_projects_pipeline_retrains_on_new_labels():
    from pipeline.outputs.review_app import dvc_consequences

    said = dvc_consequences(ROOT / "data" / "labels", ROOT / "dvc.yaml")
    assert said.startswith("`dvc repro` 将重跑 train") and "evaluate" in said and "track" in said


def test_report_names_cannot_reach_other_files(app):
    for path in [
        "/report/..%2F..%2Fetc%2Fpasswd",
        "/report/../../etc/passwd",
        "/source/..%2Fsecret.txt",
        "/source/secret.txt",
        "/page/..%2F..%2Fetc%2Fpasswd/1.png",
        "/static/..%2Freview_app.py",
        f"/page/{REPORT}/1.png",  # a text report has no pages to render
        "/api/tables/..%2Freports?template=2021",
    ]:
        status, body = _get(app["url"] + path)
        assert status == 404, (path, status)
        assert b"not a report" not in body and b"root:" not in body
    # the report's own source is served, as a download under a sandbox policy
    status, body = _get(f"{app['url']}/source/{REPORT}")
    assert status == 200 and body == (ROOT / "data" / "raw" / REPORT).read_bytes()
