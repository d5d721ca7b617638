"""The trained text classifiers applied with numpy alone: TF-IDF n-gram features and a multinomial logistic
regression, read from arrays that `train` exports from the fitted scikit-learn pipelines.

scikit-learn fits the models (modeling/train.py) and its pipelines are kept (`*.joblib`, logged to MLflow); but
importing scikit-learn costs a second of start-up (scipy.stats, pandas, pyarrow come with it) to compute what is,
at prediction time, a dictionary lookup per n-gram and a small matrix product. `LinearTextModel` does exactly that
computation on the fitted vocabulary, idf weights, coefficients and intercepts (`*.npz`): the same n-grams as
`TfidfVectorizer` (whitespace runs collapsed, lowercased unless a preprocessor is given), the same sublinear tf,
idf and l2 norm per vectorizer, the vectorizers of a `FeatureUnion` side by side, and the softmax of
`LogisticRegression.predict_proba` (tests/test_linear_model.py checks it against scikit-learn on the real models).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

_WHITE_SPACES = re.compile(r"\s\s+")  # TfidfVectorizer's own: runs of two or more become one space
FORMAT = "govreport-linear-1"


@dataclass
class Vectorizer:
    """One fitted TfidfVectorizer: which text it reads (`picker`, a name the owning model resolves), how it cuts
    it, its vocabulary (n-gram → column) and idf."""

    picker: str | None
    analyzer: str  # "char" or "word"
    ngram_range: tuple[int, int]
    lowercase: bool
    preprocessor: str | None
    token_pattern: str | None
    sublinear_tf: bool
    norm: str | None
    vocabulary: dict[str, int]
    idf: np.ndarray | None

    def features(self, text: str, preprocess: Callable[[str], str] | None) -> dict[int, float]:
        """Column → weight of one text (before the vectorizer's offset in a union)."""
        if preprocess is not None:
            text = preprocess(text)
        elif self.lowercase:
            text = text.lower()
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for gram in self._grams(text):
            j = vocabulary.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        weights = {}
        for j, c in counts.items():
            tf = 1.0 + math.log(c) if self.sublinear_tf else float(c)
            weights[j] = tf * float(self.idf[j]) if self.idf is not None else tf
        if self.norm == "l2" and weights:
            total = math.sqrt(sum(w * w for w in weights.values()))
            if total > 0:
                weights = {j: w / total for j, w in weights.items()}
        elif self.norm not in (None, "l2"):
            raise ValueError(f"norm {self.norm!r} is not supported")
        return weights

    def _grams(self, text: str) -> list[str]:
        lo, hi = self.ngram_range
        if self.analyzer == "word":
            tokens = re.findall(self.token_pattern, text)
            if (lo, hi) == (1, 1):
                return tokens
            grams = []
            for n in range(lo, hi + 1):
                grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            return grams
        if self.analyzer != "char":
            raise ValueError(f"analyzer {self.analyzer!r} is not supported")
        text = _WHITE_SPACES.sub(" ", text)
        grams = []
        for n in range(lo, min(hi, len(text)) + 1):
            grams += [text[i : i + n] for i in range(len(text) - n + 1)]
        return grams


class LinearTextModel:
    """Class probabilities of texts: vectorizers side by side, then softmax(x · coef + intercept)."""

    def __init__(
        self,
        vectorizers: list[Vectorizer],
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: list[str],
        functions: dict[str, Callable] | None = None,
    ):
        self.vectorizers = vectorizers
        self.weights = np.ascontiguousarray(coef.T)  # features × classes: a text's features pick rows
        self.intercept = intercept
        self.classes_ = np.array(classes, dtype=object)
        self.offsets = np.cumsum([0] + [len(v.vocabulary) for v in vectorizers]).tolist()
        if len(classes) == 2 or self.weights.shape != (self.offsets[-1], len(classes)):
            raise ValueError("a model of three or more classes with one coefficient row per class is expected")
        self.bind(functions or {})

    def bind(self, functions: dict[str, Callable]) -> None:
        """The pickers and preprocessors the vectorizers name, resolved by the model that owns them."""
        for v in self.vectorizers:
            for name in (v.picker, v.preprocessor):
                if name is not None and name not in functions:
                    raise ValueError(f"the model names a function {name!r} that its owner does not provide")
        self.functions = functions

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), len(self.classes_)))
        picked = [self.functions[v.picker](texts) if v.picker else texts for v in self.vectorizers]
        for k in range(len(texts)):
            columns, values = [], []
            for v, offset, inputs in zip(self.vectorizers, self.offsets, picked):
                pre = self.functions[v.preprocessor] if v.preprocessor else None
                for j, w in sorted(v.features(inputs[k], pre).items()):
                    columns.append(offset + j)
                    values.append(w)
            scores = self.intercept.copy()
            if columns:
                scores += np.asarray(values) @ self.weights[columns]
            out[k] = scores
        out -= out.max(axis=1, keepdims=True)
        np.exp(out, out)
        out /= out.sum(axis=1, keepdims=True)
        return out

    # ------------------------------------------------------------------ from scikit-learn, to and from arrays
    @classmethod
    def from_sklearn(cls, pipeline, functions: dict[str, Callable] | None = None) -> "LinearTextModel":
        """The arrays of a fitted Pipeline([features, LogisticRegression]): features a TfidfVectorizer, or a
        FeatureUnion of Pipeline([FunctionTransformer(picker), TfidfVectorizer]). Functions are named by their
        __name__, which `functions` must resolve when the model is loaded."""
        from sklearn.pipeline import FeatureUnion, Pipeline

        names = {}

        def name_of(fn):
            if fn is None:
                return None
            names[fn.__name__] = fn
            return fn.__name__

        def vectorizer(tfidf, picker=None) -> Vectorizer:
            return Vectorizer(
                picker=name_of(picker),
                analyzer=tfidf.analyzer,
                ngram_range=tuple(tfidf.ngram_range),
                lowercase=bool(tfidf.lowercase),
                preprocessor=name_of(tfidf.preprocessor),
                token_pattern=tfidf.token_pattern if tfidf.analyzer == "word" else None,
                sublinear_tf=bool(tfidf.sublinear_tf),
                norm=tfidf.norm,
                vocabulary={g: int(j) for g, j in tfidf.vocabulary_.items()},
                idf=np.asarray(tfidf.idf_, dtype=np.float64) if tfidf.use_idf else None,
            )

        steps = pipeline.steps
        features, clf = steps[0][1], steps[-1][1]
        if isinstance(features, FeatureUnion):
            if features.transformer_weights:
                raise ValueError("weighted feature unions are not supported")
            vectorizers = []
            for _, part in features.transformer_list:
                assert isinstance(part, Pipeline)
                pick, tfidf = part.steps[0][1], part.steps[-1][1]
                vectorizers.append(vectorizer(tfidf, pick.func))
        else:
            vectorizers = [vectorizer(features)]
        for v in vectorizers:
            if v.analyzer not in ("char", "word") or v.norm not in (None, "l2"):
                raise ValueError(f"cannot export a {v.analyzer} vectorizer with norm {v.norm}")
        return cls(
            vectorizers,
            np.asarray(clf.coef_, dtype=np.float64),
            np.asarray(clf.intercept_, dtype=np.float64),
            [str(c) for c in clf.classes_],
            {**names, **(functions or {})},
        )

    def save(self, path) -> None:
        """Arrays only (no pickle): the vocabularies in column order, idf, coefficients, intercepts, classes."""
        meta = {"format": FORMAT, "classes": [str(c) for c in self.classes_], "vectorizers": []}
        arrays = {"coef": self.weights.T, "intercept": self.intercept}
        for i, v in enumerate(self.vectorizers):
            meta["vectorizers"].append(
                {
                    k: getattr(v, k)
                    for k in (
                        "picker",
                        "analyzer",
                        "ngram_range",
                        "lowercase",
                        "preprocessor",
                        "token_pattern",
                        "sublinear_tf",
                        "norm",
                    )
                }
            )
            grams = sorted(v.vocabulary, key=v.vocabulary.get)
            arrays[f"vocabulary_{i}"] = np.array(grams, dtype=str) if grams else np.zeros(0, dtype="<U1")
            if v.idf is not None:
                arrays[f"idf_{i}"] = v.idf
        arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)

    @classmethod
    def load(cls, path, functions: dict[str, Callable] | None = None) -> "LinearTextModel":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} model file")
            vectorizers = []
            for i, spec in enumerate(meta["vectorizers"]):
                grams = z[f"vocabulary_{i}"].tolist()
                vectorizers.append(
                    Vectorizer(
                        **{**spec, "ngram_range": tuple(spec["ngram_range"])},
                        vocabulary={g: j for j, g in enumerate(grams)},
                        idf=z[f"idf_{i}"] if f"idf_{i}" in z.files else None,
                    )
                )
            return cls(vectorizers, z["coef"], z["intercept"], meta["classes"], functions)


def arrays_path(path) -> Path:
    """The numpy arrays of a model saved as `name.joblib`: `name.npz`."""
    return Path(path).with_suffix(".npz")


class FittedModel:
    """A trained text classifier as the project keeps it: `model`, the arrays applied with numpy, and, where it was
    trained here or is asked for, the scikit-learn `pipeline` they come from (training metrics, MLflow). Saved as
    `name.joblib` (the pipeline) with `name.npz` beside it (the arrays, what prediction reads). A subclass names the
    functions its pipeline refers to in FUNCTIONS."""

    FUNCTIONS: dict[str, Callable] = {}
    CACHE_LIMIT = 100_000  # texts whose probabilities are kept (bounded memory)
    PREDICT_BATCH = 4096  # texts per call of the arrays: the n-gram work of a huge page stays small

    def __init__(self, model: LinearTextModel, pipeline=None, joblib_path: Path | None = None):
        self.model = model
        self._pipeline = pipeline
        self._joblib_path = joblib_path

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Class probabilities of each text, one batch for the texts not seen before: headings, table labels and
        site junk recur in report after report, so most short texts are looked up, not computed."""
        cache = self.__dict__.setdefault("_cache", {})
        if len(cache) > self.CACHE_LIMIT:
            cache.clear()  # bounded memory; cleared before the lookup below, never in the middle of it
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        for start in range(0, len(todo), self.PREDICT_BATCH):
            chunk = todo[start : start + self.PREDICT_BATCH]
            for t, row in zip(chunk, self.model.predict_proba(chunk)):
                cache[t] = row
        return np.array([cache[t] for t in texts]) if texts else np.zeros((0, len(self.model.classes_)))

    @classmethod
    def fitted(cls, pipeline):
        """The model of a pipeline just fitted."""
        return cls(LinearTextModel.from_sklearn(pipeline, cls.FUNCTIONS), pipeline)

    @property
    def pipeline(self):
        """The scikit-learn pipeline (imports scikit-learn; loaded from the `.joblib` file on first use)."""
        if self._pipeline is None:
            if self._joblib_path is None or not Path(self._joblib_path).exists():
                raise ValueError("this model was loaded from its arrays only; its scikit-learn pipeline is not kept")
            import joblib

            self._pipeline = joblib.load(self._joblib_path)
        return self._pipeline

    def save(self, path) -> None:
        """`path` (.joblib): the scikit-learn pipeline; beside it, `arrays_path(path)` (.npz): the arrays."""
        import joblib

        joblib.dump(self.pipeline, path)
        self.model.save(arrays_path(path))

    @classmethod
    def load(cls, path):
        """From the arrays beside `path` (no scikit-learn); from the `.joblib` pipeline itself where they are absent
        (models saved before the arrays were)."""
        arrays = arrays_path(path)
        if arrays.exists():
            return cls(LinearTextModel.load(arrays, cls.FUNCTIONS), joblib_path=Path(path))
        import joblib

        pipe = joblib.load(path)
        return cls(LinearTextModel.from_sklearn(pipe, cls.FUNCTIONS), pipe, Path(path))
