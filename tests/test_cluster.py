"""A Dask cluster whose workers read their inputs and write their outputs themselves: a real distributed.LocalCluster
(two worker processes, started by a driver process as a user starts one) against a folder given as a `file://` URL,
and against a bucket of a real S3-compatible server (moto's standalone server, `moto_server`, a process of its own
answering HTTP on 127.0.0.1) read and written through s3fs. Nothing is mocked: the pipeline's own s3fs client talks
HTTP to the server, from this process (the client: listing names) and from the Dask workers (the reports).

Each run is compared with a run of the same files in one process: the same reports byte for byte, the same
errors.jsonl (but for where the files are), a resumed run that redoes nothing, and this process — the client —
reading a small part of the inputs' bytes (names, and small results).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline.batch.run import run_batch
from pipeline.batch.runners import DaskCluster, InProcess
from pipeline.batch.stages import Extract

pytestmark = pytest.mark.slow  # real clusters (and a server): run by .ci/run (-m slow)

RAW = ROOT / "data" / "raw"
MODELS = str(ROOT / "models") if (ROOT / "models").is_dir() else None
KEY, SECRET = "testing", "testing"


def _corpus(folder: Path) -> Path:
    """Real reports (with a previous year, and the same prose under another body: cross-year checks and copy flags),
    two files of one name in two folders, a zip with a member and a path-traversal member, a broken PDF and an empty
    file: everything a batch answers for."""
    folder.mkdir(parents=True)
    for name in ("pingtan-2021.txt", "pingtan-2023.html", "gejiu-2020.txt", "qingtongxia-2020.txt"):
        shutil.copy(RAW / name, folder / name)
    text = (RAW / "pingtan-2021.txt").read_text(encoding="utf-8")
    (folder / "pingtan-2022.txt").write_text(text.replace("2021年", "2022年"), encoding="utf-8")
    (folder / "other-body-2021.txt").write_text(
        text.replace("平潭综合实验区", "示例县").replace("平潭", "示例"), encoding="utf-8"
    )
    for sub, name in (("a", "suizhou-2020.txt"), ("b", "pingtan-2019.txt")):
        (folder / sub).mkdir()
        shutil.copy(RAW / name, folder / sub / "index.txt")
    with zipfile.ZipFile(folder / "downloads.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(RAW / "pingtan-2025.txt", "2025/report.txt")
        z.writestr("../escape.txt", "x")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    (folder / "empty.txt").write_bytes(b"")
    return folder


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name.endswith(".json")}


def _errors(text: str, where: str) -> list[dict]:
    """errors.jsonl's records with the folder or URL the inputs were given as taken out."""
    return [dict(e, file=e["file"].replace(where, "IN")) for e in map(json.loads, text.splitlines())]


def _read_bytes() -> int:
    """Bytes this process has read so far through system calls (files and sockets alike)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


DRIVER = r"""
import sys
from distributed import LocalCluster

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()  # until the test closes it
"""


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """A real S3-compatible server on 127.0.0.1 (moto's standalone server, installed by scripts/setup.sh --dev)."""
    pytest.importorskip("s3fs")
    server = shutil.which("moto_server")
    if server is None:
        pytest.skip("moto_server is not installed (pip install 'moto[server]': scripts/setup.sh --dev)")
    folder = tmp_path_factory.mktemp("moto")
    recording = folder / "requests.jsonl"  # every request it answers, headers and all
    log = folder / "server.log"  # a file, not a pipe: a pipe no one reads would stop the server once full
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", "0"],
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
        env=dict(os.environ, MOTO_ENABLE_RECORDING="true", MOTO_RECORDER_FILEPATH=str(recording)),
    )
    endpoint = None
    deadline = time.monotonic() + 60
    while endpoint is None and time.monotonic() < deadline and proc.poll() is None:
        text = log.read_text()
        if "Running on http://127.0.0.1:" in text:
            endpoint = "http://127.0.0.1:" + text.split("Running on http://127.0.0.1:")[1].split()[0].strip("/")
        time.sleep(0.1)
    if endpoint is None:
        proc.kill()
        pytest.fail(f"moto_server did not start: {log.read_text()[-2000:]}")
    yield endpoint, recording
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(moto):
    """A LocalCluster of two worker processes in a driver process of its own; its workers import this checkout and
    reach the S3 server through fsspec's settings in their environment (as a cluster's hosts would have them)."""
    pytest.importorskip("distributed")
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        FSSPEC_S3_ENDPOINT_URL=moto[0],
        FSSPEC_S3_KEY=KEY,
        FSSPEC_S3_SECRET=SECRET,
        AWS_EC2_METADATA_DISABLED="true",
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    address = proc.stdout.readline().strip()
    assert address.startswith("tcp://"), address
    yield address
    proc.stdin.close()
    proc.wait(timeout=60)


def _local(inputs: Path, out: Path):
    return run_batch([str(inputs)], str(out), Extract(models_dir=MODELS), InProcess())


def test_dask_workers_read_and_write_a_folder_url(tmp_path, cluster):
    inputs = _corpus(tmp_path / "in")
    local = _local(inputs, tmp_path / "local")
    assert len(local.written) == 9 and len(local.errors) == 3
    inputs_bytes = sum(p.stat().st_size for p in inputs.rglob("*") if p.is_file())
    from distributed import Client

    with Client(cluster) as client:  # connected before measuring: only the batch's own reading counts
        before = _read_bytes()
        result = run_batch(
            [f"file://{inputs}"], f"file://{tmp_path / 'dask'}", Extract(models_dir=MODELS), DaskCluster(client)
        )
        client_read = _read_bytes() - before
    print(f"the client read {client_read} bytes for {len(result.written)} reports of {inputs_bytes} bytes")
    assert _outputs(tmp_path / "dask") == _outputs(tmp_path / "local")
    assert (tmp_path / "dask" / "errors.jsonl").read_text(encoding="utf-8") == (
        tmp_path / "local" / "errors.jsonl"
    ).read_text(encoding="utf-8")
    assert [e["file"] for e in result.errors] == [e["file"] for e in local.errors]
    reports = [json.loads(v) for v in _outputs(tmp_path / "dask").values()]
    assert any(c["rule"].startswith("years.") for r in reports for c in r["checks"])  # the corpus-wide checks ran
    assert any(r.get("copies") for r in reports)
    assert client_read < 0.25 * inputs_bytes, (client_read, inputs_bytes)  # names and small results, not reports

    again = run_batch(
        [f"file://{inputs}"], f"file://{tmp_path / 'dask'}", Extract(models_dir=MODELS), DaskCluster(cluster)
    )
    assert len(again.skipped) == 9 and [e["file"] for e in again.errors] == [e["file"] for e in local.errors]
    assert _outputs(tmp_path / "dask") == _outputs(tmp_path / "local")


CLIENT_AGENT = "govreport-test-client"  # the User-Agent of this process's S3 requests, told apart from the workers'


def _records(text: str) -> list[dict]:
    """The requests moto's recorder wrote. Its server answers on many threads and writes a record and its newline
    in two calls, so a long record (a report's JSON in a PUT) can be followed by another thread's record before
    its newline: read the file as a stream of JSON objects, not as one object a line."""
    decoder, records, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return records
        record, at = decoder.raw_decode(text, at)
        records.append(record)


def test_dask_workers_read_and_write_an_s3_bucket(tmp_path, cluster, moto, monkeypatch):
    import fsspec
    import requests
    import s3fs

    endpoint, recording = moto
    monkeypatch.setitem(
        fsspec.config.conf,
        "s3",
        {"endpoint_url": endpoint, "key": KEY, "secret": SECRET, "config_kwargs": {"user_agent_extra": CLIENT_AGENT}},
    )
    fs = s3fs.S3FileSystem(endpoint_url=endpoint, key=KEY, secret=SECRET, skip_instance_cache=True)
    fs.mkdir("reports")
    inputs = _corpus(tmp_path / "in")
    fs.put(f"{inputs}/", "reports/in/", recursive=True)
    local = _local(inputs, tmp_path / "local")

    from distributed import Client

    with Client(cluster) as client:
        requests.post(f"{endpoint}/moto-api/recorder/reset-recording").raise_for_status()
        requests.post(f"{endpoint}/moto-api/recorder/start-recording").raise_for_status()
        result = run_batch(["s3://reports/in/"], "s3://reports/out", Extract(models_dir=MODELS), DaskCluster(client))
        requests.post(f"{endpoint}/moto-api/recorder/stop-recording").raise_for_status()
    fs.invalidate_cache()
    fs.get("reports/out/", f"{tmp_path / 'dask'}/", recursive=True)
    assert _outputs(tmp_path / "dask") == _outputs(tmp_path / "local")
    assert _errors((tmp_path / "dask" / "errors.jsonl").read_text(encoding="utf-8"), "s3://reports/in") == _errors(
        (tmp_path / "local" / "errors.jsonl").read_text(encoding="utf-8"), str(inputs)
    )
    assert [w.replace("s3://reports/out", "OUT") for w in result.written] == [
        w.replace(str(tmp_path / "local"), "OUT") for w in local.written
    ]  # in the order a folder is walked

    # who asked the server for what: the workers fetched every report and wrote every output; this process listed
    # names, read the zip's directory, and wrote errors.jsonl
    asked = _records(recording.read_text(encoding="utf-8"))
    mine = [r for r in asked if CLIENT_AGENT in r["headers"].get("User-Agent", "")]
    theirs = [r for r in asked if r not in mine]
    path = lambda r: r["url"].split("://", 1)[1].split("/", 1)[1].split("?")[0]  # noqa: E731
    reports = {f"reports/in/{p.relative_to(inputs).as_posix()}" for p in inputs.rglob("*.txt")} | {
        "reports/in/pingtan-2023.html"
    }
    assert reports - {"reports/in/empty.txt"} <= {path(r) for r in theirs if r["method"] == "GET"}
    assert not {path(r) for r in mine if r["method"] == "GET"} & reports, [path(r) for r in mine]
    assert {path(r) for r in mine if r["method"] == "PUT"} <= {"reports/out/errors.jsonl"} | {
        path(r) for r in mine if path(r).startswith("reports/out/.probe-")
    }
    assert {path(r) for r in theirs if r["method"] == "PUT"} >= {w.split("://", 1)[1] for w in result.written}

    # the command line, on the same bucket: resumed (nothing redone), the failures still recorded
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        FSSPEC_S3_ENDPOINT_URL=endpoint,
        FSSPEC_S3_KEY=KEY,
        FSSPEC_S3_SECRET=SECRET,
        AWS_EC2_METADATA_DISABLED="true",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "extract",
            "s3://reports/in/",
            "--out",
            "s3://reports/out",
            "--scheduler",
            cluster,
        ]
        + (["--models", MODELS] if MODELS else ["--models", ""]),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 1, run.stderr[-2000:]  # three inputs failed, as before
    assert "9 report(s) written to s3://reports/out (9 already up to date), 3 failure(s)" in run.stderr, run.stderr
    assert "s3://reports/in/broken.pdf: [read]" in run.stderr

    # an input that fails now loses its old output; one removed since has its record dropped
    fs.pipe_file("reports/in/gejiu-2020.txt", b"")
    fs.rm_file("reports/in/broken.pdf")
    run_batch(["s3://reports/in/"], "s3://reports/out", Extract(models_dir=MODELS), DaskCluster(cluster))
    fs.invalidate_cache()
    assert not fs.exists("reports/out/gejiu-2020.txt.json")
    records = [json.loads(line) for line in fs.cat_file("reports/out/errors.jsonl").decode().splitlines()]
    assert sorted(e["file"] for e in records) == [
        "s3://reports/in/downloads.zip!../escape.txt",
        "s3://reports/in/empty.txt",
        "s3://reports/in/gejiu-2020.txt",
    ]


def test_a_report_past_its_time_limit_on_a_dask_worker_is_stopped_and_the_batch_goes_on(tmp_path, cluster):
    """A 300-page PDF that takes seconds to read, with a 3-second limit: its Dask worker's thread is stopped
    between Python steps (tasks.time_limit), the report recorded as timed out, and the other reports — the ones in
    the same chunk included — are written."""
    from test_batch import _long_pdf

    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("gejiu-2020.txt", "pingtan-2023.html", "qingtongxia-2020.txt"):
        shutil.copy(RAW / name, inputs / name)
    _long_pdf(inputs / "long.pdf")
    started = time.monotonic()
    result = run_batch(
        [str(inputs)], str(tmp_path / "out"), Extract(models_dir=MODELS), DaskCluster(cluster, time_limit=3)
    )
    assert time.monotonic() - started < 120
    assert [(Path(e["file"]).name, e["stage"]) for e in result.errors] == [("long.pdf", "timeout")]
    message = result.errors[0]["message"]
    assert "time limit exceeded: stopped after 3 s" in message and "did not answer" not in message, message
    assert sorted(Path(w).name for w in result.written) == [
        "gejiu-2020.txt.json",
        "pingtan-2023.html.json",
        "qingtongxia-2020.txt.json",
    ]
