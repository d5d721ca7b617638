"""The MLflow UI opens the project's experiment on its training runs: a real `mlflow server` over a store the
project's tracking code wrote, opened by a real Chromium at the link `track` writes (metrics/mlflow_run.json)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import screenshot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # an MLflow server takes most of a minute to start here; run by .ci/run (-m slow)
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_link_opens_the_experiment_on_its_training_runs(tmp_path, monkeypatch):
    from pipeline.modeling.tracking import EXPERIMENT, start_run, ui_link

    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    monkeypatch.chdir(tmp_path)
    mlflow, run = start_run("abc1234 committed params · committed labels")
    with run:
        mlflow.log_metric("cells_accuracy", 0.99)
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            store,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1800):  # until it answers (readiness, not a timed assertion)
            try:
                with urllib.request.urlopen(base + "/health", timeout=10) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        link = ui_link(run.info.experiment_id, base)
        os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # what a fresh browser shows at the experiment's plain address (MLflow 3.17: the GenAI overview)
            page.goto(f"{base}/#/experiments/{run.info.experiment_id}")
            try:
                page.wait_for_function("location.hash.includes('workflowType')", timeout=30_000)
            except Exception:
                pass
            print(f"plain address lands on {page.url}")
            page.goto(link)
            page.get_by_text("abc1234 committed params · committed labels").first.wait_for(timeout=60_000)
            assert "/runs" in page.url and "workflowType=machine_learning" in page.url, page.url
            assert page.get_by_text(EXPERIMENT).first.is_visible()
            screenshot(page, "mlflow_runs.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
