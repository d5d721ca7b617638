"""Loading the trained models once per process: the row labeler and the section scorer.

`models/row_labeler.joblib` is written by the train stage (`python -m pipeline train`). Without it the labeler is
trained in memory from generated label variants (a few seconds), so extraction works on a fresh checkout too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .labels import RowLabeler, default_labeler

ROW_LABELER_FILE = "row_labeler.joblib"


@dataclass
class Models:
    row_labeler: RowLabeler
    section_scorer: Callable[[str], list[float]] | None = None
    source: str = "built-in"


_CACHE: dict[str, Models] = {}


def load_models(models_dir: str | None = "models") -> Models:
    key = str(Path(models_dir).resolve()) if models_dir else ""
    if key in _CACHE:
        return _CACHE[key]
    labeler_path = Path(models_dir) / ROW_LABELER_FILE if models_dir else None
    if labeler_path is not None and labeler_path.exists():
        models = Models(RowLabeler.load(labeler_path), None, str(labeler_path))
    else:
        models = Models(default_labeler(), None, "built-in")
    _CACHE[key] = models
    return models
