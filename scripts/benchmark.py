"""Throughput benchmark: reports/s and pages/s per input format, the scaling from 1 to 2 workers, the time of the
tools a user would otherwise run by hand on the same PDFs, and the peak memory of a worker.

    python scripts/benchmark.py                       # corpus reports and the held-out synthetic ones
    python scripts/benchmark.py --repeat 20 --json metrics/benchmark.json
    python scripts/benchmark.py --ocr --rounds 3 --json metrics/benchmark_ocr.json   # OCR: RapidOCR vs Tesseract

Every measurement runs in a fresh subprocess, so memory is counted honestly. The pipeline measurement is the
whole `run_batch` (reading, models, checks, writing JSON, worker processes started and stopped); the one-off start
of a process (imports, loading the models, one warm-up report) is measured apart as `startup_seconds`, since a
batch of a national corpus pays it once. PDFs are measured in two groups: the real corpus PDFs (fonts embedded,
as Word and WPS write them) and the synthetic ones (reportlab's CJK font is not embedded, so PDFium cannot
measure some of their text and pdfplumber reads those pages).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's package, installed or not
FORMATS = {"html": (".html", ".htm"), "txt": (".txt",), "docx": (".docx",), "pdf": (".pdf",),
           "pdf_synthetic": (".pdf",)}


def default_inputs() -> list[Path]:
    dirs = [ROOT / "data" / "raw", ROOT.parent / "shared" / "corpus" / "external",
            ROOT / "data" / "synthetic" / "heldout" / "docs"]
    return [p for d in dirs if d.is_dir() for p in sorted(d.iterdir()) if p.is_file()]


def stage_files(files: list[Path], repeat: int, workdir: Path) -> dict[str, Path]:
    """One directory per format holding `repeat` copies of each file (distinct names, so nothing is skipped)."""
    dirs = {}
    for fmt, exts in FORMATS.items():
        chosen = [f for f in files if f.suffix.lower() in exts]
        if fmt.startswith("pdf"):
            chosen = [f for f in chosen if f.name.startswith("synth-") == (fmt == "pdf_synthetic")]
        if not chosen:
            continue
        d = workdir / fmt
        d.mkdir(parents=True)
        for k in range(repeat):
            for f in chosen:
                shutil.copy(f, d / f"{k:03d}-{f.name}")
        dirs[fmt] = d
    return dirs


def pdf_pages(paths: list[Path]) -> int:
    import pdfplumber

    total = 0
    for p in paths:
        with pdfplumber.open(p) as pdf:
            total += len(pdf.pages)
    return total


# --- measurements, each run in its own process -----------------------------------------------------------------
def measure_pipeline(src: str, workers: int, models: str) -> dict:
    from pipeline.batch.extract import run_batch
    from pipeline.extraction.models import load_models

    from pipeline.batch.extract import warm_up

    started = time.perf_counter()
    warm_up(load_models(models))  # once per process, before the workers start (they inherit it)
    startup = time.perf_counter() - started
    out = tempfile.mkdtemp(prefix="bench-out-")
    started = time.perf_counter()
    result = run_batch([src], out, models, workers=workers, resume=False)
    seconds = time.perf_counter() - started
    shutil.rmtree(out)
    return {"seconds": seconds, "reports": len(result.written), "failed": len(result.errors),
            "startup_seconds": startup}


def measure_pdfplumber_text(src: str) -> dict:
    import pdfplumber

    started = time.perf_counter()
    for p in sorted(Path(src).iterdir()):
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_text()
    return {"seconds": time.perf_counter() - started}


def measure_camelot_all_pages(src: str) -> dict:
    import logging
    import warnings

    import camelot

    logging.getLogger("camelot").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    for p in sorted(Path(src).iterdir()):
        camelot.read_pdf(str(p), pages="all", flavor="lattice")
    return {"seconds": time.perf_counter() - started}


# --- OCR: the project's reader with RapidOCR against the same reader with Tesseract, on the labelled scans -------
def ocr_inputs() -> tuple[list[Path], Path]:
    """The labelled scans (the corpus's real scans, the real PDFs scanned again by the scan_corpus stage, and the
    held-out synthetic `scan` family), with their gold labels gathered in one folder."""
    scans = sorted((ROOT.parent / "shared" / "corpus" / "scans").glob("*.pdf"))
    scans += sorted((ROOT / "data" / "scanned" / "docs").glob("*.pdf"))  # the scan_corpus stage's
    scans += sorted((ROOT / "data" / "synthetic" / "heldout" / "docs").glob("synth-*-scan.pdf"))
    labels = tempfile.mkdtemp(prefix="bench-ocr-labels-")
    for f in scans:
        for d in (ROOT / "data" / "labels", ROOT.parent / "shared" / "corpus" / "labels",
                  ROOT / "data" / "scanned" / "labels", ROOT / "data" / "synthetic" / "heldout" / "labels"):
            if (d / f"{f.name}.gold.json").exists():
                shutil.copy(d / f"{f.name}.gold.json", labels)
                break
    return scans, Path(labels)


def measure_ocr(engine: str, src: str, labels: str, models: str) -> dict:
    """One fresh process: every scan read and predicted with one recogniser, on one core (ONNX Runtime and
    Tesseract's OpenMP held to one thread), then scored against the gold labels."""
    from pipeline.modeling.evaluate import evaluate_dir
    from pipeline.batch.extract import run_batch, warm_up
    from pipeline.extraction.models import load_models
    from pipeline.readers import PdfOptions
    from pipeline.readers.ocr import OcrOptions

    warm_up(load_models(models))
    out = tempfile.mkdtemp(prefix="bench-ocr-")
    options = PdfOptions(ocr=OcrOptions(engine=engine, threads=1))
    started = time.perf_counter()
    result = run_batch([src], out, models, options, workers=0, resume=False, time_limit_s=None)
    seconds = time.perf_counter() - started
    metrics, _, _ = evaluate_dir(out, labels)
    shutil.rmtree(out)
    keys = ("cells_accuracy", "cells_wrong", "cells_null", "cells_n", "section_heading_accuracy",
            "section_boundary_accuracy", "table_status_accuracy")
    return {"seconds": seconds, "failed": len(result.errors), **{k: metrics.get(k) for k in keys}}


def run_ocr_comparison(rounds: int, models: str) -> dict:
    scans, labels = ocr_inputs()
    if not scans:
        return {"skipped": "no labelled scans (../shared/corpus/scans, data/synthetic/heldout)"}
    pages = pdf_pages(scans)
    engines = ["rapidocr"] + (["tesseract"] if shutil.which("tesseract") else [])
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-src-") as src:
        for f in scans:
            shutil.copy(f, src)
        for _ in range(rounds):  # rounds interleaved: both recognisers see the same machine load
            for e in engines:
                runs[e].append(run_child(f"ocr:{e}", Path(src), 0, models, extra=str(labels)))
    shutil.rmtree(labels)
    out = {"documents": len(scans), "pages": pages, "rounds": rounds}
    for e, rs in runs.items():
        secs = sorted(r["seconds"] for r in rs)
        out[e] = {k: v for k, v in rs[0].items() if k != "seconds"}
        out[e].update(seconds_per_page_min=round(secs[0] / pages, 2),
                      seconds_per_page_median=round(secs[len(secs) // 2] / pages, 2))
    if "tesseract" not in engines:
        out["tesseract"] = {"skipped": "tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim)"}
    return out


def _child(kind: str, src: str, workers: int, models: str, extra: str = "") -> None:
    if kind.startswith("ocr:"):
        result = measure_ocr(kind[4:], src, extra, models)
        result["peak_mb_main"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(result))
        return
    fn = {"pipeline": lambda: measure_pipeline(src, workers, models),
          "pdfplumber": lambda: measure_pdfplumber_text(src),
          "camelot": lambda: measure_camelot_all_pages(src)}[kind]
    result = fn()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # with workers the work happens in the children; in one process, in this one
    result["peak_mb_per_worker"] = round(children if workers > 0 and kind == "pipeline" else own, 1)
    result["peak_mb_main"] = round(own, 1)
    print(json.dumps(result))


def run_child(kind: str, src: Path, workers: int = 0, models: str = "models", extra: str = "") -> dict:
    cmd = [sys.executable, __file__, "--child", kind, str(src), str(workers), models, extra]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # Tesseract's OpenMP on one core, like ONNX Runtime here
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", help="files or directories (default: the bundled corpus)")
    parser.add_argument("--repeat", type=int, default=10, help="copies of each file (default 10)")
    parser.add_argument("--models", default="models")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--ocr", action="store_true",
                        help="measure OCR instead: seconds a page and accuracy on the labelled scans, RapidOCR "
                             "against Tesseract in the same run")
    parser.add_argument("--rounds", type=int, default=1, help="OCR: interleaved rounds (min and median reported)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, src, workers, models, extra = args.child
        _child(kind, src, int(workers), models, extra)
        return 0
    if args.ocr:
        figures = {"cores": os.cpu_count(), "ocr": run_ocr_comparison(args.rounds, args.models)}
        print(json.dumps(figures, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        return 0

    files = []
    for p in map(Path, args.inputs):
        files += sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    files = files or default_inputs()
    figures = {"cores": os.cpu_count(), "repeat": args.repeat, "formats": {}}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for fmt, src in stage_files(files, args.repeat, Path(tmp)).items():
            n = len(list(src.iterdir()))
            pages = pdf_pages(sorted(src.iterdir())) if fmt.startswith("pdf") else None
            row = {"files": n, "pages": pages}
            for workers in (1, 2):
                m = run_child("pipeline", src, workers, args.models)
                row[f"workers_{workers}"] = {
                    "seconds": round(m["seconds"], 2), "reports_per_s": round(m["reports"] / m["seconds"], 1),
                    "pages_per_s": round(pages / m["seconds"], 1) if pages else None,
                    "failed": m["failed"], "peak_mb_per_worker": m["peak_mb_per_worker"],
                    "startup_seconds": round(m["startup_seconds"], 2)}
            row["scaling_1_to_2"] = round(row["workers_1"]["seconds"] / row["workers_2"]["seconds"], 2)
            if fmt.startswith("pdf"):
                plumber = run_child("pdfplumber", src)
                cam = run_child("camelot", src)
                ours = row["workers_1"]["seconds"]  # one worker against the one-process tools
                row["pdfplumber_text_seconds"] = round(plumber["seconds"], 2)
                row["camelot_lattice_all_pages_seconds"] = round(cam["seconds"], 2)
                row["pipeline_vs_pdfplumber"] = round(ours / plumber["seconds"], 2)
                row["camelot_vs_pipeline"] = round(cam["seconds"] / ours, 1)
            figures["formats"][fmt] = row
            print(f"{fmt}: {json.dumps(row)}", file=sys.stderr)
    print(json.dumps(figures, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
