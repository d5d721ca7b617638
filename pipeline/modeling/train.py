"""Train the row labeler and save it under models/ (the track stage logs it to MLflow).

Training data: label variants generated from fields.json (see labels.py). Real reports are kept out of training so
that evaluation on them is never on a report the model has seen. The held-out score reported here is on a fresh
draw of generated variants (another seed) and is a synthetic figure, never mixed with real-report scores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..headings import normalise
from ..extraction.labels import ColumnLabeler, RowLabeler, column_training_examples, training_examples
from ..extraction.models import COLUMN_LABELER_FILE, ROW_LABELER_FILE, SECTION_MODEL_FILE
from ..params import Sections, Train


def labeler_from_params(model_cls, X, y, params: dict):
    """A row or column labeler fitted with the `train` parameters (also used by the labeler comparison)."""
    p = Train(**params)
    return model_cls.train(X, y, C=float(p.C), ngram_max=int(p.ngram_max), seed=int(p.seed))


def _fit_on_variants(model_cls, examples, per: int, params: dict, out_dir: str, file: str):
    """Fit a labeler on generated variants (`examples(seed, per)`), score it on a fresh draw (another seed: a
    synthetic figure) and save it. Returns (X, y, held-out accuracy, seconds of generating and fitting)."""
    t0 = time.time()
    seed = int(Train(**params).seed)
    X, y = examples(seed, per)
    model = labeler_from_params(model_cls, X, y, params)
    seconds = time.time() - t0
    Xh, yh = examples(seed + 1000, 10)
    pred = [c for c, _ in model.predict(Xh)]
    heldout = sum(int(a == b) for a, b in zip(pred, yh)) / len(yh)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / file)
    return X, y, heldout, seconds


def train_row_labeler(params: dict, out_dir: str = "models") -> dict:
    X, y, heldout, seconds = _fit_on_variants(
        RowLabeler, training_examples, int(Train(**params).per_row), params, out_dir, ROW_LABELER_FILE
    )
    return {
        "row_labeler_synthetic_heldout_accuracy": round(heldout, 6),
        "train_examples": len(X),
        "train_seconds": round(seconds, 3),
        "classes": len(set(y)),
    }


def train_column_labeler(params: dict, out_dir: str = "models") -> dict:
    """The column labeler, from header variants generated from fields.json; scored on a fresh draw (synthetic)."""
    X, _, heldout, seconds = _fit_on_variants(
        ColumnLabeler, column_training_examples, int(Train(**params).per_column), params, out_dir, COLUMN_LABELER_FILE
    )
    return {
        "column_labeler_synthetic_heldout_accuracy": round(heldout, 6),
        "column_labeler_train_examples": len(X),
        "column_labeler_train_seconds": round(seconds, 3),
    }


def train_section_model(
    params: dict,
    synthetic_dir: str,
    out_dir: str = "models",
    labels_dir: str | None = None,
    docs_dirs: list[str] = (),
    exclude_fold: str = "heldout",
) -> dict:
    """Train the section model on the blocks of the synthetic training reports and of the real labelled reports
    outside `exclude_fold` (labeling.fold_of): the models of `models/` never see the held-out fold; the cross-fit
    stage (crossfit.py) trains one without each fold in turn."""
    from .labeling import fold_of
    from ..extraction.section_model import SectionModel
    from .synth import JUNK_AFTER, JUNK_BEFORE, page_headers

    t0 = time.time()
    syn = Path(synthetic_dir) / "train"
    sources = [(syn / "docs", syn / "labels")]
    if labels_dir:
        sources.append((list(docs_dirs), Path(labels_dir)))
    texts, labels = training_blocks(
        sources,
        set(JUNK_BEFORE) | set(JUNK_AFTER) | page_headers(),
        keep=lambda g: g["document"].startswith("synth-") or fold_of(g) != exclude_fold,
    )
    if not texts:
        raise SystemExit(f"no labelled synthetic reports under {synthetic_dir}: run `python -m pipeline synthesize`")
    model = SectionModel.train(texts, labels, C=float(Sections(**params).C))
    seconds = time.time() - t0
    pred = model.pipeline.predict(texts)
    heads = [i for i, label in enumerate(labels) if label.startswith("h")]
    metrics = {
        "section_model_train_blocks": len(texts),
        "section_model_train_headings": len(heads),
        "section_model_train_heading_recall": round(sum(pred[i] == labels[i] for i in heads) / max(1, len(heads)), 6),
        "section_model_train_seconds": round(seconds, 3),
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / SECTION_MODEL_FILE)
    return metrics


# ------------------------------------------------------------------ the section model's training blocks


def labelled_blocks(doc_path: Path, gold: dict, junk_texts: set[str] | None = None):
    """(text, class) for every text block of a labelled document, read by the project's readers."""
    from ..readers.cache import read_cached

    doc = read_cached(doc_path)
    headings = [(s["id"], normalise(s["heading"])) for s in gold["sections"] if s.get("heading")]
    junk = {normalise(j) for j in (junk_texts or set())}
    out = []
    k = 0
    for b in doc.blocks:
        if b.kind != "text":
            continue
        t = normalise(b.text)
        label = "other"
        if k < len(headings) and t == headings[k][1]:
            label = f"h{headings[k][0]}"
            k += 1
        elif t in junk:
            label = "junk"
        out.append((b.text, label))
    return out


def table_label_blocks() -> list[str]:
    """Table row labels printed as lines (一、本年新收…, 三、本年度办理结果, 四、结转下年度继续办理, （三）不予公开…):
    numbered like headings but never headings; added to training as "other"."""
    from .. import schema

    out = set()
    for table in schema.TABLES:
        for tpl in schema.TEMPLATES:
            for row in schema.row_ids(table, tpl):
                for part in schema.row_label(table, row, tpl).split("／"):
                    out.add(part)
                    out.add(part + "0000000")
    return sorted(out)


def training_blocks(doc_dirs_and_labels: list[tuple[Path, Path]], junk_texts: set[str], keep=None):
    """Labelled blocks of every document of the given (documents, labels) pairs; `keep(gold)` filters documents
    (the real reports of the training fold). `documents` may be a list of folders searched in turn."""
    from .labeling import find_document

    texts, labels = [], []
    for text in table_label_blocks() * 5:  # weighted: few, but they decide the hard cases
        texts.append(text)
        labels.append("other")
    for docs, label_dir in doc_dirs_and_labels:
        dirs = docs if isinstance(docs, (list, tuple)) else [docs]
        for gold_path in sorted(Path(label_dir).glob("*.gold.json")):
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            if keep is not None and not keep(gold):
                continue
            doc_path = find_document(gold["document"], dirs)
            if doc_path is None:
                continue
            for text, label in labelled_blocks(doc_path, gold, junk_texts):
                texts.append(text)
                labels.append(label)
    return texts, labels


def train_models(
    params: dict,
    out_dir: str,
    synthetic_dir: str,
    labels_dir: str,
    docs_dirs: list[str],
    jobs: int = 2,
    scheduler: str | None = None,
) -> dict:
    """The three models (row labeler, column labeler, section model) trained from a checked params.yaml and saved in
    `out_dir` with train_metrics.json (reproducible) and train_timings.json (the seconds, apart: they vary from run
    to run). The three are independent fits: joblib runs them side by side, in `jobs` local worker processes or,
    given a Dask `scheduler`, on its cluster through joblib's Dask backend (the workers must see the same files).
    Returns the figures and the timings together."""
    from contextlib import nullcontext

    from joblib import Parallel, delayed, parallel_config

    work = [
        delayed(train_row_labeler)(params.get("train", {}), out_dir),
        delayed(train_column_labeler)(params.get("train", {}), out_dir),
        delayed(train_section_model)(params.get("sections", {}), synthetic_dir, out_dir, labels_dir, docs_dirs),
    ]
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
        context = parallel_config(backend="dask")
    else:
        client, context = None, nullcontext()
    try:
        with context:
            results = Parallel(n_jobs=jobs if not scheduler else -1)(work)
    finally:
        if client is not None:
            client.close()
    metrics = {}
    for part in results:
        metrics.update(part)
    # timings vary from run to run: kept apart (git-ignored), so the committed train_metrics.json is reproducible
    metrics, timings = split_timings(metrics)
    Path(out_dir, "train_metrics.json").write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    Path(out_dir, "train_timings.json").write_text(json.dumps(timings, indent=1) + "\n", encoding="utf-8")
    return {**metrics, **timings}


def is_timing(key: str) -> bool:
    return key.endswith("seconds") or key.endswith("ms_per_label")


def split_timings(d: dict) -> tuple[dict, dict]:
    """(d without its timing figures, the timing figures): nested dicts are split alike, their timing keys
    joined with dots."""
    kept, timings = {}, {}
    for k, v in d.items():
        if isinstance(v, dict):
            sub_kept, sub_timings = split_timings(v)
            kept[k] = sub_kept
            timings.update({f"{k}.{tk}": tv for tk, tv in sub_timings.items()})
        elif is_timing(str(k)):
            timings[k] = v
        else:
            kept[k] = v
    return kept, timings
