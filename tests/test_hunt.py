"""The hunt for wrong numbers (modeling/hunt.py, hunt/dvc.yaml): its scoring counts a wrong number with its
confidence apart from a null, its reliability curve bins OCR'd cells by confidence, it is a stage `dvc repro` does
not run by default, and it runs end to end on a generated scan (slow)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import defaultdict

import pytest

from conftest import ROOT


def _report(rows: dict, cells: dict | None = None) -> dict:
    return {"tables": {"review_litigation": {"status": "found", "rows": rows, "cells": cells or {}}}}


def test_a_wrong_number_is_counted_with_its_confidence_and_a_null_is_not_wrong():
    from pipeline.modeling.hunt import score

    gold = {
        "document": "synth-0001-scan.pdf",
        "tables": {
            "review_litigation": {
                "status": "found",
                "rows": {"review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}},
            }
        },
    }
    report = _report(
        {"review": {"upheld": 7, "corrected": 0, "other": None, "pending": 1, "total": 2}},
        {"review": {"upheld": {"raw": "7", "confidence": 0.93, "source": "ocr", "checked": "sums"}}},
    )
    bare = _report(
        {"review": {"upheld": 7, "corrected": 0, "other": 0, "pending": 1, "total": 2}},
        {
            "review": {
                c: {"raw": "x", "confidence": 0.99, "source": "ocr"}
                for c in ("upheld", "corrected", "other", "pending", "total")
            }
        },
    )
    totals = defaultdict(lambda: {"reports": 0, "cells": 0, "right": 0, "wrong": 0, "null": 0})
    wrong, curve = [], []
    mine = score(report, bare, gold, "scan", totals, wrong, curve)
    assert totals["all"] == {"reports": 0, "cells": 5, "right": 3, "wrong": 1, "null": 1}
    assert totals["scan"]["wrong"] == 1
    assert mine == wrong and wrong[0]["printed"] == 1 and wrong[0]["read"] == 7
    assert wrong[0]["confidence"] == 0.93 and wrong[0]["checked"] == "sums"
    assert sorted(curve) == [(0.99, False)] + [(0.99, True)] * 4  # read without the guard: 7 for 1 is wrong


def test_the_reliability_curve_bins_cells_by_confidence():
    from pipeline.modeling.hunt import reliability

    rows = reliability([(0.2, False), (0.25, True), (0.991, True), (0.992, True), (1.0, True), (0.96, False)])
    by_low = {r["low"]: r for r in rows}
    assert by_low[0.0]["cells"] == 2 and by_low[0.0]["share_right"] == 0.5
    assert by_low[0.99]["cells"] == 2 and by_low[0.995]["cells"] == 1  # a confidence of 1.0 is in the last bin
    assert by_low[0.95]["share_right"] == 0.0
    assert sum(r["cells"] for r in rows) == 6


@pytest.mark.skipif(shutil.which("dvc") is None, reason="needs dvc")
def test_the_hunt_is_not_in_the_default_dvc_repro():
    """`dvc repro` reproduces ./dvc.yaml (its default target); the hunt lives in hunt/dvc.yaml and runs only when
    asked for (`dvc repro hunt/dvc.yaml`)."""
    default = subprocess.run(["dvc", "stage", "list"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert default.returncode == 0, default.stderr
    assert "hunt" not in default.stdout.split() and "evaluate_photographed" in default.stdout
    hunt = subprocess.run(
        ["dvc", "stage", "list", "hunt/dvc.yaml"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert hunt.returncode == 0, hunt.stderr
    assert hunt.stdout.split()[0].endswith("hunt")


def _hunt(*args: str, timeout: int) -> subprocess.CompletedProcess:
    """`python -m pipeline hunt ARGS` from the checkout, on the built-in models (`--models ""`: none trained)."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "hunt", "--models", "", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow  # a minute or two: two generated reports drawn, OCR'd and scored
def test_the_hunt_runs_end_to_end(tmp_path):
    work = str(tmp_path / "work")
    run = _hunt(
        *("--n", "2", "--seed", "7001", "--workers", "1", "--work", work),
        *("--out", str(tmp_path / "hunt.json"), "--curve", str(tmp_path / "curve.csv")),
        *("--cases", str(tmp_path / "cases")),
        timeout=1800,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads((tmp_path / "hunt.json").read_text(encoding="utf-8"))
    assert out["reports"] == 2 and set(out["by_family"]) == {"scan", "photo"} and out["cells"] > 300
    assert out["seeds"] == [7001, 7001]  # --seed draws other reports than params.yaml's hunt.seed
    assert out["wrong"] == len(out["wrong_numbers"]) and out["wrong_per_million"] is not None
    assert (tmp_path / "curve.csv").read_text(encoding="utf-8").startswith("confidence,low,high,cells,right")
    # scored again from what was read (--reuse, no --seed): the same cells, and the seeds of the sets it scored
    again = _hunt(
        "--reuse",
        "--work",
        work,
        "--out",
        str(tmp_path / "again.json"),
        "--curve",
        str(tmp_path / "again.csv"),
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    rescored = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert rescored["seeds"] == [7001, 7001] and rescored["cells"] == out["cells"]
