"""Loading the trained models once per process: the row labeler, the column labeler and the section model.

`models/row_labeler.joblib`, `models/column_labeler.joblib` and `models/section_model.joblib` (scikit-learn
pipelines) and beside each its arrays (`.npz`, what prediction reads with numpy: no scikit-learn import) are written
by the train stage (`python -m pipeline train`). Without a labeler file the built-in labeler, trained on generated
variants, is used (trained once per machine and kept in the cache folder, labels.cache_dir); without the section
model the keyword scorer of sections.py finds the headings. Extraction so works on a fresh checkout too, and says in
each report which models it used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .labels import ColumnLabeler, RowLabeler, default_column_labeler, default_labeler
from .linear import arrays_path
from .section_model import SectionModel

ROW_LABELER_FILE = "row_labeler.joblib"
COLUMN_LABELER_FILE = "column_labeler.joblib"
SECTION_MODEL_FILE = "section_model.joblib"


@dataclass
class Models:
    row_labeler: RowLabeler
    section_model: SectionModel | None = None
    column_labeler: ColumnLabeler | None = None
    source: str = "built-in"
    fingerprint: str = "built-in"  # hash of the model files: outputs made with other models are out of date


_CACHE: dict[str, Models] = {}


class ModelError(ValueError):
    """A model file that exists but cannot be loaded (damaged, truncated, from another version)."""


def _load(cls, path: Path):
    try:
        return cls.load(path)
    except Exception as e:  # joblib, pickle and zlib raise many kinds: each means the same to a user
        first = str(e).splitlines()[0][:120] if str(e) else ""
        raise ModelError(
            f"{path} is not a readable model ({type(e).__name__}: {first}); retrain with "
            f"`dvc repro` or `python -m pipeline train`"
        ) from None


def load_models(models_dir: str | None = "models") -> Models:
    key = str(Path(models_dir).resolve()) if models_dir else ""
    if key in _CACHE:
        return _CACHE[key]
    base = Path(models_dir) if models_dir else None
    labeler_path = base / ROW_LABELER_FILE if base else None
    section_path = base / SECTION_MODEL_FILE if base else None
    column_path = base / COLUMN_LABELER_FILE if base else None
    labeler = _load(RowLabeler, labeler_path) if labeler_path and labeler_path.exists() else default_labeler()
    columns = _load(ColumnLabeler, column_path) if column_path and column_path.exists() else default_column_labeler()
    section = _load(SectionModel, section_path) if section_path and section_path.exists() else None
    source = "trained" if labeler_path and labeler_path.exists() else "built-in"
    models = Models(
        labeler,
        section,
        columns,
        source=source + ("+section-model" if section else "+keyword-sections"),
        fingerprint=_fingerprint([p for p in (labeler_path, section_path, column_path) if p and p.exists()]),
    )
    _CACHE[key] = models
    return models


def _fingerprint(files: list[Path]) -> str:
    if not files:
        return "built-in"
    h = hashlib.sha256()
    for f in files:  # the arrays a model is applied from, where they exist
        f = arrays_path(f) if arrays_path(f).exists() else f
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
