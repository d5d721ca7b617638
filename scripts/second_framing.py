"""How often the second framing of an OCR'd number catches a first reading that was sure of itself and wrong, over
the documents a hunt read (`data/hunt/documents`, `dvc repro hunt/dvc.yaml`): the evidence for reading a number
twice only when its first reading is doubtful (issue 26).

Each value cell of the hunt's gold tables that OCR read is found in its document (the report's `where`: block and
grid position), and its first reading (`doubts.as_read`, or its confidence where nothing was doubted) is scored
against the printed number. For each threshold it counts the first readings at or above it whose second framing
agreed and whose second framing read otherwise (`doubts.framings`), each right or wrong.

    python scripts/second_framing.py --work data/hunt
    python -m pipeline read data/scanned/docs data/photographed/docs --out /tmp/docs --ocr auto --keep-going
    python scripts/second_framing.py --documents /tmp/docs
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

THRESHOLDS = (0.9, 0.97, 0.99)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default="data/hunt", help="the hunt's work folder")
    ap.add_argument(
        "--documents",
        help="documents read elsewhere instead (`python -m pipeline read DOCS… --out DIR`), each input's gold label "
        "beside its folder as the scan_corpus stage writes them (data/scanned/docs/X → data/scanned/labels/X.gold.json)",
    )
    ap.add_argument("--models", default="models")
    ap.add_argument("--out", help="write the counts as JSON here too")
    args = ap.parse_args(argv)

    from pipeline import schema
    from pipeline.batch.stages import DOC_SUFFIX, predict_one
    from pipeline.document import Document, origin_cells, span_origins
    from pipeline.extraction.cells import parse_value
    from pipeline.extraction.models import load_models
    from pipeline.modeling.hunt import _gold_of
    from pipeline.readers.ocr.options import OcrOptions
    from pipeline.readers.options import ReadOptions

    models = load_models(args.models)
    bare = ReadOptions(ocr=dataclasses.replace(OcrOptions(), min_confidence=0.0, very_sure=0.0))
    counts: Counter = Counter()
    caught = []
    documents = Path(args.documents) if args.documents else Path(args.work) / "documents"
    for path in sorted(documents.glob(f"*{DOC_SUFFIX}")):
        doc = Document.from_dict(json.loads(path.read_text(encoding="utf-8")))
        found = _gold_of(doc.path)
        if found is None:
            continue
        gold = found[1]
        report = predict_one(doc, models, bare)
        grids: dict = {}
        for table, gt in gold["tables"].items():
            if gt["status"] != "found":
                continue
            cells = report["tables"].get(table, {}).get("cells") or {}
            for row, cols in gt["rows"].items():
                for col, value in cols.items():
                    entry = (cells.get(row) or {}).get(col) or {}
                    where = entry.get("where") or {}
                    if value is None or entry.get("source") != "ocr" or "grid" not in where or "block" not in where:
                        continue
                    block = where["block"]
                    if block not in grids:
                        rows = doc.blocks[block].rows
                        grids[block] = origin_cells(rows, span_origins(rows))
                    cell = grids[block].get(tuple(where["grid"]))
                    if cell is None or not cell.ink:
                        counts["not found in the document"] += cell is None
                        continue
                    doubts = cell.doubts or {}
                    as_read = doubts.get("as_read", cell.confidence or 0.0)
                    first = parse_value(cell.text, schema.value_kind(table, col))
                    right = first is not None and abs(float(first) - float(value)) < 1e-6
                    second = "framings_disagree" if "framings" in doubts else "framings_agree"
                    for t in THRESHOLDS:
                        if as_read >= t:
                            counts[f"{t} {second} {'right' if right else 'wrong'}"] += 1
                    if second == "framings_disagree" and not right and as_read >= THRESHOLDS[0]:
                        caught.append(
                            {"document": gold["document"], "cell": f"{table}.{row}.{col}", "printed": value}
                            | {"first": cell.text, "as_read": as_read, "second": doubts["framings"]}
                        )
    out = {"counts": dict(sorted(counts.items())), "caught_by_the_second_framing": caught}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
