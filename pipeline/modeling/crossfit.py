"""Cross-fitted predictions of the labelled real reports: every real report is scored by models that never saw it.

The row and column labelers learn only from generated label variants, so they are used as trained. The section
model also learns from the real reports of the training fold (labeling.fold_of), so here it is trained once per
fold without that fold's reports, and predicts only that fold's documents. The evaluate stage then scores the
merged predictions against the gold labels, over all real reports at once.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from ..batch.run import run_batch
from ..batch.runners import InProcess
from ..batch.stages import DOC_SUFFIX, Predict
from .labeling import fold_of
from ..extraction.models import COLUMN_LABELER_FILE, ROW_LABELER_FILE
from ..readers.options import read_options
from .train import train_section_model


def documents_by_fold(documents_dir: str, labels_dir: str) -> dict[str, list[Path]]:
    """The document JSON of each labelled real report (synthetic ones are scored apart), grouped by fold."""
    folds: dict[str, list[Path]] = {}
    for doc_json in sorted(Path(documents_dir).glob(f"*{DOC_SUFFIX}")):
        name = doc_json.name[: -len(DOC_SUFFIX)]
        gold_path = Path(labels_dir) / f"{name}.gold.json"
        if not gold_path.exists() or name.startswith("synth-"):
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        folds.setdefault(fold_of(gold), []).append(doc_json)
    return folds


def crossfit(
    params: dict,
    documents_dir: str,
    labels_dir: str,
    synthetic_dir: str,
    models_dir: str,
    out_dir: str,
    docs_dirs: list[str],
) -> dict:
    """Write a report JSON for every labelled real report into `out_dir`, each predicted with a section model
    trained without the report's fold. Returns {fold: {"documents": n, "section_model": training figures}}."""
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    summary, errors = {}, []
    for fold, docs in sorted(documents_by_fold(documents_dir, labels_dir).items()):
        with tempfile.TemporaryDirectory(prefix=f"crossfit-{fold}-") as tmp:
            for name in (ROW_LABELER_FILE, COLUMN_LABELER_FILE):
                shutil.copy(Path(models_dir) / name, Path(tmp) / name)
            figures = train_section_model(
                params.get("sections", {}), synthetic_dir, tmp, labels_dir, docs_dirs, exclude_fold=fold
            )
            part = out / fold
            result = run_batch(
                [str(d) for d in docs],
                str(part),
                Predict(models_dir=tmp, options=read_options(params)),
                InProcess(),
                resume=False,
            )
        for report in part.glob("*.json"):
            report.rename(out / report.name)
        errors += result.errors
        shutil.rmtree(part)
        summary[fold] = {"documents": len(docs), "section_model": figures}
    (out / "errors.jsonl").write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors), encoding="utf-8"
    )
    return summary
