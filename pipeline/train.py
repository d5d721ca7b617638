"""Train the row labeler and save it under models/ (the track stage logs it to MLflow).

Training data: label variants generated from fields.json (see labels.py). Real reports are kept out of training so
that evaluation on them is never on a report the model has seen. The held-out score reported here is on a fresh
draw of generated variants (another seed) and is a synthetic figure, never mixed with real-report scores.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from .labels import RowLabeler, training_examples
from .models import ROW_LABELER_FILE


def train_row_labeler(params: dict, out_dir: str = "models") -> dict:
    t0 = time.time()
    seed = int(params.get("seed", 0))
    X, y = training_examples(seed=seed, per_row=int(params.get("per_row", 60)))
    model = RowLabeler.train(X, y, C=float(params.get("C", 10.0)), ngram_max=int(params.get("ngram_max", 3)),
                             seed=seed)
    train_seconds = time.time() - t0
    Xh, yh = training_examples(seed=seed + 1000, per_row=10)
    pred = [c for c, _ in model.predict(Xh)]
    heldout = sum(int(a == b) for a, b in zip(pred, yh)) / len(yh)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / ROW_LABELER_FILE)
    metrics = {"row_labeler_synthetic_heldout_accuracy": round(heldout, 6), "train_examples": len(X),
               "train_seconds": round(train_seconds, 3), "classes": len(set(y))}
    (out / "train_metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    return metrics
