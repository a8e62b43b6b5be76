"""The character n-gram linear model: trained with scikit-learn, applied with a few numpy operations.

Training happens at first use from the shipped corpus (a few seconds) and the weights are cached in memory and on
disk (`$INBOX_CACHE_DIR`, default `~/.cache/omni-inbox`) keyed by corpus hash + scikit-learn version. The cache is a
plain `.npz` (no pickle), so a tampered cache file can't run code. Inference skips sklearn's per-call overhead: tf-idf
weights and a weight-matrix row sum, which is what `TfidfVectorizer` + `LogisticRegression` compute.
"""
from __future__ import annotations

import math
import os
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from routing.classifier.corpus import TRAIN_PATH, corpus_digest, read_examples
from routing.classifier.features import text_features

_REGULARIZATION_C = 20.0
_MIN_DF = 2


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_features, n_classes): coef_ transposed so a feature's row is contiguous
    intercept: np.ndarray  # (n_classes,)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices and their l2-normalized sublinear tf-idf values (as TfidfVectorizer computes them)."""
        vocabulary = self.vocabulary
        counts = Counter(gram for gram in text_features(text) if gram in vocabulary)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        index = np.fromiter((vocabulary[gram] for gram in counts), dtype=np.intp, count=len(counts))
        tf = np.fromiter((1.0 + math.log(count) for count in counts.values()), dtype=float, count=len(counts))
        values = tf * self.idf[index]
        return index, values / np.linalg.norm(values)

    def scores(self, index: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values @ self.weights[index] + self.intercept

    def feature_names(self) -> list[str]:
        names = [""] * len(self.vocabulary)
        for gram, position in self.vocabulary.items():
            names[position] = gram
        return names


def train(texts: Sequence[str], labels: Sequence[str]) -> LinearModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=text_features, sublinear_tf=True, min_df=_MIN_DF)
    matrix = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=_REGULARIZATION_C, max_iter=2000)
    classifier.fit(matrix, labels)
    return LinearModel(
        classes=tuple(str(label) for label in classifier.classes_),
        vocabulary={str(gram): int(position) for gram, position in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(float),
        weights=np.ascontiguousarray(classifier.coef_.T),
        intercept=classifier.intercept_.astype(float),
    )


def _cache_path(digest: str) -> Path:
    import sklearn

    root = Path(os.environ.get("INBOX_CACHE_DIR") or Path.home() / ".cache" / "omni-inbox")
    return root / f"classifier-{digest[:16]}-sklearn{sklearn.__version__}.npz"


def _save(model: LinearModel, path: Path) -> None:
    grams = model.feature_names()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez_compressed(partial, classes=np.array(model.classes), grams=np.array(grams), idf=model.idf,
                        weights=model.weights, intercept=model.intercept)
    os.replace(partial, path)  # readers never see a half-written file


def _load(path: Path) -> LinearModel:
    with np.load(path, allow_pickle=False) as data:
        grams = [str(gram) for gram in data["grams"]]
        return LinearModel(
            classes=tuple(str(label) for label in data["classes"]),
            vocabulary={gram: position for position, gram in enumerate(grams)},
            idf=data["idf"], weights=np.ascontiguousarray(data["weights"]), intercept=data["intercept"],
        )


def train_from_corpus(path: Path = TRAIN_PATH) -> LinearModel:
    examples = read_examples(path)
    return train([example.text for example in examples], [example.type for example in examples])


_lock = threading.Lock()
_model: LinearModel | None = None


def shipped_model() -> LinearModel:
    """The model trained on the shipped training split: from memory, else the disk cache, else trained now."""
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            path = _cache_path(corpus_digest())
            model = None
            if path.exists():
                try:
                    model = _load(path)
                except (OSError, ValueError, KeyError):
                    model = None  # a damaged cache is rebuilt, never fatal
            if model is None:
                model = train_from_corpus()
                try:
                    _save(model, path)
                except OSError:
                    pass  # a read-only home only costs a retrain next start
            _model = model
    return _model
