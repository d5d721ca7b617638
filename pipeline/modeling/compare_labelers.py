"""Which model should label table rows: scikit-learn character n-grams or spaCy's textcat? Measured, not assumed.

Both are trained on the same generated label variants (labels.training_examples) and scored on

- held-out variants (another seed): a synthetic figure;
- the row labels printed in the real labelled reports: every row record of a real report whose printed numbers
  equal exactly one gold row of its table (rows of zeros, which many rows share, are left out) is a label whose
  true row is known. Neither model ever sees these labels in training.

spaCy's model is a bag of character n-grams too (the blank Chinese pipeline cuts text into single characters;
TextCatBOW with n-grams up to `ngram_max`), so the comparison is between two learners on one kind of feature.
The result (`metrics/labelers.json`) names the model the pipeline should use; the track stage logs it to MLflow.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from ..params import Train


def real_label_set(labels_dir: str, docs_dirs: list[str]) -> list[tuple[str, str, str]]:
    """(printed label, `table:row`, document) for the rows of real reports whose numbers match one gold row."""
    from ..extraction.cells import parse_value
    from .labeling import find_document, fold_of
    from ..readers.cache import read_cached
    from ..extraction.sections import segment
    from ..extraction.document_records import collect_records
    from ..extraction.records import SECTION_OF_TABLE
    from ..extraction.values import fit_values

    out = []
    for gold_path in sorted(Path(labels_dir).glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        path = find_document(gold["document"], docs_dirs)
        if path is None or fold_of(gold) == "synthetic":
            continue
        doc = read_cached(path)
        secs = segment(doc.blocks)
        records, _ = collect_records(doc.blocks, secs.assignment, secs.junk, set(secs.headings.values()))
        for table, spec in gold["tables"].items():
            if spec.get("status") != "found":
                continue
            for rec in records:
                if rec.run or not rec.parts or rec.section != SECTION_OF_TABLE[table]:
                    continue
                matches = []
                for row, cols in spec["rows"].items():
                    want = list(cols.values())
                    order = fit_values(rec.values, len(want))
                    if order is not None and [parse_value(rec.values[k]) for k in order] == want and any(want):
                        matches.append(row)
                if len(matches) == 1:
                    out.append(("／".join(rec.parts), f"{table}:{matches[0]}", gold["document"]))
    return out


def _sklearn(X, y, params):
    from ..extraction.labels import RowLabeler
    from .train import labeler_from_params

    t0 = time.perf_counter()
    model = labeler_from_params(RowLabeler, X, y, params)
    seconds = time.perf_counter() - t0
    return (lambda texts: [c for c, _ in model.predict(texts)]), seconds


def _spacy(X, y, params, epochs: int):
    import spacy
    from spacy.training import Example

    from ..extraction.labels import normalise_label

    t0 = time.perf_counter()
    classes = sorted(set(y))
    nlp = spacy.blank("zh")  # single characters as tokens
    textcat = nlp.add_pipe(
        "textcat",
        config={
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": True,
                "ngram_size": int(Train(**params).ngram_max),
                "no_output_layer": False,
                "length": 262144,
            }
        },
    )
    for c in classes:
        textcat.add_label(c)
    examples = [
        Example.from_dict(nlp.make_doc(normalise_label(x)), {"cats": {c: float(c == label) for c in classes}})
        for x, label in zip(X, y)
    ]
    spacy.util.fix_random_seed(int(Train(**params).seed))
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(int(Train(**params).seed))
    for _ in range(epochs):
        rng.shuffle(examples)
        for i in range(0, len(examples), 64):
            nlp.update(examples[i : i + 64], sgd=optimizer)
    seconds = time.perf_counter() - t0

    def predict(texts):
        return [max(d.cats, key=d.cats.get) for d in nlp.pipe([normalise_label(t) for t in texts])]

    return predict, seconds


def _score(predict, texts, truth):
    """(accuracy, milliseconds per label), or (None, None) with nothing to score."""
    if not texts:
        return None, None
    t0 = time.perf_counter()
    pred = predict(texts)
    per_label_ms = (time.perf_counter() - t0) * 1000 / len(texts)
    return round(sum(int(p == t) for p, t in zip(pred, truth)) / len(truth), 6), round(per_label_ms, 4)


def compare(params: dict, labels_dir: str, docs_dirs: list[str], epochs: int = 8) -> dict:
    from ..extraction.labels import training_examples

    seed = int(Train(**params).seed)
    X, y = training_examples(seed=seed, per_row=int(Train(**params).per_row))
    Xh, yh = training_examples(seed=seed + 1000, per_row=10)
    real = real_label_set(labels_dir, docs_dirs)
    result = {
        "train_examples": len(X),
        "synthetic_heldout_labels": len(Xh),
        "real_labels": len(real),
        "real_documents": len({d for _, _, d in real}),
        "models": {},
    }
    for name, build in (
        ("sklearn_char_ngrams", lambda: _sklearn(X, y, params)),
        ("spacy_textcat_bow", lambda: _spacy(X, y, params, epochs)),
    ):
        predict, seconds = build()
        syn_acc, syn_ms = _score(predict, Xh, yh)
        real_acc, _ = _score(predict, [t for t, _, _ in real], [r for _, r, _ in real])
        result["models"][name] = {
            "train_seconds": round(seconds, 3),
            "synthetic_heldout_accuracy": syn_acc,
            "real_label_accuracy": real_acc,
            "ms_per_label": syn_ms,
        }
    ranked = sorted(
        result["models"].items(),
        key=lambda kv: (
            -(kv[1]["real_label_accuracy"] or 0),
            -kv[1]["synthetic_heldout_accuracy"],
            kv[1]["train_seconds"],
        ),
    )
    result["chosen"] = ranked[0][0]
    result["why"] = "higher accuracy on the real printed labels, then on held-out variants, then faster training"
    return result


def flat_metrics(result: dict) -> dict:
    """The comparison as scalar metrics (for dvc metrics and MLflow)."""
    out = {"labeler_comparison_real_labels": result["real_labels"]}
    for name, m in result["models"].items():
        for k, v in m.items():
            if v is not None:
                out[f"{name}_{k}"] = v
    out["chosen_is_sklearn"] = int(result["chosen"] == "sklearn_char_ngrams")
    return out


def write_comparison(result: dict, out: str) -> None:
    """The comparison written to `out` (metrics/labelers.json); its timings (train seconds, ms per label), which vary
    from run to run, kept apart in <out stem>_timings.json (git-ignored)."""
    from .train import split_timings

    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept, timings = split_timings({**flat_metrics(result), "detail": result})
    path.write_text(json.dumps(kept, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    path.with_name(path.stem + "_timings.json").write_text(json.dumps(timings, indent=1) + "\n", encoding="utf-8")
