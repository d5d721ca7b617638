"""A hunt for wrong numbers at volume: the project's promise (a number it is not sure of is null, never wrong)
measured on hundreds of generated scans and photographs, not hoped for.

1. Draw: `n` synthetic reports of the pixel families (`scan`, `photo`), in chunks of `chunk`, each chunk from its
   own seed (`seed`, `seed + 1`, …), so every report has its own layout, numbers, resolution and damage; the chunks
   are drawn in `workers` processes.
2. Read every document once (OCR: batch/extract.py's read mode, `workers` processes).
3. Predict each document twice from the one reading: as the pipeline does (the OCR guard at `ocr.min_confidence`
   and `ocr.very_sure`), for the wrong numbers; and with both thresholds at 0 (every reading taken as read), for
   the reliability of the recogniser's confidence.
4. `metrics/hunt.json`: cells, wrong numbers per million cells, nulls, each wrong number with its document, cell,
   printed value, reading, confidence and whether the sums chose it; by family. `metrics/hunt_reliability.csv`:
   the OCR'd cells of tables 3 and 4 (every one of them under a sum, so no threshold but the two chosen from this
   curve decides them) binned by confidence, against how often the reading was the printed number — the curve
   `ocr.min_confidence` and `ocr.very_sure` are chosen from (a DVC plot).

It is the `hunt` stage of `hunt/dvc.yaml`, a pipeline file of its own: `dvc repro` reproduces the project's
`dvc.yaml` only (its default target), `dvc repro hunt/dvc.yaml` runs the hunt (an hour or more on two cores).
With `cases`, every document holding a wrong number is copied there with its gold label and what was wrong, so
the case can be read again (`python -m pipeline extract CASE/doc --out …`).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import shutil
from collections import defaultdict
from pathlib import Path

BINS = [0.0, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0001]
CURVE_TABLES = ("requests", "review_litigation")  # every cell of these is under a sum


def _draw(job) -> list[str]:
    folder, count, seed, raw_dir, families = job
    from .synthesize import generate

    return generate(folder, count, seed, raw_dir, families)


def draw(work: Path, n: int, seed: int, chunk: int, families: list[str], raw_dir: str, workers: int) -> list[Path]:
    """The generated sets (one folder per chunk, each with docs/ and labels/), drawn in `workers` processes."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [
        (str(work / f"seed-{seed + k}"), min(chunk, n - k * chunk), seed + k, raw_dir, families)
        for k in range(math.ceil(n / chunk))
    ]
    for folder, *_ in jobs:
        if Path(folder).exists():
            shutil.rmtree(folder)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_draw, jobs))
    else:
        for job in jobs:
            _draw(job)
    return [Path(j[0]) for j in jobs]


def _gold_of(doc_path: str) -> tuple[Path, dict] | None:
    path = Path(doc_path)
    gold = path.parent.parent / "labels" / f"{path.name}.gold.json"
    return (gold, json.loads(gold.read_text(encoding="utf-8"))) if gold.is_file() else None


def score(report: dict, bare: dict, gold: dict, family: str, totals: dict, wrong: list, curve: list) -> list:
    """Add one document's cells to `totals` (per family too), its wrong numbers to `wrong`, and the OCR'd cells of
    tables 3 and 4 read without the guard to `curve` as (confidence, right). Returns this document's wrong cells."""
    mine = []
    for table, gt in gold["tables"].items():
        if gt["status"] != "found":
            continue
        pt, bt = report["tables"].get(table, {}), bare["tables"].get(table, {})
        for row, cols in gt["rows"].items():
            for col, value in cols.items():
                if value is None:
                    continue
                got = (pt.get("rows") or {}).get(row, {}).get(col) if pt.get("status") == "found" else None
                for key in ("all", family):
                    totals[key]["cells"] += 1
                    totals[key]["right"] += int(got is not None and abs(float(got) - float(value)) < 1e-6)
                    totals[key]["null"] += int(got is None)
                if got is not None and abs(float(got) - float(value)) >= 1e-6:
                    entry = ((pt.get("cells") or {}).get(row) or {}).get(col) or {}
                    case = {
                        "document": gold["document"],
                        "family": family,
                        "table": table,
                        "row": row,
                        "column": col,
                        "printed": value,
                        "read": got,
                        "raw": entry.get("raw"),
                        "confidence": entry.get("confidence"),
                        "source": entry.get("source"),
                        "checked": entry.get("checked"),
                    }
                    wrong.append(case)
                    mine.append(case)
                    for key in ("all", family):
                        totals[key]["wrong"] += 1
                if table in CURVE_TABLES and bt.get("status") == "found":
                    b = (bt.get("rows") or {}).get(row, {}).get(col)
                    entry = ((bt.get("cells") or {}).get(row) or {}).get(col) or {}
                    if b is not None and entry.get("source") == "ocr" and entry.get("confidence") is not None:
                        curve.append((float(entry["confidence"]), abs(float(b) - float(value)) < 1e-6))
    return mine


def reliability(curve: list) -> list[dict]:
    """The cells binned by confidence: how many, how many read right, the share right."""
    out = []
    for lo, hi in zip(BINS, BINS[1:]):
        inside = [right for conf, right in curve if lo <= conf < hi]
        if inside:
            out.append(
                {
                    "confidence": round((lo + min(hi, 1.0)) / 2, 4),
                    "low": lo,
                    "high": min(hi, 1.0),
                    "cells": len(inside),
                    "right": sum(inside),
                    "share_right": round(sum(inside) / len(inside), 5),
                }
            )
    return out


def run_hunt(
    work_dir: str,
    metrics_out: str,
    curve_out: str,
    n: int,
    seed: int,
    chunk: int,
    families: list[str],
    workers: int,
    raw_dir: str,
    models_dir: str | None,
    ocr_options,
    cases_dir: str | None = None,
    reuse: bool = False,
) -> dict:
    """The hunt (see the module's doc). With `reuse`, nothing is drawn or read again: the documents already read
    into `work_dir` are scored (an interrupted hunt scored on what it read)."""
    import time

    from ..batch.run import run_batch
    from ..batch.runners import InProcess, ProcessPool
    from ..batch.stages import DOC_SUFFIX, Read, predict_one
    from ..document import Document
    from ..extraction.models import load_models
    from ..readers.options import ReadOptions

    started = time.perf_counter()
    work = Path(work_dir)
    documents = work / "documents"
    options = ReadOptions(ocr=ocr_options)
    if reuse:
        sets = sorted((work / "sets").glob("seed-*"))
        drawn = read = time.perf_counter()
        errors = (
            [
                json.loads(line)
                for line in (documents / "errors.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            if (documents / "errors.jsonl").is_file()
            else []
        )
    else:
        sets = draw(work / "sets", n, seed, chunk, families, raw_dir, workers)
        drawn = time.perf_counter()
        if documents.exists():
            shutil.rmtree(documents)
        runner = ProcessPool(workers) if workers > 1 else InProcess()
        errors = run_batch(
            [str(s / "docs") for s in sets], str(documents), Read(options=options), runner, resume=False
        ).errors
        read = time.perf_counter()
    models = load_models(models_dir)
    bare_options = ReadOptions(ocr=dataclasses.replace(ocr_options, min_confidence=0.0, very_sure=0.0))
    totals: dict = defaultdict(lambda: {"reports": 0, "cells": 0, "right": 0, "wrong": 0, "null": 0})
    wrong: list = []
    curve: list = []
    failed = [{"file": e.get("file"), "message": e.get("message")} for e in errors]
    for path in sorted(documents.glob(f"*{DOC_SUFFIX}")):
        doc = Document.from_dict(json.loads(path.read_text(encoding="utf-8")))
        found = _gold_of(doc.path)
        if found is None:
            continue
        gold_path, gold = found
        family = gold["document"].split("-")[2].split(".")[0]
        try:
            report = predict_one(doc, models, options)
            bare = predict_one(doc, models, bare_options)
        except Exception as e:  # a document the pipeline fails on is a finding too: recorded, its case kept
            failed.append({"file": doc.path, "stage": "predict", "message": f"{type(e).__name__}: {str(e)[:200]}"})
            mine = [{"document": gold["document"], "family": family, "error": f"{type(e).__name__}: {e}"}]
        else:
            for key in ("all", family):
                totals[key]["reports"] += 1
            mine = score(report, bare, gold, family, totals, wrong, curve)
        if mine and cases_dir:
            case = Path(cases_dir) / f"{Path(doc.path).parent.parent.name}-{Path(doc.path).stem}"
            case.mkdir(parents=True, exist_ok=True)
            shutil.copy(doc.path, case)
            shutil.copy(gold_path, case)
            (case / "wrong.json").write_text(json.dumps(mine, ensure_ascii=False, indent=1), encoding="utf-8")
    curve_rows = reliability(curve)
    Path(curve_out).parent.mkdir(parents=True, exist_ok=True)
    with open(curve_out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["confidence", "low", "high", "cells", "right", "share_right"])
        w.writeheader()
        w.writerows(curve_rows)

    def figures(t):
        return {
            **t,
            "cells_accuracy": round(t["right"] / t["cells"], 5) if t["cells"] else None,
            "wrong_per_million": round(1e6 * t["wrong"] / t["cells"], 1) if t["cells"] else None,
        }

    drawn_seeds = sorted(int(s.name.split("-", 1)[1]) for s in sets)  # the sets' own: --reuse draws nothing
    out = {
        "reports": totals["all"]["reports"],
        "drawn": sum(1 for s in sets for _ in (s / "docs").glob("*")),
        "seeds": [drawn_seeds[0], drawn_seeds[-1]] if drawn_seeds else [],
        "families": families,
        "thresholds": {"min_confidence": ocr_options.min_confidence, "very_sure": ocr_options.very_sure},
        **{k: v for k, v in figures(totals["all"]).items() if k != "reports"},
        "by_family": {k: figures(v) for k, v in sorted(totals.items()) if k != "all"},
        "wrong_numbers": sorted(wrong, key=lambda c: (c["document"], c["table"], c["row"], c["column"])),
        "failed": failed,
        "curve_cells": len(curve),
    }
    Path(metrics_out).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    # timings are told, not kept with the figures: the metrics file changes only when the figures do
    out["seconds"] = {
        "draw": round(drawn - started, 1),
        "read": round(read - drawn, 1),
        "predict_and_score": round(time.perf_counter() - read, 1),
    }
    return out
