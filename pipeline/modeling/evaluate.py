"""Score report JSON against gold labels: cells, table status, template, section headings and boundaries.

Metrics are computed per document and aggregated overall, per input format, per layout family, per fold and per
field (every table row and every column in `metrics.json`, every row × column in `fields.csv`); they are written
as `metrics.json` (for `dvc metrics`), a per-cell error table (`errors.csv`), a table-status confusion matrix
(`confusion_status.csv`, for `dvc plots`); the track stage logs them to MLflow.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from ..names import flat_name


def _flat(text: str | None) -> str:
    """Text compared as printed: blanks are not significant, nor is the width of a character (NFKC: a full-width
    ， and a half-width , are one comma, as OCR and typesetting choose either)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def score_report(pred: dict, gold: dict) -> dict:
    """Counts of correct/total for each measure on one document, and the list of wrong cells."""
    c = defaultdict(lambda: [0, 0])
    errors = []
    fmt = Path(gold["document"]).suffix.lstrip(".") or "txt"
    source = pred.get("source", {})
    if source.get("ocr_pages") or source.get("ocr_pictures"):
        fmt += "+ocr"  # read from pixels (a scan, pictures): scored apart from the format's text layer
    m = re.match(r"synth-\d+-(\w+)\.", gold["document"])
    family = m.group(1) if m else fmt
    c["template"][1] += 1
    c["template"][0] += int(pred["meta"]["template"] == gold["meta"]["template"])
    from ..bodies import body_key

    c["meta_year"][1] += 1
    c["meta_year"][0] += int(pred["meta"].get("year") == gold["meta"].get("year"))
    c["meta_body"][1] += 1  # the body named alike once 人民政府 / 办公室 and blanks are set aside
    c["meta_body"][0] += int(
        body_key(pred["meta"].get("body")) is not None
        and body_key(pred["meta"].get("body")) == body_key(gold["meta"].get("body"))
    )
    for table, gt in gold["tables"].items():
        pt = pred["tables"].get(table, {"status": "missing"})
        c["table_status"][1] += 1
        c["table_status"][0] += int(pt["status"] == gt["status"])
        c[f"status:{gt['status']}->{pt['status']}"][0] += 1
        if gt["status"] != "found":
            continue
        for row, cols in gt["rows"].items():
            for col, value in cols.items():
                got = (pt.get("rows") or {}).get(row, {}).get(col) if pt["status"] == "found" else None
                ok = got is not None and value is not None and abs(float(got) - float(value)) < 1e-6
                ok = ok or (got is None and value is None and pt["status"] == "found")
                for key in (
                    "cells",
                    f"cells:{table}",
                    f"field:{table}.{row}.{col}",
                    f"row:{table}.{row}",
                    f"column:{table}.{col}",
                ):
                    c[key][1] += 1
                    c[key][0] += int(ok)
                # a wrong number that looks right is the worst error: counted apart from unreadable (null) cells
                c["cells_wrong"][1] += 1
                c["cells_wrong"][0] += int(not ok and got is not None)
                c["cells_null"][1] += 1
                c["cells_null"][0] += int(not ok and got is None)
                if not ok:
                    raw = ((pt.get("cells") or {}).get(row, {}).get(col) or {}).get("raw")
                    errors.append(
                        {
                            "document": gold["document"],
                            "format": fmt,
                            "table": table,
                            "row": row,
                            "column": col,
                            "gold": value,
                            "predicted": got,
                            "raw": raw,
                        }
                    )
    for gs in gold["sections"]:
        ps = next((s for s in pred["sections"] if s["id"] == gs["id"]), None)
        c["section_heading"][1] += 1
        c["section_heading"][0] += int(ps is not None and _flat(ps["heading"]) == _flat(gs["heading"]))
        for key in ("start", "end"):
            c["section_boundary"][1] += 1
            text = _flat(ps["text"]) if ps else ""
            if gs[key] is None:
                c["section_boundary"][0] += int(text == "")
            else:
                c["section_boundary"][0] += int(_flat(gs[key]) in text)
    from .labeling import fold_of

    fold = "synthetic" if m else fold_of(gold)
    return {
        "document": gold["document"],
        "format": fmt,
        "family": family,
        "fold": fold,
        "counts": {k: v for k, v in c.items()},
        "errors": errors,
    }


def aggregate(scored: list[dict]) -> dict:
    total = defaultdict(lambda: [0, 0])
    by_format = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_family = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_fold = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for s in scored:
        for k, (ok, n) in s["counts"].items():
            total[k][0] += ok
            total[k][1] += n
            for group, key in (
                (by_format, s["format"]),
                (by_family, s.get("family", s["format"])),
                (by_fold, s.get("fold", "heldout")),
            ):
                group[key][k][0] += ok
                group[key][k][1] += n

    def rates(counts):
        out = {}
        for k, (ok, n) in sorted(counts.items()):
            if k.startswith(("status:", "field:", "row:", "column:")):
                continue
            if k in ("cells_wrong", "cells_null"):
                out[f"{k}_rate"] = round(ok / n, 6) if n else None
                out[k] = ok
                continue
            out[f"{k.replace(':', '_')}_accuracy"] = round(ok / n, 6) if n else None
            out[f"{k.replace(':', '_')}_n"] = n
        return out

    metrics = {"documents": len(scored), **rates(total)}
    # per field: every table row and every column, over all documents (fields.csv has each row × column)
    for kind in ("row", "column"):
        metrics[f"by_{kind}"] = {
            k.split(":", 1)[1]: {"accuracy": round(ok / n, 6), "n": n}
            for k, (ok, n) in sorted(total.items())
            if k.startswith(kind + ":")
        }
    metrics["_fields"] = {k.split(":", 1)[1]: (ok, n) for k, (ok, n) in sorted(total.items()) if k.startswith("field:")}
    metrics["by_format"] = {fmt: rates(c) for fmt, c in sorted(by_format.items())}
    if set(by_fold) != {"synthetic"}:
        # real reports: "heldout" were never seen in training; "train" were (the section model learns from them)
        metrics["by_fold"] = {fold: rates(c) for fold, c in sorted(by_fold.items())}
    if set(by_family) != set(by_format):
        metrics["by_family"] = {fam: rates(c) for fam, c in sorted(by_family.items())}
    if set(by_fold) != {"synthetic"}:
        # each real report on its own: its cells, and the misses split into null (unreadable) and wrong numbers
        keys = (
            "cells_accuracy",
            "cells_n",
            "cells_null",
            "cells_wrong",
            "section_heading_accuracy",
            "section_boundary_accuracy",
        )
        no_cells = {"cells_n": 0, "cells_null": 0, "cells_wrong": 0}  # a report whose tables are all missing
        metrics["by_document"] = {}
        for sc in sorted(scored, key=lambda x: x["document"]):
            doc_rates = rates(sc["counts"])
            metrics["by_document"][sc["document"]] = {k: doc_rates.get(k, no_cells.get(k)) for k in keys}
    confusion = defaultdict(int)
    for k, (ok, _) in total.items():
        if k.startswith("status:"):
            confusion[k[len("status:") :]] += ok
    metrics["table_status_confusion"] = dict(sorted(confusion.items()))
    return metrics


def evaluate_dir(reports_dir: str, labels_dir: str) -> tuple[dict, list[dict], list[str]]:
    scored, errors, unmatched = [], [], []
    for gold_path in sorted(Path(labels_dir).glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pred_path = Path(reports_dir) / f"{flat_name(gold['document'])}.json"  # as the batch names its output
        if not pred_path.exists():
            unmatched.append(gold["document"])
            continue
        pred = json.loads(pred_path.read_text(encoding="utf-8"))
        s = score_report(pred, gold)
        scored.append(s)
        errors += s["errors"]
    metrics = aggregate(scored)
    metrics["documents_without_output"] = len(unmatched)
    return metrics, errors, unmatched


def write_outputs(metrics: dict, errors: list[dict], out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fields = metrics.pop("_fields", {})
    with open(out / "fields.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["table", "row", "column", "correct", "cells", "accuracy"])
        for key, (ok, n) in fields.items():
            table, rest = key.split(".", 1)
            row, col = rest.rsplit(".", 1)
            w.writerow([table, row, col, ok, n, round(ok / n, 6) if n else ""])
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(out / "errors.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["document", "format", "table", "row", "column", "gold", "predicted", "raw"])
        w.writeheader()
        w.writerows(errors)
    with open(out / "confusion_status.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["actual", "predicted"])
        for key, n in metrics["table_status_confusion"].items():
            a, p = key.split("->")
            for _ in range(n):
                w.writerow([a, p])


# metrics/headline.json: the few figures a user compares between runs and experiments (the DVC metrics; the full
# files stay beside it as outputs). Each set: cells read right, wrong numbers (a wrong number is worse than a null),
# null share, tables found/missing right, headings, section boundaries.
HEADLINE_SETS = {
    # real reports the models never learned from: the held-out fold
    "heldout": ("metrics.json", ("by_fold", "heldout")),
    # every real report, each predicted by a section model trained without its fold
    "crossfit": ("crossfit/metrics.json", ()),
    "synthetic": ("synthetic/metrics.json", ()),  # held-out synthetic reports, every layout family
    "scanned": ("scanned/metrics.json", ()),  # the real PDFs printed and scanned, read by OCR
    "photographed": ("photographed/metrics.json", ()),  # the real PDFs printed and photographed on a desk
}
HEADLINE_FIGURES = {
    "cells": "cells_accuracy",
    "wrong": "cells_wrong",
    "null": "cells_null_rate",
    "tables": "table_status_accuracy",
    "headings": "section_heading_accuracy",
    "bounds": "section_boundary_accuracy",
}


def headline(metrics_dir: str | Path) -> dict:
    """{set: {figure: value}} from the evaluate stages' metrics files; a set whose file is absent is left out."""
    root = Path(metrics_dir)
    out: dict = {}
    for name, (rel, path) in HEADLINE_SETS.items():
        f = root / rel
        if not f.is_file():
            continue
        m = json.loads(f.read_text(encoding="utf-8"))
        for key in path:
            m = m.get(key, {})
        if not m:
            continue
        out[name] = {
            short: round(m[key], 4) if isinstance(m[key], float) else m[key]
            for short, key in HEADLINE_FIGURES.items()
            if key in m
        }
    return out


def write_headline(metrics_dir: str | Path, out_path: str | Path) -> dict:
    data = headline(metrics_dir)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {f"{k}.{f}": v for k, figs in data.items() for f, v in figs.items()}
