"""Photographed pages squared up by the project's own sheet finder (readers/ocr/photo.py) against a maintained
rectifier from PyPI, end to end: the same photos, the same reader and guard, scored against the gold labels.

    pip install page-dewarp            # not a dependency of the project: only this measurement uses it
    python scripts/compare_rectifiers.py data/synthetic/heldout/docs/synth-*-photo.pdf --json metrics/rectifiers.json

For each labelled photographed PDF, every page is rendered as the reader renders it, then
- `project`: the pages bound as a multi-page TIFF and read (the reader finds the sheet, squares it up, evens the
  light);
- `page-dewarp`: each page dewarped first by `python -m page_dewarp` (a cubic sheet model fitted to the text
  lines, grey output kept with `-nb 1`), the dewarped pages bound and read the same way (the reader finds no sheet
  in them: page-dewarp's output is the page).
Cells right, wrong numbers, nulls, and seconds a page of the rectification itself (wall and CPU), per variant.
`rapid-undistorted` is not measured: it fetches its ONNX models from the network on first use, and nothing may be
downloaded at run time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _gold(path: Path) -> dict | None:
    for d in (path.parent.parent / "labels", ROOT / "data" / "photographed" / "labels"):
        f = d / f"{path.name}.gold.json"
        if f.is_file():
            return json.loads(f.read_text(encoding="utf-8"))
    return None


def _pages(path: Path) -> list:
    from pipeline.readers.ocr.options import OcrOptions
    from pipeline.readers.ocr.page import render_page
    from pipeline.readers.pdf import ocr_dpi
    from pipeline.readers.pdf_layer import open_pdf, read_page

    pdf = open_pdf(path.read_bytes())
    try:
        return [render_page(pdf, i, ocr_dpi(read_page(pdf, i), OcrOptions()))[0] for i in range(len(pdf))]
    finally:
        pdf.close()


def _tiff(pages, target: Path) -> Path:
    from PIL import Image

    frames = [Image.fromarray(p) for p in pages]
    frames[0].save(target, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    return target


def _dewarped(pages, tmp: Path) -> tuple[list, float, float]:
    import cv2

    out = []
    wall = cpu = 0.0
    for k, page in enumerate(pages):
        src = tmp / f"page{k}.png"
        cv2.imwrite(str(src), page)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "page_dewarp", "-nb", "1", "-o", str(tmp), str(src)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp,
        )
        wall += time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        result = tmp / f"page{k}_thresh.png"
        if run.returncode != 0 or not result.exists():
            out.append(page)  # page-dewarp gave up on this page: read as photographed
            continue
        out.append(cv2.imread(str(result), cv2.IMREAD_GRAYSCALE))
    return out, wall, cpu


def _sheet_seconds(pages) -> tuple[float, float]:
    from pipeline.readers.ocr.preprocess import find_page

    started, cpu0 = time.perf_counter(), time.process_time()
    for p in pages:
        find_page(p, 200 / 72)  # the sheet found and squared up
    return time.perf_counter() - started, time.process_time() - cpu0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", help="labelled photographed PDFs")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    from pipeline.batch.stages import extract_one
    from pipeline.extraction.models import load_models
    from pipeline.modeling.evaluate import score_report

    models = load_models(None)
    totals = {
        v: {"cells": 0, "right": 0, "wrong": 0, "null": 0, "pages": 0, "seconds": 0.0, "cpu_seconds": 0.0}
        for v in ("project", "page-dewarp")
    }
    for name in args.inputs:
        path = Path(name)
        gold = _gold(path)
        if gold is None:
            continue
        pages = _pages(path)
        with tempfile.TemporaryDirectory(prefix="rectifiers-") as tmp:
            tmp = Path(tmp)
            wall, cpu = _sheet_seconds(pages)
            dewarped, dwall, dcpu = _dewarped(pages, tmp)
            for variant, frames, secs, cpus in (("project", pages, wall, cpu), ("page-dewarp", dewarped, dwall, dcpu)):
                doc = _tiff(frames, tmp / f"{variant}.tif")
                gold_v = dict(gold, document=doc.name)
                counts = score_report(extract_one(doc, models), gold_v)["counts"]
                t = totals[variant]
                t["cells"] += counts["cells"][1]
                t["right"] += counts["cells"][0]
                t["wrong"] += counts["cells_wrong"][0]
                t["null"] += counts["cells_null"][0]
                t["pages"] += len(frames)
                t["seconds"] += secs
                t["cpu_seconds"] += cpus
                print(path.name, variant, counts["cells"], "wrong", counts["cells_wrong"][0], flush=True)
    out = {
        v: {
            "documents": len(args.inputs),
            "cells": t["cells"],
            "right": t["right"],
            "wrong": t["wrong"],
            "null": t["null"],
            "cells_accuracy": round(t["right"] / max(1, t["cells"]), 4),
            "rectify_seconds_per_page": round(t["seconds"] / max(1, t["pages"]), 3),
            "rectify_cpu_seconds_per_page": round(t["cpu_seconds"] / max(1, t["pages"]), 3),
        }
        for v, t in totals.items()
    }
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
