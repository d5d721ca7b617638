"""Batch runs: worker processes, resuming, the per-report time limit, and a real Dask cluster.

Every test runs the real pipeline on real files (corpus reports, a reportlab PDF); none replaces a component.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from fixtures import make_report_pdf
from pipeline.batch.run import run_batch
from pipeline.batch.runners import InProcess, ProcessPool
from pipeline.batch.stages import Extract

CORPUS = ["pingtan-2021.html", "pingtan-2023.txt", "gejiu-2020.txt", "suizhou-2020.txt"]


def _inputs(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in CORPUS:
        shutil.copy(ROOT / "data" / "raw" / name, src / name)
    make_report_pdf(src / "made.pdf")
    (src / "empty.txt").write_bytes(b"")
    return src


def _long_pdf(path, pages=300):
    """A real PDF whose text takes seconds to read: the file that would stall a batch without a time limit."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for p in range(pages):
        c.setFont("STSong-Light", 10)
        for i in range(60):
            c.drawString(40, 800 - i * 13, f"第{p}页第{i}行 本机关扎实推进政务公开工作，全年主动公开政府信息。")
        c.showPage()
    c.save()


def _outputs(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True, timeout=900, env=env
    )


def test_worker_processes_give_the_same_bytes_as_one_process(tmp_path):
    src = _inputs(tmp_path)
    one = run_batch([str(src)], str(tmp_path / "one"), Extract(models_dir="models"))
    run_batch([str(src)], str(tmp_path / "two"), Extract(models_dir="models"), ProcessPool(2))
    assert len(one.written) == 5 and [e["file"] for e in one.errors] == [str(src / "empty.txt")]
    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "two")
    run_batch([str(src)], str(tmp_path / "again"), Extract(models_dir="models"), ProcessPool(2))
    assert _outputs(tmp_path / "again") == _outputs(tmp_path / "two")
    report = json.loads((tmp_path / "two" / "made.pdf.json").read_text(encoding="utf-8"))
    assert report["tables"]["requests"]["rows"]["total"]["total"] == 21
    assert len(report["provenance"]["sha256"]) == 64


def test_a_rerun_redoes_only_what_is_missing_changed_or_out_of_date(tmp_path):
    from pipeline.modeling.train import train_row_labeler

    src = _inputs(tmp_path)
    out = tmp_path / "out"
    trained = str(tmp_path / "models")  # a trained model file, so that "other models" below really are other
    train_row_labeler({"per_row": 8, "seed": 3}, trained)
    first = run_batch([str(src)], str(out), Extract(models_dir=trained))
    assert first.skipped == [] and len(first.written) == 5
    before = _outputs(out)

    # an interrupted run: one output never written, a temporary file left behind
    (out / "gejiu-2020.txt.json").unlink()
    (out / ".tmp-abc.json").write_text("{", encoding="utf-8")
    # a file changed since: its output is out of date
    changed = src / "suizhou-2020.txt"
    changed.write_bytes(changed.read_bytes() + "\n附件：无\n".encode("utf-8"))
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}

    second = run_batch([str(src)], str(out), Extract(models_dir=trained))
    assert sorted(os.path.basename(p) for p in second.skipped) == [
        "made.pdf.json",
        "pingtan-2021.html.json",
        "pingtan-2023.txt.json",
    ]
    assert len(second.written) == 5 and len(second.errors) == 1  # the empty file is tried again and fails again
    for name in ("made.pdf.json", "pingtan-2021.html.json", "pingtan-2023.txt.json"):
        assert (out / name).stat().st_mtime_ns == mtimes[name]  # kept, not rewritten
    after = _outputs(out)
    assert after["gejiu-2020.txt.json"] == before["gejiu-2020.txt.json"]
    assert after["suizhou-2020.txt.json"] != before["suizhou-2020.txt.json"]

    # outputs made by other models (here the built-in ones) are out of date too
    third = run_batch([str(src)], str(out), Extract(models_dir=None))
    assert third.skipped == [] and len(third.written) == 5


def test_the_time_limit_stops_one_file_and_the_batch_goes_on(tmp_path):
    src = _inputs(tmp_path)
    _long_pdf(src / "long.pdf")
    for workers in (0, 2):
        out = tmp_path / f"out{workers}"
        started = time.monotonic()
        runner = ProcessPool(workers, time_limit=3) if workers else InProcess(time_limit=3)
        result = run_batch([str(src)], str(out), Extract(models_dir="models"), runner)
        elapsed = time.monotonic() - started
        timeouts = [e for e in result.errors if e["stage"] == "timeout"]
        assert [e["file"] for e in timeouts] == [str(src / "long.pdf")]
        assert "time limit exceeded" in timeouts[0]["message"]
        assert len(result.written) == 5
        assert elapsed < 60
        recorded = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
        assert {e["file"] for e in recorded} == {str(src / "long.pdf"), str(src / "empty.txt")}


def test_the_command_line_shows_progress_and_runs_workers(tmp_path):
    src = _inputs(tmp_path)
    run = _cli("extract", str(src), "--out", str(tmp_path / "out"), "--workers", "2")
    assert run.returncode == 1  # one input failed
    assert "6/6" in run.stderr and "report/s" in run.stderr and "failed=1" in run.stderr
    assert "5 report(s) written" in run.stderr
    rerun = _cli("extract", str(src), "--out", str(tmp_path / "out"), "--workers", "2", "--keep-going")
    assert rerun.returncode == 0 and "(5 already up to date)" in rerun.stderr


def _this_checkout() -> dict:
    """The environment for a driver script and the Dask workers it starts: this checkout's package first, whatever
    copy pip installed."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))


DASK_DRIVER = r"""
import os, subprocess, sys
from distributed import LocalCluster

if __name__ == "__main__":
    src, out_flag, out_env = sys.argv[1:4]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        base = [sys.executable, "-m", "pipeline", "extract", src, "--keep-going", "--quiet"]
        a = subprocess.run(base + ["--out", out_flag, "--scheduler", cluster.scheduler_address])
        env = dict(os.environ, DASK_SCHEDULER_ADDRESS=cluster.scheduler_address)
        b = subprocess.run(base + ["--out", out_env], env=env)
        sys.exit(a.returncode or b.returncode)
"""


@pytest.mark.slow  # slow: a real Dask LocalCluster; run by .ci/run (-m slow)
def test_a_real_dask_cluster_gives_the_same_outputs(tmp_path):
    pytest.importorskip("distributed")
    src = _inputs(tmp_path)
    run_batch([str(src)], str(tmp_path / "local"), Extract(models_dir="models"))
    driver = tmp_path / "driver.py"
    driver.write_text(DASK_DRIVER, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(driver), str(src), str(tmp_path / "flag"), str(tmp_path / "env")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=_this_checkout(),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    local = _outputs(tmp_path / "local")
    assert _outputs(tmp_path / "flag") == local
    assert _outputs(tmp_path / "env") == local


TRAIN_DRIVER = r"""
import subprocess, sys
from distributed import LocalCluster

if __name__ == "__main__":
    syn, out = sys.argv[1:3]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = subprocess.run([sys.executable, "-m", "pipeline", "train", "--synthetic", syn, "--out", out,
                              "--scheduler", cluster.scheduler_address])
        sys.exit(run.returncode)
"""


@pytest.mark.slow  # slow: a real Dask LocalCluster; run by .ci/run (-m slow)
def test_training_runs_on_a_real_dask_cluster_through_joblib(tmp_path):
    """`train --scheduler` fits the three models as joblib tasks on Dask workers; they equal the local ones."""
    pytest.importorskip("distributed")
    from pipeline.extraction.labels import ColumnLabeler, RowLabeler
    from pipeline.modeling.synthesize import generate

    generate(tmp_path / "syn" / "train", 7, seed=5, raw_dir=ROOT / "data" / "raw")
    local = _cli("train", "--synthetic", str(tmp_path / "syn"), "--out", str(tmp_path / "local"), "--jobs", "1")
    assert local.returncode == 0, local.stderr[-2000:]
    driver = tmp_path / "train_driver.py"
    driver.write_text(TRAIN_DRIVER, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(driver), str(tmp_path / "syn"), str(tmp_path / "dask")],
        cwd=ROOT,
        env=_this_checkout(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    for name in ("row_labeler.joblib", "column_labeler.joblib", "section_model.joblib"):
        assert (tmp_path / "dask" / name).exists()
    probes = ["（三）不予公开／1.属于国家秘密", "法人或其他组织／商业企业", "四、结转下年度继续办理"]
    for cls, name in ((RowLabeler, "row_labeler.joblib"), (ColumnLabeler, "column_labeler.joblib")):
        a, b = cls.load(tmp_path / "local" / name), cls.load(tmp_path / "dask" / name)
        # the same fits; the last bits of a probability may differ with the BLAS threads of another process
        assert [(c, round(p, 9)) for c, p in a.predict(probes)] == [(c, round(p, 9)) for c, p in b.predict(probes)]
    metrics = [json.loads((tmp_path / d / "train_metrics.json").read_text(encoding="utf-8")) for d in ("local", "dask")]
    keys = [k for k in metrics[0] if "seconds" not in k]
    assert {k: metrics[0][k] for k in keys} == {k: metrics[1][k] for k in keys}


def test_benchmark_script_runs_from_a_plain_checkout(tmp_path):
    """The benchmark (not a timed test: only that it runs, pairs each format with its comparators and counts what it
    ran) works without the package being installed, as a user runs it: `python scripts/benchmark.py FILES`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = tmp_path / "bench.json"
    raw = ROOT / "data" / "raw"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "benchmark.py"),
            str(raw / "gejiu-2020.txt"),
            str(raw / "pingtan-2023.html"),
            "--repeat",
            "2",
            "--rounds",
            "1",
            "--memory-sizes",
            "3,6",
            "--models",
            str(tmp_path / "no-models"),
            "--json",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["per_report"]) == {"txt", "html"}
    for row in figures["per_report"].values():
        assert row["files"] == 2 and row["failed"] == 0 and row["project_seconds"]["min"] > 0
    assert figures["per_report"]["html"]["lxml_parse_seconds"]["min"] > 0  # the comparator ran in the same round
    assert figures["workers"]["reports"] == 16
    for key in ("workers_1", "workers_2", "dask_2_workers"):
        row = figures["workers"][key]
        assert row["failed"] == 0 and row["reports_per_s_median"] > 0 and row["cpu_seconds"]["median"] > 0
    # Dask's workers read and write themselves: the client's own CPU is reported apart from the cluster's
    assert figures["workers"]["dask_2_workers"]["client_cpu_ms_per_report_median"] > 0
    assert figures["workers"]["dask_2_workers"]["cluster_cpu_seconds"]["median"] > 0
    assert {k: v["failed"] for k, v in figures["memory"].items()} == {"3": 0, "6": 0}
    assert set(figures["targets"]) == {
        "html_vs_lxml_parse",
        "text_html_reports_per_s_2_workers",
        "memory_largest_vs_smallest",
        "dask_vs_workers_2_throughput",
        "dask_client_cpu_ms_per_report",
    }
    assert set(figures["machine"]["load_average_1min"]) == {"start", "end"}


def test_an_engine_error_that_wraps_a_traceback_is_recorded_by_what_went_wrong():
    """RapidOCR wraps an ONNX Runtime failure it caught in its own error, whose message is the whole traceback (its
    sessions run the `rapidocr3` engine, and the 1.4.4 wheel's where OpenVINO is not installed): the batch's record
    of it (errors.jsonl) says what went wrong, not `Traceback (most recent call last):`."""
    np = pytest.importorskip("numpy")
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    from rapidocr_onnxruntime.utils import OrtInferSession

    from pipeline.batch.tasks import gist

    session = OrtInferSession(
        {"model_path": str(Path(rapidocr.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx")}
    )
    try:
        session(np.zeros((1, 1, 48, 100), np.float32))  # one channel where the model takes three
    except Exception as e:
        assert str(e).startswith("Traceback")  # the engine's own message
        said, kind = gist(e), type(e).__name__
    else:
        pytest.fail("the recogniser took a one-channel picture")
    assert said.startswith(f"{kind}: ") and "Traceback" not in said
    assert "INVALID_ARGUMENT" in said and "Expected: 3" in said
    assert len(said) < 240
    assert gist(KeyError("row")) == "KeyError: 'row'" and gist(ValueError()) == "ValueError"


def test_a_time_limit_that_lands_where_code_swallows_it_is_raised_again():
    """A Dask worker's thread is stopped by an exception raised in it asynchronously, which can land in code that
    swallows it (a garbage collector's callback, a `__del__`): the stop is raised again until the thread leaves, so
    a report past its limit never runs on."""
    import threading

    from pipeline.batch.tasks import TimeLimitExceeded, time_limit

    result: dict = {"swallowed": 0}

    def work():
        try:
            with time_limit(0.3) as limit:
                result["limit"] = limit
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    try:
                        time.sleep(0.01)
                    except TimeLimitExceeded:
                        result["swallowed"] += 1  # the first stop lands where it is swallowed
                        if result["swallowed"] > 1:
                            raise
        except TimeLimitExceeded:
            result["stopped"] = time.monotonic()

    started = time.monotonic()
    thread = threading.Thread(target=work)
    thread.start()
    thread.join(15)
    assert result["swallowed"] == 2 and result["limit"]["fired"]
    assert result["stopped"] - started < 3


def test_time_limits_in_a_worker_thread_share_one_watchdog_thread(monkeypatch):
    """A Dask worker runs reports of milliseconds one after another in a thread, each under its time limit: the
    limits are kept by one watchdog thread of the process, not a thread started for each report (starting one
    waits for it to run, which under a busy worker's GIL cost a large share of such a report)."""
    import threading

    from pipeline.batch.tasks import time_limit

    started: list = []
    start = threading.Thread.start

    def counted(self):
        started.append(self.name)
        return start(self)

    done: list = []

    def work():
        for _ in range(200):
            with time_limit(600) as limit:
                pass
            done.append(limit["fired"])

    monkeypatch.setattr(threading.Thread, "start", counted)  # the threads the 200 limits start
    thread = threading.Thread(target=work)
    start(thread)
    thread.join(30)
    assert done == [False] * 200
    assert len(started) <= 1, started  # the watchdog, when no limit before this test started it
