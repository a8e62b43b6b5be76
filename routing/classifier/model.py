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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from routing.classifier.calibration import shipped_calibration
from routing.classifier.corpus import corpus_digest, training_set
from routing.classifier.context import context_features
from routing.classifier.features import char_ngrams_of_word, normalize, text_features

_REGULARIZATION_C = 20.0  # C and the lexicon boost were chosen by cross-validation on the training split
_MIN_DF = 2
_WORD_CACHE_SIZE = 200_000


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_features, n_classes): coef_ transposed so a feature's row is contiguous
    intercept: np.ndarray  # (n_classes,)
    temperature: float = 1.0  # softmax(scores / temperature): fitted so confidence matches accuracy (calibration)

    # word -> positions of its character n-grams and of "w:word": words repeat, so their n-grams are looked up once
    _word_positions: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    def positions(self, normalized: str, lexicon_types: Sequence[str] = ()) -> list[int]:
        """Vocabulary positions of every feature of a normalized text, repeats included (text_features' multiset).
        `lexicon_types`: the types of the lexicon's hits in the text (the caller has them for the reasons)."""
        vocabulary, cache = self.vocabulary, self._word_positions
        found: list[int] = []
        words = normalized.split()
        for word in words:
            cached = cache.get(word)
            if cached is None:
                grams = char_ngrams_of_word(word)
                grams.append(f"w:{word}")
                cached = [position for position in map(vocabulary.get, grams) if position is not None]
                if len(cache) >= _WORD_CACHE_SIZE:
                    cache.clear()  # bounded memory; a cleared cache just fills again
                cache[word] = cached
            found.extend(cached)
        for first, second in zip(words, words[1:]):
            position = vocabulary.get(f"b:{first} {second}")
            if position is not None:
                found.append(position)
        for gram in context_features(words, lexicon_types):
            position = vocabulary.get(gram)
            if position is not None:
                found.append(position)
        return found

    def features(self, text: str, normalized: str | None = None,
                 lexicon_types: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices and their l2-normalized sublinear tf-idf values (as TfidfVectorizer computes them)."""
        normalized = normalize(text) if normalized is None else normalized
        if lexicon_types is None:
            from routing.classifier.lexicon import default_lexicon

            lexicon_types = [hit.type for hit in default_lexicon().hits(normalized)]
        found = self.positions(normalized, lexicon_types)
        if not found:
            return np.empty(0, dtype=np.intp), np.empty(0)
        index, counts = np.unique(np.array(found, dtype=np.intp), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[index]
        return index, values / math.sqrt(values @ values)

    def features_many(self, normalized_texts: Sequence[str], lexicon_types: Sequence[Sequence[str]]):
        """Row-per-text sparse tf-idf matrix (scipy CSR), the same values `features` gives, built in one go."""
        from scipy.sparse import csr_matrix

        rows = [self.positions(text, types) for text, types in zip(normalized_texts, lexicon_types)]
        lengths = np.fromiter((len(row) for row in rows), dtype=np.intp, count=len(rows))
        indptr = np.zeros(len(rows) + 1, dtype=np.intp)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.fromiter((position for row in rows for position in row), dtype=np.intp, count=int(indptr[-1]))
        matrix = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(self.vocabulary)))
        matrix.sum_duplicates()  # counts per feature, indices sorted within each row
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf[matrix.indices]
        squares = matrix.multiply(matrix).sum(axis=1).A1
        norms = np.sqrt(np.where(squares > 0, squares, 1.0))
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
        return matrix

    def scores(self, index: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values @ self.weights[index] + self.intercept

    def scores_many(self, matrix) -> np.ndarray:
        return np.asarray(matrix @ self.weights) + self.intercept

    def feature_names(self) -> list[str]:
        names = [""] * len(self.vocabulary)
        for gram, position in self.vocabulary.items():
            names[position] = gram
        return names


def train(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float] | None = None,
          temperature: float = 1.0) -> LinearModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=text_features, sublinear_tf=True, min_df=_MIN_DF)
    matrix = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=_REGULARIZATION_C, max_iter=2000)
    classifier.fit(matrix, labels, sample_weight=None if weights is None else np.asarray(weights, dtype=float))
    return LinearModel(
        classes=tuple(str(label) for label in classifier.classes_),
        vocabulary={str(gram): int(position) for gram, position in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(float),
        weights=np.ascontiguousarray(classifier.coef_.T),
        intercept=classifier.intercept_.astype(float),
        temperature=float(temperature),
    )


FEATURES_VERSION = "3"  # bump when features or training change: the disk cache is keyed by it


def model_digest(extra: bytes = b"") -> str:
    """What the shipped model is built from: corpus, feature version, calibration; `extra` for retrained ones."""
    import hashlib

    calibration = shipped_calibration()
    return hashlib.sha256(f"{corpus_digest()}|{FEATURES_VERSION}|{calibration.temperature}|".encode()
                          + extra).hexdigest()


def _cache_path(digest: str) -> Path:
    import sklearn

    root = Path(os.environ.get("INBOX_CACHE_DIR") or Path.home() / ".cache" / "omni-inbox")
    return root / f"classifier-{digest[:16]}-sklearn{sklearn.__version__}.npz"


def _save(model: LinearModel, path: Path) -> None:
    grams = model.feature_names()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez_compressed(partial, classes=np.array(model.classes), grams=np.array(grams), idf=model.idf,
                        weights=model.weights, intercept=model.intercept, temperature=np.array(model.temperature))
    os.replace(partial, path)  # readers never see a half-written file


def _load(path: Path) -> LinearModel:
    with np.load(path, allow_pickle=False) as data:
        grams = [str(gram) for gram in data["grams"]]
        return LinearModel(
            classes=tuple(str(label) for label in data["classes"]),
            vocabulary={gram: position for position, gram in enumerate(grams)},
            idf=data["idf"], weights=np.ascontiguousarray(data["weights"]), intercept=data["intercept"],
            temperature=float(data["temperature"]),
        )


def train_from_corpus() -> LinearModel:
    """The shipped model: the shipped training set, with the temperature `python -m routing.classifier.calibrate`
    fitted for it."""
    texts, labels, weights = training_set()
    return train(texts, labels, weights, temperature=shipped_calibration().temperature)


_lock = threading.Lock()
_model: LinearModel | None = None


def shipped_model() -> LinearModel:
    """The model trained on the shipped training split: from memory, else the disk cache, else trained now."""
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            path = _cache_path(model_digest())
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
