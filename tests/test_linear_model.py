"""Prediction without scikit-learn (extraction/linear.py) gives scikit-learn's own probabilities, on the project's
real models: the row and column labelers trained as the train stage trains them, the section model trained on
synthetic reports, and the models of `models/` where `dvc repro` has made them. Probed with every text block and
table cell of the real corpus reports, and with the extraction path checked not to import scikit-learn at all."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from pipeline.extraction.labels import ColumnLabeler, RowLabeler
from pipeline.extraction.linear import LinearTextModel
from pipeline.extraction.section_model import SectionModel


@pytest.fixture(scope="module")
def corpus_texts():
    from pipeline.readers.formats import read_document

    texts = []
    for path in sorted(p for p in (ROOT / "data" / "raw").rglob("*") if p.is_file()):
        doc = read_document(str(path))
        for b in doc.blocks:
            if b.kind == "text":
                texts.append(b.text)
            else:
                texts += [c.text for row in b.rows for c in row if c.text]
    texts += ["", "   ", "ABC abc", "（三）不予公开／1.属于国家秘密", "行政許可(指2020年办件量)"]
    assert len(texts) > 500
    return texts


def _same_as_sklearn(model, texts, tmp_path):
    """The model's arrays, saved and loaded back, predict what its scikit-learn pipeline predicts."""
    model.save(tmp_path / "m.joblib")
    loaded = type(model).load(tmp_path / "m.joblib")
    assert loaded._pipeline is None  # read from the arrays, not unpickled
    expected = model.pipeline.predict_proba(texts)
    got = loaded.model.predict_proba(texts)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-12
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()
    assert list(loaded.model.classes_) == list(model.pipeline.classes_)


def test_labelers_predict_as_sklearn(corpus_texts, tmp_path):
    from pipeline.modeling.train import labeler_from_params
    from pipeline.extraction.labels import column_training_examples, training_examples

    _same_as_sklearn(labeler_from_params(RowLabeler, *training_examples(0, 20), {}), corpus_texts, tmp_path)
    _same_as_sklearn(labeler_from_params(ColumnLabeler, *column_training_examples(0, 20), {}), corpus_texts, tmp_path)


def test_section_model_predicts_as_sklearn(corpus_texts, tmp_path):
    from pipeline.modeling.synth import JUNK_AFTER, JUNK_BEFORE
    from pipeline.modeling.synthesize import generate
    from pipeline.modeling.train import training_blocks

    generate(tmp_path / "syn", 6, seed=3, raw_dir=ROOT / "data" / "raw")
    texts, labels = training_blocks(
        [(tmp_path / "syn" / "docs", tmp_path / "syn" / "labels")], set(JUNK_BEFORE) | set(JUNK_AFTER)
    )
    _same_as_sklearn(SectionModel.train(texts, labels), corpus_texts, tmp_path)


@pytest.mark.parametrize("name", ["row_labeler", "column_labeler", "section_model"])
def test_models_of_dvc_repro_predict_as_sklearn(name, corpus_texts, tmp_path):
    import joblib

    path = ROOT / "models" / f"{name}.joblib"
    if not path.exists():
        pytest.skip("models/ is made by `dvc repro`")
    owner = SectionModel if name == "section_model" else RowLabeler
    pipe = joblib.load(path)
    LinearTextModel.from_sklearn(pipe, owner.FUNCTIONS).save(tmp_path / "m.npz")
    got = LinearTextModel.load(tmp_path / "m.npz", owner.FUNCTIONS).predict_proba(corpus_texts)
    assert np.abs(got - pipe.predict_proba(corpus_texts)).max() < 1e-12


def test_a_model_naming_an_unknown_function_is_refused(tmp_path):
    model = RowLabeler.train(["规章", "规范性文件", "行政许可"] * 3, ["a", "b", "c"] * 3)
    model.model.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="normalise_label"):
        LinearTextModel.load(tmp_path / "m.npz", {})


def test_extracting_a_report_imports_neither_sklearn_nor_spacy_nor_pandas(tmp_path):
    """One report end to end, in a fresh process with the built-in models: none of the heavy libraries load."""
    code = (
        "import sys, json; from pipeline.batch.run import run_batch; from pipeline.batch.stages import Extract; "
        f"run_batch([{str(ROOT / 'data' / 'raw' / 'pingtan-2021.txt')!r}], {str(tmp_path / 'out')!r}, "
        "Extract(models_dir=None)); "
        "print(json.dumps(sorted(m for m in ('sklearn', 'spacy', 'pandas', 'pyarrow', 'scipy') "
        "if m in sys.modules)))"
    )
    env = {"PYTHONPATH": str(ROOT), "GOVREPORT_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    # the first command on a machine trains the built-in labelers (scikit-learn) and keeps them in the cache
    assert list((tmp_path / "cache").glob("builtin-*.npz"))
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads(second.stdout.strip().splitlines()[-1]) == []
    report = json.loads((tmp_path / "out" / "pingtan-2021.txt.json").read_text(encoding="utf-8"))
    assert report["tables"]["requests"]["status"] == "found"
