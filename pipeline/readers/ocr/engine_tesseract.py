"""Tesseract (Debian's tesseract-ocr with its chi_sim model) as the engine, the baseline RapidOCR is measured
against (`--ocr-engine tesseract`, scripts/benchmark.py --ocr).

The page goes through the same steps as with RapidOCR (deskew, flattened paper, rulings, the grid, the ink test of
each cell); only the reading differs: Tesseract reads the whole page once (`--psm 6`, TSV with a box and a
confidence per word), and each cell takes the words whose centre lies in it. A cell with ink but no word is
unreadable, as with RapidOCR.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile

from ...document import UNREADABLE
from .cells import line_boxes
from .engine import OcrUnavailable

TIMEOUT = 300  # seconds for one page


def available() -> bool:
    return shutil.which("tesseract") is not None


def words(grey) -> list[tuple[int, int, int, int, str, float, tuple]]:
    """Tesseract's words of a grey page: (x0, top, x1, bottom, text, confidence 0-1, line key)."""
    import cv2

    if not available():
        raise OcrUnavailable("Tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
    with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
        cv2.imwrite(tmp.name, grey)
        run = subprocess.run(
            ["tesseract", tmp.name, "stdout", "-l", "chi_sim", "--psm", "6", "tsv"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    if run.returncode != 0:
        raise OcrUnavailable(f"Tesseract failed: {run.stderr.strip()[:200]}")
    out = []
    for line in run.stdout.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        left, top, width, height = (int(v) for v in parts[6:10])
        conf = max(0.0, float(parts[10])) / 100.0
        out.append((left, top, left + width, top + height, parts[11].strip(), conf, tuple(parts[1:5])))
    return out


def read_cells(found, boxes: dict, grid) -> dict:
    """{cell: (text, confidence, alternatives, ink)}: the words inside each cell that holds ink (boxes from
    cells.line_boxes; a cell without ink is blank)."""
    results = {}
    inside: dict = {}
    for w in found:
        cell = grid.cell_at((w[0] + w[2]) / 2, (w[1] + w[3]) / 2)
        if cell is not None:
            inside.setdefault(cell, []).append(w)
    for cell, bs in boxes.items():
        if not bs:
            results[cell] = ("", 1.0, [], False)
            continue
        ws = sorted(inside.get(cell, []), key=lambda w: (w[6], w[0]))
        if not ws:
            results[cell] = (UNREADABLE, 0.0, [("", 0.5)], True)
            continue
        lines: dict = {}
        for w in ws:
            lines.setdefault(w[6], []).append(w[4])
        results[cell] = ("\n".join("".join(v) for v in lines.values()), min(w[5] for w in ws), [], True)
    return results


def prose_lines(found, covered, scale: float) -> list[tuple[float, float, str, float, float]]:
    """Tesseract's lines outside the tables, as (top, bottom, text, x0, x1) in points."""
    lines: dict = {}
    for w in found:
        cx, cy = (w[0] + w[2]) // 2, (w[1] + w[3]) // 2
        if 0 <= cy < covered.shape[0] and 0 <= cx < covered.shape[1] and covered[cy, cx]:
            continue
        lines.setdefault(w[6], []).append(w)
    out = []
    for ws in lines.values():
        ws.sort(key=lambda w: w[0])
        text = "".join(w[4] for w in ws)
        out.append(
            (
                min(w[1] for w in ws) / scale,
                max(w[3] for w in ws) / scale,
                text,
                ws[0][0] / scale,
                max(w[2] for w in ws) / scale,
            )
        )
    return sorted(out)


class TesseractEngine:
    """engine.Engine with Tesseract: the page's words read once (`start`), each cell given the words inside it, the
    prose the words outside the grids."""

    def __init__(self):
        self.found: list = []

    def start(self, picture) -> None:
        self.found = words(picture.clean)

    def cells(self, picture, grid) -> dict:
        return read_cells(self.found, line_boxes(picture.ink, picture.lines_mask, grid, picture.scale)[0], grid)

    def prose(self, picture, covered) -> list:
        return prose_lines(self.found, covered, picture.scale)
