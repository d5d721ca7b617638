"""Benchmark: the project against the tools a user would otherwise run by hand, measured in the same run.

    python scripts/benchmark.py --rounds 5 --json metrics/benchmark.json     # what the README's figures come from
    python scripts/benchmark.py --synthetic                                  # adds the synthetic PDFs, apart
    python scripts/benchmark.py --memory-sizes 20,2000 --scale 100000       # flat memory; a 100,000-report run
    python scripts/benchmark.py --ocr --rounds 3 --json metrics/benchmark_ocr.json   # OCR: RapidOCR vs Tesseract
    python scripts/benchmark.py --ocr --engines rapidocr,rapidocr3 --json metrics/benchmark_ocr_engines.json
                                     # the project's rapidocr-onnxruntime 1.4.4 against the rapidocr 3.x wheel
    python scripts/benchmark.py --workers-only --s3 --rounds 5 --json metrics/benchmark_cluster.json  # pool vs Dask

Every measurement runs in a fresh process, and the rounds are interleaved (round 1 of every measurement, then
round 2 …), so the project and its comparators see the same machine load; min and median of the rounds are kept.
- `one_report`: a whole command on one PDF (`python -m pipeline extract F --out D`), with `models/` and without it
  (built-in models), against `pdfplumber` opening the same PDF and extracting one page's text, each a fresh
  process timed from outside: what a user waits for.
- `per_report`: the cost of a report once a process runs, the start-up (imports, models) measured apart, per
  format on the real files only (synthetic PDFs as a separate row): the project in one process (`run_batch`,
  reading, models, checks, JSON written) against PDFium's bare text (pypdfium2), pdfplumber's text and tables,
  camelot's lattice tables for PDF; a bare lxml parse for HTML; python-docx for DOCX.
- `workers`: real text and HTML reports with 1 and 2 worker processes, and on a Dask cluster run as one is by hand
  (`dask scheduler`, `dask worker --nworkers 2 --nthreads 1`, each its own process) whose workers read the files and
  write the outputs themselves; with `--s3`, the same from and to a bucket of moto's S3 server started here. Wall
  seconds and CPU seconds beside them (the process and its workers; on Dask the client's own CPU a report apart
  from the scheduler's and workers', and the S3 server's apart); `--workers-only` runs these alone.
- The load average of the (shared) machine at the start and the end is recorded with the figures.
- `memory`: peak memory (the main process and the largest worker) of batches of generated small reports of
  different sizes (a real text report with its body, year and prose changed), with 2 workers; `--scale N` runs one more.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's package, installed or not
REAL_DIRS = [ROOT / "data" / "raw", ROOT.parent / "shared" / "corpus" / "external"]
FORMATS = {"html": (".html", ".htm"), "txt": (".txt", ".md"), "docx": (".docx",), "pdf": (".pdf",)}
COMPARATORS = {
    "pdf": ["pdfium_text", "pdfplumber_text", "pdfplumber_tables", "camelot_lattice"],
    "pdf_synthetic": ["pdfium_text", "pdfplumber_text"],
    "html": ["lxml_parse"],
    "docx": ["python_docx"],
    "txt": [],
}
TARGETS = {
    "one_report_vs_pdfplumber_one_page": 3.0,
    "html_vs_lxml_parse": 3.0,
    "pdf_page_vs_pdfium_text": 3.0,
    "dask_vs_workers_2_throughput": 0.9,
    "dask_client_cpu_ms_per_report": 1.0,
    "pdf_vs_pdfplumber_text": 2.0,
    "text_html_reports_per_s_2_workers": 100.0,
    "memory_largest_vs_smallest": 1.25,
}


def real_inputs() -> list[Path]:
    return [p for d in REAL_DIRS if d.is_dir() for p in sorted(d.rglob("*")) if p.is_file()]


def synthetic_inputs() -> list[Path]:
    d = ROOT / "data" / "synthetic" / "heldout" / "docs"
    return sorted(d.glob("*.pdf")) if d.is_dir() else []


def stage(files: list[Path], repeat: int, target: Path) -> Path:
    """`repeat` copies of each file under distinct names (nothing is skipped as already done)."""
    target.mkdir(parents=True)
    for k in range(repeat):
        for f in files:
            shutil.copy(f, target / f"{k:03d}-{f.name}")
    return target


def by_format(files: list[Path]) -> dict[str, list[Path]]:
    out = {}
    for fmt, exts in FORMATS.items():
        chosen = [f for f in files if f.suffix.lower() in exts]
        if chosen:
            out[fmt] = chosen
    return out


def pdf_pages(paths) -> int:
    """Pages of PDFs, frames of multi-page pictures (TIFF)."""
    import pypdfium2
    from PIL import Image

    total = 0
    for p in paths:
        if Path(p).suffix.lower() != ".pdf":
            with Image.open(p) as im:
                total += getattr(im, "n_frames", 1)
            continue
        pdf = pypdfium2.PdfDocument(str(p))
        total += len(pdf)
        pdf.close()
    return total


def generated_reports(n: int, target: Path) -> Path:
    """n small text reports made from a real one: body and year changed (n/2 bodies with two years each, so the
    cross-year checks run), and a third of the characters of each prose line replaced (seeded by the report's
    number), so that the reports' prose differs as different bodies' does; headings and table lines are kept."""
    import random

    source = (ROOT / "data" / "raw" / "qingtongxia-2020.txt").read_text(encoding="utf-8")
    target.mkdir(parents=True)
    for i in range(n):
        rng = random.Random(i)
        body, year = f"示例{i // 2:06d}县", 2020 + i % 2
        text = source.replace("青 铜 峡 市", body).replace("青铜峡市", body).replace("2020年", f"{year}年")
        lines = []
        for line in text.splitlines():
            if len(line) > 40 and "\t" not in line:
                line = "".join(
                    chr(0x4E00 + rng.randrange(0x5000)) if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.34 else ch
                    for ch in line
                )
            lines.append(line)
        (target / f"r{i:06d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


# --- measurements, each run in its own process; each returns seconds of the work itself ----------------------
def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cpu_children() -> float:
    """CPU seconds of this process's children that have ended (worker processes, once the pool is closed)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class DaskProcesses:
    """A Dask cluster as one is run by hand: `dask scheduler` and `dask worker --nworkers N --nthreads 1`, each its own
    process (so this process's CPU is the client's alone), importing this checkout (PYTHONPATH)."""

    def __init__(self, workers: int, models: str):
        import psutil

        self.folder = tempfile.mkdtemp(prefix="bench-dask-")
        info = os.path.join(self.folder, "scheduler.json")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
        # the workers as the README starts them: without Dask's statistical profiler (a stack sample every 10 ms in
        # each worker, about 5% of the cluster's CPU on reports of milliseconds); set the variable to True to measure
        # Dask's default
        env.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": self.folder}
        self.procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dask",
                    "scheduler",
                    "--scheduler-file",
                    info,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                ],
                **quiet,
            )
        ]
        deadline = time.monotonic() + 60
        while not os.path.exists(info) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dask",
                    "worker",
                    "--scheduler-file",
                    info,
                    "--nworkers",
                    str(workers),
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--local-directory",
                    self.folder,
                ],
                **quiet,
            )
        )
        from distributed import Client

        self.client = Client(scheduler_file=info)
        self.client.wait_for_workers(workers, timeout=120)

        def warm(models=models):  # each worker imports and warms up as a forked pool worker inherits it
            from pipeline.batch.runners import warm_up
            from pipeline.extraction.models import load_models

            warm_up(load_models(models))

        self.client.run(warm)
        self.ps = [psutil.Process(p.pid) for p in self.procs]

    def cpu(self) -> float:
        """CPU seconds of the scheduler and the workers so far (the nannies' worker processes included)."""
        total = 0.0
        for proc in self.ps:
            for q in [proc] + proc.children(recursive=True):
                try:
                    t = q.cpu_times()
                    total += t.user + t.system
                except Exception:
                    pass
        return total

    def close(self) -> None:
        self.client.close()
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def measure_project(src: str, workers: int, models: str, scheduler: str = "", out: str = "") -> dict:
    """The project on a folder: in this process (workers 0), N worker processes, or a Dask cluster of N worker
    processes that read their inputs and write their outputs themselves. Wall seconds of the batch, and CPU
    seconds: this process's own (the client's, on Dask), its worker processes', and on Dask the scheduler's and
    workers' apart."""
    started = time.perf_counter()
    from pipeline.batch.run import run_batch
    from pipeline.batch.runners import DaskCluster, InProcess, ProcessPool, warm_up
    from pipeline.batch.stages import Extract
    from pipeline.extraction.models import load_models

    warm_up(load_models(models))  # once per process, before any worker starts (they inherit it)
    startup = time.perf_counter() - started
    into = out or tempfile.mkdtemp(prefix="bench-out-")  # an object store's prefix (--s3), or a folder
    cluster = DaskProcesses(workers, models) if scheduler == "dask" else None
    runner = DaskCluster(cluster.client) if cluster else ProcessPool(workers) if workers else InProcess()
    if "://" in src:  # connected first (s3fs and botocore imported, its service model read: once a run, ~1 s)
        from pipeline.batch.store import filesystem

        fs, path = filesystem(src)
        fs.ls(path.split("/")[0])
    server = _server_process()
    cluster_cpu = cluster.cpu() if cluster else 0.0
    server_cpu = _cpu_of(server)
    own, children = _cpu_self(), _cpu_children()
    started = time.perf_counter()
    result = run_batch([src], into, Extract(models_dir=models), runner, resume=False)
    seconds = time.perf_counter() - started
    own, children = _cpu_self() - own, _cpu_children() - children
    figures = {
        "seconds": seconds,
        "reports": len(result.written),
        "failed": len(result.errors),
        "startup_seconds": startup,
        "cpu_seconds_main": own,
    }
    if cluster:
        figures["cpu_seconds_cluster"] = cluster.cpu() - cluster_cpu
        figures["cpu_seconds"] = own + figures["cpu_seconds_cluster"]
        cluster.close()
    else:
        figures["cpu_seconds"] = own + children
    if server is not None:  # the S3 server on this machine: its CPU is the object store's, not the batch's
        figures["cpu_seconds_object_store"] = _cpu_of(server) - server_cpu
    if not out:
        shutil.rmtree(into)
    return figures


def _server_process():
    """The S3 server a --s3 run goes through (its process id in BENCH_S3_SERVER_PID), else None."""
    import psutil

    pid = os.environ.get("BENCH_S3_SERVER_PID")
    return psutil.Process(int(pid)) if pid else None


def _cpu_of(proc) -> float:
    if proc is None:
        return 0.0
    t = proc.cpu_times()
    return t.user + t.system


def _files(src: str) -> list[Path]:
    return sorted(p for p in Path(src).iterdir() if p.is_file())


def measure_pdfium_text(src: str) -> dict:
    import pypdfium2

    started, cpu = time.perf_counter(), _cpu_self()
    for p in _files(src):
        pdf = pypdfium2.PdfDocument(str(p))
        for page in pdf:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        pdf.close()
    return {"seconds": time.perf_counter() - started, "cpu_seconds": _cpu_self() - cpu}


def measure_pdfplumber(src: str, tables: bool = False) -> dict:
    import pdfplumber

    started, cpu = time.perf_counter(), _cpu_self()
    for p in _files(src):
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_tables() if tables else page.extract_text()
    return {"seconds": time.perf_counter() - started, "cpu_seconds": _cpu_self() - cpu}


def measure_camelot(src: str) -> dict:
    import logging
    import warnings

    import camelot

    logging.getLogger("camelot").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    started, cpu = time.perf_counter(), _cpu_self()
    for p in _files(src):
        camelot.read_pdf(str(p), pages="all", flavor="lattice")
    return {"seconds": time.perf_counter() - started, "cpu_seconds": _cpu_self() - cpu}


def measure_lxml(src: str) -> dict:
    import lxml.html

    started, cpu = time.perf_counter(), _cpu_self()
    for p in _files(src):
        lxml.html.document_fromstring(p.read_bytes())
    return {"seconds": time.perf_counter() - started, "cpu_seconds": _cpu_self() - cpu}


def measure_python_docx(src: str) -> dict:
    import docx

    started, cpu = time.perf_counter(), _cpu_self()
    for p in _files(src):
        d = docx.Document(str(p))
        [para.text for para in d.paragraphs]
        [cell.text for table in d.tables for row in table.rows for cell in row.cells]
    return {"seconds": time.perf_counter() - started, "cpu_seconds": _cpu_self() - cpu}


CHILDREN = {
    "pdfium_text": measure_pdfium_text,
    "pdfplumber_text": measure_pdfplumber,
    "pdfplumber_tables": lambda src: measure_pdfplumber(src, tables=True),
    "camelot_lattice": measure_camelot,
    "lxml_parse": measure_lxml,
    "python_docx": measure_python_docx,
}


# --- OCR: the project's reader with RapidOCR against the same reader with Tesseract, on the labelled scans -------
OCR_SETS = {  # the labelled scans and photos, by set
    "corpus": lambda: sorted((ROOT.parent / "shared" / "corpus" / "scans").glob("*.pdf")),  # the corpus's scans
    "scanned": lambda: sorted((ROOT / "data" / "scanned" / "docs").glob("*.pdf")),  # the scan_corpus stage's
    "photographed": lambda: sorted((ROOT / "data" / "photographed" / "docs").glob("*.*")),
    "synthetic": lambda: (
        sorted((ROOT / "data" / "synthetic" / "heldout" / "docs").glob("synth-*-scan.pdf"))
        + sorted((ROOT / "data" / "synthetic" / "heldout" / "docs").glob("synth-*-photo.pdf"))
    ),
}


def ocr_inputs(sets: list[str] | None = None) -> tuple[list[Path], Path]:
    """The labelled scans and photos of `sets` (OCR_SETS: the corpus's real scans, the real PDFs scanned and
    photographed again by the scan_corpus stage, the held-out synthetic `scan` and `photo` families), with their
    gold labels gathered in one folder."""
    scans = [f for name in (sets or list(OCR_SETS)) for f in OCR_SETS[name]()]
    labels = tempfile.mkdtemp(prefix="bench-ocr-labels-")
    for f in scans:
        for d in (
            ROOT / "data" / "labels",
            ROOT.parent / "shared" / "corpus" / "labels",
            ROOT / "data" / "scanned" / "labels",
            ROOT / "data" / "photographed" / "labels",
            ROOT / "data" / "synthetic" / "heldout" / "labels",
        ):
            if (d / f"{f.name}.gold.json").exists():
                shutil.copy(d / f"{f.name}.gold.json", labels)
                break
    return scans, Path(labels)


def measure_ocr(engine: str, src: str, labels: str, models: str) -> dict:
    """One fresh process: every scan read and predicted with one recogniser, on one core (ONNX Runtime and
    Tesseract's OpenMP held to one thread), then scored against the gold labels."""
    from pipeline.modeling.evaluate import evaluate_dir
    from pipeline.batch.run import run_batch
    from pipeline.batch.runners import InProcess, warm_up
    from pipeline.batch.stages import Extract
    from pipeline.extraction.models import load_models
    from pipeline.readers.options import ReadOptions
    from pipeline.readers.ocr.options import OcrOptions

    warm_up(load_models(models))
    out = tempfile.mkdtemp(prefix="bench-ocr-")
    options = ReadOptions(ocr=OcrOptions(engine=_ocr_engine(engine), threads=1))
    started, cpu_started = time.perf_counter(), _cpu()  # Tesseract's CPU is its child processes'
    result = run_batch(
        [src], out, Extract(models_dir=models, options=options), InProcess(time_limit=None), resume=False
    )
    seconds, cpu_seconds = time.perf_counter() - started, _cpu() - cpu_started
    metrics, errors, _ = evaluate_dir(out, labels)
    shutil.rmtree(out)
    keys = (
        "cells_accuracy",
        "cells_wrong",
        "cells_null",
        "cells_n",
        "section_heading_accuracy",
        "section_boundary_accuracy",
        "table_status_accuracy",
    )
    missed = sorted(f"{e['document']}:{e['table']}.{e['row']}.{e['column']}" for e in errors)
    return {
        "seconds": seconds,
        "cpu_seconds": round(cpu_seconds, 1),
        "failed": len(result.errors),
        **{k: metrics.get(k) for k in keys},
        "missed": missed,
        "wrong_numbers": [e for e in errors if e.get("predicted") is not None],
    }


def _cell_by_cell(runs: dict) -> dict:
    """For each pair of recognisers: the cells one read right and the other did not (first round's readings)."""
    out = {}
    names = list(runs)
    for a in names:
        for b in names:
            if a < b:
                ma, mb = set(runs[a][0]["missed"]), set(runs[b][0]["missed"])
                out[f"{a}_vs_{b}"] = {f"right_by_{a}_only": len(mb - ma), f"right_by_{b}_only": len(ma - mb)}
    return out


def run_ocr_comparison(
    rounds: int, models: str, engines: list[str] | None = None, sets: list[str] | None = None
) -> dict:
    scans, labels = ocr_inputs(sets)
    if not scans:
        return {"skipped": "no labelled scans (../shared/corpus/scans, data/synthetic/heldout)"}
    pages = pdf_pages(scans)
    engines = [e for e in (engines or ["rapidocr", "tesseract"]) if e != "tesseract" or shutil.which("tesseract")]
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-src-") as src:
        for f in scans:
            shutil.copy(f, src)
        for _ in range(rounds):  # rounds interleaved: both recognisers see the same machine load
            for e in engines:
                runs[e].append(run_child(f"ocr:{e}", Path(src), 0, models, extra=str(labels)))
    shutil.rmtree(labels)
    out = {
        "sets": sets or list(OCR_SETS),
        "documents": len(scans),
        "pages": pages,
        "rounds": rounds,
        "cell_by_cell": _cell_by_cell(runs),
    }
    for e, rs in runs.items():
        secs = sorted(r["seconds"] for r in rs)
        cpu = sorted(r["cpu_seconds"] for r in rs)
        out[e] = {k: v for k, v in rs[0].items() if k not in ("seconds", "cpu_seconds", "missed")}
        out[e].update(
            seconds_per_page_min=round(secs[0] / pages, 2),
            seconds_per_page_median=round(secs[len(secs) // 2] / pages, 2),
            cpu_seconds_per_page_median=round(cpu[len(cpu) // 2] / pages, 2),
        )
    if "tesseract" in (engines or []) and not shutil.which("tesseract"):
        out["tesseract"] = {"skipped": "tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim)"}
    return out


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (Tesseract runs as a child process)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


OCR_STEPS = (
    "render",
    "preprocess",
    "rulings",
    "cell_recognition",
    "faint_text_framed",
    "second_framing",
    "ruling_ink_restored",
    "cells_other",
    "prose_detection",
    "prose_recognition",
    "prose_other",
)


# read_cells' recogniser passes, in the order it makes them: every cell's lines; text lines of faint ink framed again
# as dark ink is; the second framing of numbers; the cells whose ink touches a ruling, read with that ink restored
CELL_PASSES = ("cell_recognition", "faint_text_framed", "second_framing", "ruling_ink_restored")


def _ocr_engine(engine: str) -> str:
    """The OcrOptions engine of a benchmark's engine name: `rapidocr-onnxruntime` is `rapidocr` with its models run
    by ONNX Runtime (OpenVINO made unimportable in this child process): the comparator of the OpenVINO path."""
    if engine == "rapidocr-onnxruntime":
        sys.modules["openvino"] = None
        return "rapidocr"
    return engine


def profile_ocr_pages(files: list[Path], engine: str) -> dict:
    """Where a scanned page's CPU time goes with `engine` on one core: each step of the OCR path timed by wrapping
    the functions that do it (rendering, preprocessing, ruling grids, each of read_cells' four recogniser passes —
    CELL_PASSES —, prose detection and recognition)."""
    from pipeline.readers.formats import read_document
    from pipeline.readers.ocr import cells, page, prose
    from pipeline.readers.ocr.options import OcrOptions
    from pipeline.readers.ocr.page import engine_for
    from pipeline.readers.options import ReadOptions

    options = ReadOptions(ocr=OcrOptions(engine=_ocr_engine(engine), threads=1))
    ocr_engine = engine_for(options.ocr)  # loaded before the clock starts, as a worker has it loaded
    spent = dict.fromkeys(OCR_STEPS, 0.0)
    state = {"pass": 0}

    def timed(step, fn):
        def wrapper(*a, **k):
            started = _cpu()
            try:
                return fn(*a, **k)
            finally:
                spent[step] += _cpu() - started

        return wrapper

    def cell_pass(fn):
        def wrapper(*a, **k):
            step = CELL_PASSES[min(state["pass"], len(CELL_PASSES) - 1)]
            state["pass"] += 1
            return timed(step, fn)(*a, **k)

        return wrapper

    def reset_passes(fn):
        def wrapper(*a, **k):
            state["pass"] = 0
            started = _cpu()
            inner = sum(spent[s] for s in CELL_PASSES)
            try:
                return fn(*a, **k)
            finally:
                inner = sum(spent[s] for s in CELL_PASSES) - inner
                spent["cells_other"] += _cpu() - started - inner

        return wrapper

    recogniser = getattr(ocr_engine, "recogniser", None)
    saved = [
        (page, "render_page", page.render_page),
        (page, "prepare", page.prepare),
        (page, "table_grids", page.table_grids),
        (page, "read_cells", page.read_cells),
        (cells, "recognise", cells.recognise),
        (prose, "recognise", prose.recognise),
    ]
    page.render_page = timed("render", page.render_page)
    page.prepare = timed("preprocess", page.prepare)
    page.table_grids = timed("rulings", page.table_grids)
    page.read_cells = reset_passes(page.read_cells)
    cells.recognise = cell_pass(cells.recognise)
    prose.recognise = timed("prose_recognition", prose.recognise)
    if recogniser is not None:
        saved.append((recogniser, "detect", recogniser.detect))
        recogniser.detect = timed("prose_detection", recogniser.detect)
    pages = pdf_pages(files)
    try:
        started, wall = _cpu(), time.perf_counter()
        if recogniser is None:  # Tesseract reads the whole page in start(): its steps are not apart
            for f in files:
                read_document(str(f), options)
        else:
            prose_started = {}

            def prose_total(fn):
                def wrapper(*a, **k):
                    t = _cpu()
                    try:
                        return fn(*a, **k)
                    finally:
                        prose_started["t"] = prose_started.get("t", 0.0) + _cpu() - t

                return wrapper

            saved.append((page, "prose_lines", page.prose_lines))
            page.prose_lines = prose_total(page.prose_lines)
            for f in files:
                read_document(str(f), options)
            spent["prose_other"] = prose_started.get("t", 0.0) - spent["prose_detection"] - spent["prose_recognition"]
        cpu, seconds = _cpu() - started, time.perf_counter() - wall
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    out = {
        "pages": pages,
        "cpu_seconds_per_page": round(cpu / pages, 2),
        "seconds_per_page": round(seconds / pages, 2),
    }
    if recogniser is not None:
        out["steps_cpu_seconds_per_page"] = {k: round(v / pages, 3) for k, v in spent.items()}
        out["steps_cpu_seconds_per_page"]["other"] = round((cpu - sum(spent.values())) / pages, 3)
    return out


def run_ocr_profile(rounds: int, engines: list[str], sets: list[str] | None = None) -> dict:
    """`profile_ocr_pages` for each engine in a fresh process, rounds interleaved; the median round's figures."""
    scans, labels = ocr_inputs(sets)
    shutil.rmtree(labels)
    if not scans:
        return {"skipped": "no labelled scans"}
    engines = [e for e in engines if e != "tesseract" or shutil.which("tesseract")]
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-src-") as src:
        for f in scans:
            shutil.copy(f, src)
        for _ in range(rounds):
            for e in engines:
                runs[e].append(run_child(f"ocr-profile:{e}", Path(src), 0, "", extra=""))
    out: dict = {"sets": sets or list(OCR_SETS), "documents": len(scans), "rounds": rounds}
    for e, rs in runs.items():
        rs = sorted(rs, key=lambda r: r["cpu_seconds_per_page"])
        out[e] = {**rs[len(rs) // 2], "cpu_seconds_per_page_min": rs[0]["cpu_seconds_per_page"]}
    if "rapidocr" in out and "tesseract" in out:
        out["rapidocr_cpu_vs_tesseract"] = round(
            out["rapidocr"]["cpu_seconds_per_page"] / out["tesseract"]["cpu_seconds_per_page"], 2
        )
    if "rapidocr" in out and "rapidocr-onnxruntime" in out:
        out["rapidocr_cpu_vs_onnxruntime"] = round(
            out["rapidocr"]["cpu_seconds_per_page"] / out["rapidocr-onnxruntime"]["cpu_seconds_per_page"], 2
        )
    return out


def _child(kind: str, src: str, workers: int, models: str, extra: str = "") -> None:
    if kind.startswith("ocr:"):
        result = measure_ocr(kind[4:], src, extra, models)
    elif kind.startswith("ocr-profile:"):
        result = profile_ocr_pages(sorted(p for p in Path(src).iterdir() if p.is_file()), kind[len("ocr-profile:") :])
    elif kind in ("project", "dask"):
        result = measure_project(src, workers, models, scheduler=kind if kind == "dask" else "", out=extra)
    else:
        result = CHILDREN[kind](src)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["peak_mb_main"] = round(own, 1)
    result["peak_mb_largest_worker"] = round(children, 1) if workers > 0 else None
    print(json.dumps(result))


def run_child(
    kind: str, src: Path | str, workers: int = 0, models: str = "models", extra: str = "", env: dict | None = None
) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, str(src), str(workers), models, extra]
    env = dict(os.environ, OMP_THREAD_LIMIT="1", **(env or {}))  # Tesseract's OpenMP on one core, like ONNX Runtime
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child {kind} on {src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_command(cmd: list[str], cwd: Path) -> dict:
    """A whole command in a fresh process, timed from outside (wall clock, and its CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return {"seconds": seconds, "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def summary(runs: list[dict], key: str = "seconds") -> dict:
    values = [r[key] for r in runs]
    return {"min": round(min(values), 4), "median": round(statistics.median(values), 4)}


def timed(runs: list[dict]) -> dict:
    """Wall seconds and, beside them, CPU seconds (the process and its workers), min and median of the rounds."""
    return {"seconds": summary(runs), "cpu_seconds": summary(runs, "cpu_seconds")}


def ratio(a: dict, b: dict) -> dict:
    """a/b of the medians and of the minimums."""
    return {"median": round(a["median"] / b["median"], 2), "min": round(a["min"] / b["min"], 2)}


class Rounds:
    """Measurements registered once, run round after round interleaved."""

    def __init__(self):
        self.jobs: list[tuple[str, callable]] = []
        self.runs: dict[str, list[dict]] = {}

    def add(self, name: str, fn) -> None:
        self.jobs.append((name, fn))
        self.runs[name] = []

    def run(self, rounds: int) -> None:
        for r in range(rounds):
            for name, fn in self.jobs:
                self.runs[name].append(fn())
                last = self.runs[name][-1]
                print(
                    f"round {r + 1}/{rounds} {name}: {last['seconds']:.3f} s wall, "
                    f"{last.get('cpu_seconds', float('nan')):.3f} s CPU",
                    file=sys.stderr,
                )


def add_one_report(plan: Rounds, one_pdf: Path, models_path: str, tmp: Path) -> None:
    """A whole command on one PDF: with the trained models, and run in a folder without models/ (the built-in
    ones); against pdfplumber opening the PDF and extracting one page's text, a fresh process too."""
    empty = tmp / "no-models"
    empty.mkdir()
    plan.add(
        "one_report_command",
        lambda: run_command(
            [
                sys.executable,
                "-m",
                "pipeline",
                "extract",
                str(one_pdf),
                "--out",
                str(tmp / "one"),
                "--no-resume",
                "--quiet",
                "--models",
                models_path,
            ],
            ROOT,
        ),
    )
    plan.add(
        "one_report_command_without_models",
        lambda: run_command(
            [
                sys.executable,
                "-m",
                "pipeline",
                "extract",
                str(one_pdf),
                "--out",
                str(tmp / "one-b"),
                "--no-resume",
                "--quiet",
            ],
            empty,
        ),
    )
    plan.add(
        "pdfplumber_one_page_command",
        lambda: run_command(
            [
                sys.executable,
                "-c",
                "import pdfplumber, sys\nwith pdfplumber.open(sys.argv[1]) as pdf: pdf.pages[0].extract_text()",
                str(one_pdf),
            ],
            ROOT,
        ),
    )


def one_report_figures(runs: dict, one_pdf: Path) -> dict:
    one = {
        k: summary(runs[k])
        for k in ("one_report_command", "one_report_command_without_models", "pdfplumber_one_page_command")
    }
    cpu = {f"{k}_cpu_seconds": summary(runs[k], "cpu_seconds") for k in one}
    return {
        "file": one_pdf.name,
        **one,
        **cpu,
        "ratio_vs_pdfplumber_one_page": ratio(one["one_report_command"], one["pdfplumber_one_page_command"]),
        "ratio_without_models_vs_pdfplumber_one_page": ratio(
            one["one_report_command_without_models"], one["pdfplumber_one_page_command"]
        ),
    }


def per_report_figures(runs: dict, fmt: str, src: Path) -> dict:
    files = _files(src)
    pages = pdf_pages(files) if fmt.startswith("pdf") else None
    project = summary(runs[f"{fmt}:project"])
    row = {
        "files": len(files),
        "pages": pages,
        "project_seconds": project,
        "project_cpu_seconds": summary(runs[f"{fmt}:project"], "cpu_seconds"),
        "project_ms_per_report": round(1000 * project["median"] / len(files), 2),
        "startup_seconds": summary(runs[f"{fmt}:project"], "startup_seconds"),
        "failed": runs[f"{fmt}:project"][0]["failed"],
    }
    if pages:
        row["project_ms_per_page"] = round(1000 * project["median"] / pages, 2)
    for comparator in COMPARATORS[fmt]:
        if f"{fmt}:{comparator}" in runs:
            theirs = summary(runs[f"{fmt}:{comparator}"])
            row[f"{comparator}_seconds"] = theirs
            row[f"{comparator}_cpu_seconds"] = summary(runs[f"{fmt}:{comparator}"], "cpu_seconds")
            row[f"ratio_vs_{comparator}"] = ratio(project, theirs)
    return row


def benchmark(
    inputs: list[Path],
    rounds: int,
    repeat: int,
    models: str,
    synthetic: bool,
    memory_sizes: list[int],
    scale: int | None,
    tmp: Path,
    workers_only: bool = False,
    s3: dict | None = None,
) -> dict:
    formats = by_format(inputs or real_inputs())
    if synthetic and synthetic_inputs():
        formats["pdf_synthetic"] = synthetic_inputs()
    plan = Rounds()
    models_path = str((ROOT / models).resolve()) if not Path(models).is_absolute() else models
    one_pdf = min(formats["pdf"], key=lambda f: f.stat().st_size) if "pdf" in formats and not workers_only else None
    if one_pdf:
        add_one_report(plan, one_pdf, models_path, tmp)

    # per report, per format
    staged = {} if workers_only else {fmt: stage(fs, repeat, tmp / "per_report" / fmt) for fmt, fs in formats.items()}
    for fmt, src in staged.items():
        plan.add(f"{fmt}:project", lambda src=src: run_child("project", src, 0, models_path))
        for comparator in COMPARATORS[fmt]:
            plan.add(f"{fmt}:{comparator}", lambda src=src, c=comparator: run_child(c, src))

    # workers: the real text and HTML reports
    text_html_files = formats.get("txt", []) + formats.get("html", [])
    text_html = stage(text_html_files, repeat * 4, tmp / "text_html") if text_html_files else None
    if text_html:
        for workers in (1, 2):
            plan.add(f"text_html:workers_{workers}", lambda w=workers: run_child("project", text_html, w, models_path))
        # Dask: `dask scheduler` and `dask worker --nworkers 2 --nthreads 1`, the workers reading the folder and
        # writing the outputs themselves; with --s3, the same files from and to a bucket of an S3 server
        plan.add("text_html:dask_2_workers", lambda: run_child("dask", text_html, 2, models_path))
        if s3:
            url = s3["upload"](text_html)
            plan.add(
                "text_html:dask_2_workers_s3",
                lambda: run_child(
                    "dask", url, 2, models_path, extra=f"s3://{s3['bucket']}/out-{time.monotonic_ns()}", env=s3["env"]
                ),
            )

    # memory: batches of generated reports
    sizes = [] if workers_only else sorted(set(memory_sizes))
    generated = {n: generated_reports(n, tmp / f"generated-{n}") for n in sizes}
    for n in sizes:
        plan.add(f"memory:{n}", lambda n=n: run_child("project", generated[n], 2, models_path))

    plan.run(rounds)
    runs = plan.runs
    out: dict = {
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
        "rounds": rounds,
        "repeat": repeat,
        "inputs": {fmt: [f.name for f in fs] for fmt, fs in formats.items()},
    }
    if one_pdf:
        out["one_report"] = one_report_figures(runs, one_pdf)
    out["per_report"] = {fmt: per_report_figures(runs, fmt, src) for fmt, src in staged.items()}
    if text_html:
        out["workers"] = workers_figures(runs, len(_files(text_html)))
    out["memory"] = {}
    for n in sizes:
        rs = runs[f"memory:{n}"]
        out["memory"][str(n)] = {
            "seconds": summary(rs),
            "cpu_seconds": summary(rs, "cpu_seconds"),
            "reports_per_s_median": round(n / summary(rs)["median"], 1),
            "peak_mb_main": max(r["peak_mb_main"] for r in rs),
            "peak_mb_largest_worker": max(r["peak_mb_largest_worker"] for r in rs),
            "failed": rs[0]["failed"],
        }
    if scale:
        src = generated_reports(scale, tmp / f"scale-{scale}")
        r = run_child("project", src, 2, models_path)
        out["scale"] = {
            "reports": scale,
            "workers": 2,
            "seconds": round(r["seconds"], 1),
            "reports_per_s": round(scale / r["seconds"], 1),
            "peak_mb_main": r["peak_mb_main"],
            "peak_mb_largest_worker": r["peak_mb_largest_worker"],
            "failed": r["failed"],
        }
    out["targets"] = targets(out)
    return out


def workers_figures(runs: dict, n: int) -> dict:
    """The same text and HTML reports with 1 and 2 worker processes and on Dask: wall and CPU seconds, reports a
    second, and on Dask the client's own CPU a report (what the process that runs the batch spends on each: names,
    small results, the corpus-wide checks' index) beside the scheduler's and workers' CPU."""
    out: dict = {"reports": n}
    for key in ("workers_1", "workers_2", "dask_2_workers", "dask_2_workers_s3"):
        rs = runs.get(f"text_html:{key}")
        if not rs:
            continue
        s = summary(rs)
        row = {
            **timed(rs),
            "reports_per_s_median": round(n / s["median"], 1),
            "reports_per_s_best": round(n / s["min"], 1),
            "failed": rs[0]["failed"],
            "cpu_ms_per_report_median": round(1000 * summary(rs, "cpu_seconds")["median"] / n, 2),
            "main_process_cpu_ms_per_report_median": round(1000 * summary(rs, "cpu_seconds_main")["median"] / n, 3),
        }
        if key.startswith("dask"):
            row["client_cpu_ms_per_report_median"] = row.pop("main_process_cpu_ms_per_report_median")
            row["cluster_cpu_seconds"] = summary(rs, "cpu_seconds_cluster")
        if "cpu_seconds_object_store" in rs[0]:
            row["object_store_server_cpu_seconds"] = summary(rs, "cpu_seconds_object_store")
        out[key] = row
    if "dask_2_workers" in out:
        dask, pool = out["dask_2_workers"], out["workers_2"]
        out["dask_vs_workers_2_throughput"] = {
            "median": round(dask["reports_per_s_median"] / pool["reports_per_s_median"], 2),
            "best": round(dask["reports_per_s_best"] / pool["reports_per_s_best"], 2),
        }
    return out


def s3_server(tmp: Path) -> dict:
    """An S3-compatible server on 127.0.0.1 for --s3 (moto's standalone server, `pip install 'moto[server]'`,
    installed by scripts/setup.sh --dev) with a bucket; what a child needs to reach it (fsspec's FSSPEC_S3_*
    settings, inherited by its Dask workers); `upload` puts a folder's files under a prefix and returns its URL."""
    import s3fs

    server = shutil.which("moto_server")
    if server is None:
        raise SystemExit("--s3 needs moto's S3 server: pip install 'moto[server]' (scripts/setup.sh --dev)")
    log = tmp / "moto_server.log"  # a file, not a pipe: a pipe no one reads would stop the server once full
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", "0"], stdout=open(log, "w"), stderr=subprocess.STDOUT)
    endpoint = _endpoint(log, proc)
    fs = s3fs.S3FileSystem(endpoint_url=endpoint, key="bench", secret="bench")
    fs.mkdir("bench")

    def upload(folder: Path) -> str:
        fs.put(f"{folder}/", "bench/in/", recursive=True)
        return "s3://bench/in/"

    env = {
        "FSSPEC_S3_ENDPOINT_URL": endpoint,
        "FSSPEC_S3_KEY": "bench",
        "FSSPEC_S3_SECRET": "bench",
        "AWS_EC2_METADATA_DISABLED": "true",
        "BENCH_S3_SERVER_PID": str(proc.pid),
    }
    return {"bucket": "bench", "env": env, "upload": upload, "process": proc}


def _endpoint(log: Path, proc) -> str:
    """The address moto_server says it runs on (in its log)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        text = log.read_text() if log.exists() else ""
        if "Running on http://127.0.0.1:" in text:
            return "http://127.0.0.1:" + text.split("Running on http://127.0.0.1:")[1].split()[0].strip("/")
        time.sleep(0.1)
    raise SystemExit(f"moto_server did not start: {log.read_text()[-2000:] if log.exists() else ''}")


def targets(out: dict) -> dict:
    """The issue's ratios, each with its measured value (medians) and whether it is met."""
    got = {}
    if "one_report" in out:
        one = out["one_report"]
        got["one_report_vs_pdfplumber_one_page"] = max(
            one["ratio_vs_pdfplumber_one_page"]["median"], one["ratio_without_models_vs_pdfplumber_one_page"]["median"]
        )
    per = out.get("per_report", {})
    if "html" in per:
        got["html_vs_lxml_parse"] = per["html"]["ratio_vs_lxml_parse"]["median"]
    if "pdf" in per:
        got["pdf_page_vs_pdfium_text"] = per["pdf"]["ratio_vs_pdfium_text"]["median"]
        got["pdf_vs_pdfplumber_text"] = per["pdf"]["ratio_vs_pdfplumber_text"]["median"]
    if "workers" in out:
        got["text_html_reports_per_s_2_workers"] = out["workers"]["workers_2"]["reports_per_s_median"]
        if "dask_2_workers" in out["workers"]:
            got["dask_vs_workers_2_throughput"] = out["workers"]["dask_vs_workers_2_throughput"]["median"]
            got["dask_client_cpu_ms_per_report"] = out["workers"]["dask_2_workers"]["client_cpu_ms_per_report_median"]
    mem = out["memory"]
    if len(mem) > 1:
        small, large = mem[min(mem, key=int)], mem[max(mem, key=int)]

        def peak(m):
            return m["peak_mb_main"] + (m["peak_mb_largest_worker"] or 0)

        got["memory_largest_vs_smallest"] = round(
            max(peak(large) / peak(small), large["peak_mb_main"] / small["peak_mb_main"]), 3
        )
    result = {}
    for key, value in got.items():
        target = TARGETS[key]
        met = value >= target if key.endswith(("per_s_2_workers", "_throughput")) else value <= target
        result[key] = {"value": value, "target": target, "met": met}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", help="files or directories (default: the real corpus reports)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; min and median kept (default 3)")
    parser.add_argument("--repeat", type=int, default=5, help="copies of each real file per format (default 5)")
    parser.add_argument("--models", default="models", help="the trained models (default models/)")
    parser.add_argument("--synthetic", action="store_true", help="also the held-out synthetic PDFs, as their own row")
    parser.add_argument(
        "--memory-sizes",
        default="20,2000",
        help="batch sizes of generated reports whose peak memory is compared (default 20,2000)",
    )
    parser.add_argument("--scale", type=int, default=None, help="one more run of this many generated reports")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--workers-only",
        action="store_true",
        help="only the text and HTML reports with worker processes and on Dask (no per-format rows, no memory batches)",
    )
    parser.add_argument(
        "--s3",
        action="store_true",
        help="also the Dask run from and to a bucket of an S3 server started here (moto_server)",
    )
    parser.add_argument(
        "--ocr",
        action="store_true",
        help="measure OCR instead: seconds a page and accuracy on the labelled scans, RapidOCR "
        "against Tesseract in the same run",
    )
    parser.add_argument(
        "--engines",
        default="rapidocr,tesseract",
        help="with --ocr: the recognisers compared, rounds interleaved (rapidocr — its models on OpenVINO where "
        "installed —, rapidocr-onnxruntime — the same on ONNX Runtime —, rapidocr3 — the rapidocr 3.x wheel's "
        "PP-OCRv6 —, tesseract; default rapidocr,tesseract)",
    )
    parser.add_argument(
        "--ocr-sets",
        default=",".join(OCR_SETS),
        help=f"with --ocr: the labelled sets read ({', '.join(OCR_SETS)}; default all)",
    )
    parser.add_argument(
        "--ocr-profile",
        action="store_true",
        help="with the --engines and --ocr-sets of --ocr: CPU seconds a page and where they go (render, preprocess, "
        "rulings, cell recognition, second framing, prose detection, prose recognition), one thread, rounds "
        "interleaved, against Tesseract's whole page",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, src, workers, models, extra = args.child
        _child(kind, src, int(workers), models, extra)
        return 0
    if args.ocr_profile:
        figures = {
            "cores": os.cpu_count(),
            "ocr_profile": run_ocr_profile(
                args.rounds, [e for e in args.engines.split(",") if e], [x for x in args.ocr_sets.split(",") if x]
            ),
        }
    elif args.ocr:
        figures = {
            "cores": os.cpu_count(),
            "ocr": run_ocr_comparison(
                args.rounds,
                args.models,
                [e for e in args.engines.split(",") if e],
                [x for x in args.ocr_sets.split(",") if x],
            ),
        }
    else:
        inputs = []
        for p in map(Path, args.inputs):
            inputs += sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        load = os.getloadavg()
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            s3 = s3_server(Path(tmp)) if args.s3 else None
            try:
                figures = benchmark(
                    inputs,
                    args.rounds,
                    args.repeat,
                    args.models,
                    args.synthetic,
                    [int(x) for x in args.memory_sizes.split(",") if x],
                    args.scale,
                    Path(tmp),
                    workers_only=args.workers_only,
                    s3=s3,
                )
            finally:
                if s3:
                    s3["process"].terminate()
                    s3["process"].wait(timeout=30)
        # the machine is shared: the load it was measured under, at the start and at the end
        figures["machine"]["load_average_1min"] = {"start": round(load[0], 2), "end": round(os.getloadavg()[0], 2)}
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
