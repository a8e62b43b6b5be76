"""Issue-type classifier: n-gram linear model scores + lexicon boosts -> type, confidence, reasons."""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from inbox.pipeline.stages import Classification
from routing.classifier.calibration import NEEDS_TRIAGE_TAG, shipped_calibration
from routing.classifier.features import normalize
from routing.classifier.signals import signals
from routing.classifier.stopwords import is_filler
from routing.classifier.lexicon import MAX_HITS_PER_TYPE, PHRASE_BOOST, Lexicon, PhraseHit, default_lexicon
from routing.classifier.model import LinearModel, shipped_model
from routing.classifier.types import FALLBACK_TYPE

_MAX_NGRAM_REASONS = 3
_MAX_PHRASE_REASONS = 3
_NGRAM_CANDIDATES = 12
_SMALL_BATCH = 16
_MAX_TEXT_CHARS = 4000  # the opening of a long email decides its type; the rest (quotes, signatures) only adds noise


class IssueClassifier:
    def __init__(self, model: LinearModel, lexicon: Lexicon | None = None, phrase_boost: float = PHRASE_BOOST,
                 triage_below: float | None = None) -> None:
        self._model = model
        self._triage_below = shipped_calibration().triage_below if triage_below is None else triage_below
        self._lexicon = lexicon or default_lexicon()
        self._phrase_boost = phrase_boost
        self._class_index = {label: position for position, label in enumerate(model.classes)}

    @property
    def model(self) -> LinearModel:
        return self._model

    def classify(self, text: str) -> Classification:
        text = text[:_MAX_TEXT_CHARS]
        normalized = normalize(text)
        if not _has_words(normalized):
            return _no_words(text)
        hits = self._lexicon.hits(normalized)
        index, values = self._model.features(text, normalized, [hit.type for hit in hits])
        scores = np.asarray(self._model.scores(index, values), dtype=float).reshape(1, -1)
        return self._decide([text], [normalized], scores, [(index, values)], [True], [hits])[0]

    def classify_many(self, texts: Iterable[str], with_reasons: Sequence[bool] | None = None) -> list[Classification]:
        """Same results as `classify` for each text; the model's arithmetic runs once for the whole batch.
        `with_reasons[i]` False skips working out text i's reasons (they come back empty): the pipeline keeps
        reasons only where a conversation takes its type."""
        texts = [text[:_MAX_TEXT_CHARS] for text in texts]
        if len(texts) < _SMALL_BATCH:  # building a sparse matrix costs more than it saves for a few texts
            return [self.classify(text) for text in texts]
        normalized = [normalize(text) for text in texts]
        wordy = [position for position, text in enumerate(normalized) if _has_words(text)]
        results: list[Classification] = [_no_words(text) for text in texts]
        if not wordy:
            return results
        hits_per_row = [self._lexicon.hits(normalized[position]) for position in wordy]
        matrix = self._model.features_many([normalized[position] for position in wordy],
                                           [[hit.type for hit in hits] for hits in hits_per_row])
        scores = np.array(self._model.scores_many(matrix), dtype=float)
        features = [(matrix.indices[matrix.indptr[row]:matrix.indptr[row + 1]],
                     matrix.data[matrix.indptr[row]:matrix.indptr[row + 1]]) for row in range(len(wordy))]
        wanted = [True if with_reasons is None else with_reasons[position] for position in wordy]
        decided = self._decide([texts[p] for p in wordy], [normalized[p] for p in wordy], scores, features, wanted,
                               hits_per_row)
        for position, result in zip(wordy, decided):
            results[position] = result
        return results

    def _decide(self, texts: list[str], normalized: list[str], scores: np.ndarray,
                features: list[tuple[np.ndarray, np.ndarray]], with_reasons: list[bool],
                hits_per_row: list[list[PhraseHit]]) -> list[Classification]:
        """Rows of model scores (plus lexicon boosts, when asked for) -> softmax per row (one numpy call for all)."""
        scores = scores.copy()
        if self._phrase_boost:
            for row, hits in enumerate(hits_per_row):
                counted: dict[str, int] = {}
                for hit in hits:
                    if counted.get(hit.type, 0) < MAX_HITS_PER_TYPE:
                        counted[hit.type] = counted.get(hit.type, 0) + 1
                        scores[row, self._class_index[hit.type]] += self._phrase_boost
        scores /= self._model.temperature
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        best = probabilities.argmax(axis=1).tolist()
        confidence = probabilities[np.arange(len(best)), best].tolist()
        results = []
        for row, hits in enumerate(hits_per_row):
            label = self._model.classes[best[row]]
            reasons: list[str] = []
            if with_reasons[row]:
                phrases = dict.fromkeys(f'phrase "{hit.phrase}"' for hit in hits if hit.type == label)  # once each
                reasons = list(phrases)[:_MAX_PHRASE_REASONS]
                index, values = features[row]
                reasons += self._ngram_reasons(index, values, best[row], reasons)
            tags = signals(texts[row])
            if confidence[row] < self._triage_below:
                tags += (NEEDS_TRIAGE_TAG,)
            results.append(Classification(label, round(confidence[row], 4), tuple(reasons), tags))
        return results

    def _ngram_reasons(self, index: np.ndarray, values: np.ndarray, best: int, already: list[str]) -> list[str]:
        """The words or Chinese pieces that pushed hardest toward the chosen type."""
        if index.size == 0:
            return []
        contribution = values * self._model.weights[index, best]
        readable = self._readable_features()
        candidates: list[str] = []
        for position in np.argsort(-contribution)[:_NGRAM_CANDIDATES]:
            if contribution[position] <= 0:
                break
            piece = readable[index[position]]
            if piece is not None and piece not in candidates:
                candidates.append(piece)
        quoted = " ".join(already)
        kept = [piece for piece in candidates
                if piece not in quoted and not any(piece != other and piece in other for other in candidates)]
        return [piece if piece.startswith("not ") else f'text "{piece}"' for piece in kept[:_MAX_NGRAM_REASONS]]

    def _readable_features(self) -> list[str | None]:
        """Per feature, what a person would recognise as a reason: meaningful English words and word pairs, Chinese
        pieces of two or more characters, a negated word ('not … "recognise"'); None for fragments like "ind",
        filler ("will", "is a", "我的") and the opening-word and lexicon features (worked out once, on first use)."""
        readable = getattr(self, "_readable", None)
        if readable is None:
            readable = []
            for gram in self._model.feature_names():
                if gram.startswith(("w:", "b:")):
                    piece = gram[2:]
                    long_enough = len(piece) >= 3 or not piece.isascii() and len(piece) >= 2
                    readable.append(piece if long_enough and not is_filler(piece) else None)
                elif gram.startswith("n:"):
                    readable.append(None if is_filler(gram[2:]) else f'not … "{gram[2:]}"')
                elif gram.startswith(("s:", "x:", "lex:")):  # opening word, negation flag, lexicon: no words
                    readable.append(None)
                else:
                    piece = gram.strip()
                    readable.append(piece if not piece.isascii() and len(piece) >= 2 and not is_filler(piece)
                                    else None)
            self._readable = readable
        return readable


def _has_words(normalized: str) -> bool:
    return any(character.isalpha() for character in normalized)


def _no_words(text: str) -> Classification:
    """"", "???", "12345": nothing to go on."""
    return Classification(FALLBACK_TYPE, 1.0 if not text.strip() else 0.5, ("no words in the text",))


_default: IssueClassifier | None = None
_deployment: IssueClassifier | None = None  # a model retrained on this deployment's corrections, when one is active


def default_classifier() -> IssueClassifier:
    global _default
    if _deployment is not None:
        return _deployment
    if _default is None:
        _default = IssueClassifier(shipped_model())
    return _default


def shipped_classifier() -> IssueClassifier:
    global _default
    if _default is None:
        _default = IssueClassifier(shipped_model())
    return _default


def use_deployment_model(model: LinearModel | None) -> None:
    """Classify with `model` from now on in this process (None: back to the shipped one)."""
    global _deployment
    _deployment = None if model is None else IssueClassifier(model)


def deployment_model_active() -> bool:
    return _deployment is not None
