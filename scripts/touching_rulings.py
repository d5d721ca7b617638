"""How sure the OCR reader is of numbers printed against their cell's rulings, and how often it would be wrong if a
third reading were trusted.

Draws ruled tables of random counts (1–4 digits, 7s and 1s often among them: the glyphs a ruling's margin turns into
others), each number pushed against one of its cell's rulings — touching it, or running 1–3 pixels into it — at
150–250 dpi with blur and sensor noise, and reads them with the project's reader (readers/ocr/page.py). Over the
cells whose ink was found against a ruling (`doubts["ruling"]`) it reports how many the reader takes as sure
(confidence at or above `--min-confidence`) and how many of those are not the printed number: the reader takes a
number whose ink stands apart from the ruling's own (`apart`, not `fused`) and whose three readings agree. Beside
it, what the broader rule "a third reading with the ruling's ink restored that agrees makes the number as sure as its
readings", fused to the ruling or not, would take, and how many of those would be wrong (a rule tried and dropped).

    python scripts/touching_rulings.py --tables 20 --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WHERE = ("left", "right", "top", "bottom")


def _number(rng: random.Random) -> str:
    digits = rng.choice([1, 1, 2, 2, 3, 4])
    pool = "0123456789" + "71" * 3
    text = rng.choice("123456789" + "71" * 2) + "".join(rng.choice(pool) for _ in range(digits - 1))
    return text


def ruled_table(rng: random.Random, rows: int = 4, cols: int = 5):
    """(grey picture, scale, printed texts): a ruled table with every number set against a ruling."""
    from pipeline.modeling.ruled_tables import draw_ruled_table

    dpi = rng.choice([150, 200, 250])
    overlap = rng.choice([1, 0, -1, -2, -3])
    blur = rng.uniform(0.6, 1.2)
    font_pt = rng.uniform(9, 11)
    width = rng.choice([40, 55, 70])
    numbers = [[(_number(rng), rng.choice(WHERE)) for _ in range(cols)] for _ in range(rows)]
    grey, scale = draw_ruled_table(
        [[t for t, _ in row] for row in numbers],
        [[w for _, w in row] for row in numbers],
        dpi=dpi,
        overlap=overlap,
        blur=blur,
        font_pt=font_pt,
        column_pt=width,
        row_pt=22,
        label_dy_px=5,
        noise_seed=rng.randrange(1 << 30),
    )
    return grey, scale, [[(t, f"{dpi}dpi {w} {overlap:+d}px") for t, w in row] for row in numbers]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-confidence", type=float, default=0.9, help="params.yaml ocr.min_confidence")
    ap.add_argument("--out", help="write the figures as JSON here too")
    args = ap.parse_args(argv)

    from pipeline.readers.ocr.options import OcrOptions
    from pipeline.readers.ocr.page import read_picture

    rng = random.Random(args.seed)
    counts = {"cells": 0, "against_a_ruling": 0, "fused": 0, "apart": 0, "sure": 0, "sure_wrong": 0}
    counts["third_reading_sure"] = 0
    counts["third_reading_wrong"] = 0
    wrong = []
    for _ in range(args.tables):
        grey, scale, texts = ruled_table(rng)
        result = read_picture(grey, scale, OcrOptions())
        if len(result.tables) != 1:
            continue
        rows = result.tables[0][1]
        for printed, row in zip(texts, rows):
            for (text, drawn), cell in zip(printed, row[1:]):
                counts["cells"] += 1
                if not cell.doubts or "ruling" not in cell.doubts:
                    continue
                counts["against_a_ruling"] += 1
                counts["fused" if cell.doubts.get("fused") else "apart"] += 1
                if (cell.confidence or 0.0) >= args.min_confidence:
                    counts["sure"] += 1
                    counts["sure_wrong"] += cell.text != text
                restored, confidence = cell.doubts["ruling"]
                trusted = min(cell.doubts["as_read"], confidence)
                if (
                    set(cell.doubts) <= {"as_read", "ruling", "fused"}
                    and restored == cell.text
                    and trusted >= args.min_confidence
                ):
                    counts["third_reading_sure"] += 1
                    if cell.text != text:
                        counts["third_reading_wrong"] += 1
                        wrong.append({"printed": text, "read": cell.text, "confidence": trusted, "drawn": drawn})
    report = {**counts, "third_reading_wrong_cells": wrong, "tables": args.tables, "seed": args.seed}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
