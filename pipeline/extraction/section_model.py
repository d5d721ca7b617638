"""The trained section model: is a text block the heading of section 1…6, website junk, or anything else?

Features that survive format changes: character n-grams of the block's first 40 characters (blanks removed,
brackets unified), and layout-free cues written as tokens (numbering marker and its numeral, length bucket, closing
punctuation, share of digits). A logistic regression (scikit-learn) gives the probabilities, computed at run time
from its arrays with numpy (linear.py); sections.py decodes them in order 1→6. Its training blocks (train.py) come from labelled documents read by the project's own readers: a block
whose text is the gold heading of a section is that heading; synthetic documents also name their junk lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..headings import MARKER, normalise
from .linear import FittedModel, LinearTextModel

CLASSES = ["h1", "h2", "h3", "h4", "h5", "h6", "junk", "other"]
HEAD = 40


def block_head(text: str) -> str:
    return normalise(text)[:HEAD]


def block_cues(text: str) -> str:
    t = normalise(text)
    m = MARKER.match(t)
    cues = [f"marker_{m.group(1)}" if m else "nomarker"]
    n = len(t)
    cues.append("len_" + ("xs" if n <= 8 else "s" if n <= 20 else "m" if n <= 40 else "l" if n <= 120 else "xl"))
    cues.append("end_" + (t[-1] if t and t[-1] in "。；：，！？）)" else "x"))
    digits = sum(ch.isdigit() for ch in t) / max(1, n)
    cues.append("digits_" + ("0" if digits == 0 else "lo" if digits < 0.15 else "hi"))
    return " ".join(cues)


def _heads(texts):
    return [block_head(t) for t in texts]


def _cues(texts):
    return [block_cues(t) for t in texts]


class SectionModel(FittedModel):
    """`model`: the arrays applied with numpy; `pipeline`: the scikit-learn pipeline they come from (kept where the
    model was trained, or loaded from its `.joblib` file when asked for: training metrics, MLflow)."""

    FUNCTIONS = {"_heads": _heads, "_cues": _cues}

    def __init__(self, model: LinearTextModel, pipeline=None, joblib_path: Path | None = None):
        super().__init__(model, pipeline, joblib_path)
        self.classes = [str(c) for c in model.classes_]

    @classmethod
    def train(cls, texts: list[str], labels: list[str], C: float = 5.0) -> "SectionModel":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline
        from sklearn.preprocessing import FunctionTransformer

        features = FeatureUnion(
            [
                (
                    "head",
                    Pipeline(
                        [
                            ("pick", FunctionTransformer(_heads)),
                            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
                        ]
                    ),
                ),
                (
                    "cues",
                    Pipeline(
                        [
                            ("pick", FunctionTransformer(_cues)),
                            ("tfidf", TfidfVectorizer(analyzer="word", token_pattern=r"\S+")),
                        ]
                    ),
                ),
            ]
        )
        pipe = Pipeline(
            [("features", features), ("clf", LogisticRegression(C=C, max_iter=3000, class_weight="balanced"))]
        )
        pipe.fit(texts, labels)
        return cls.fitted(pipe)

    def heading_scores(self, texts: list[str], probs: np.ndarray | None = None) -> list[list[float]]:
        """Per block, six scores on the scale of the keyword scorer (6 × probability of each heading); `probs`,
        when given, are the texts' probabilities already computed."""
        if not texts:
            return []
        probs = self.probabilities(texts) if probs is None else probs
        idx = [self.classes.index(f"h{s}") for s in range(1, 7)]
        return [[6.0 * float(row[i]) for i in idx] for row in probs]

    def junk_probability(self, texts: list[str], probs: np.ndarray | None = None) -> list[float]:
        if not texts or "junk" not in self.classes:
            return [0.0] * len(texts)
        j = self.classes.index("junk")
        probs = self.probabilities(texts) if probs is None else probs
        return [float(p[j]) for p in probs]
