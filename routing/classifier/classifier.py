"""Issue-type classifier: n-gram linear model scores + lexicon boosts -> type, confidence, reasons."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from inbox.pipeline.stages import Classification
from routing.classifier.features import normalize
from routing.classifier.lexicon import MAX_HITS_PER_TYPE, PHRASE_BOOST, Lexicon
from routing.classifier.model import LinearModel, shipped_model
from routing.classifier.types import FALLBACK_TYPE

_MAX_NGRAM_REASONS = 3
_MAX_PHRASE_REASONS = 3
_NGRAM_CANDIDATES = 12
_MAX_TEXT_CHARS = 4000  # the opening of a long email decides its type; the rest (quotes, signatures) only adds noise


class IssueClassifier:
    def __init__(self, model: LinearModel, lexicon: Lexicon | None = None, phrase_boost: float = PHRASE_BOOST) -> None:
        self._model = model
        self._lexicon = lexicon or Lexicon()
        self._phrase_boost = phrase_boost
        self._class_index = {label: position for position, label in enumerate(model.classes)}

    def classify(self, text: str) -> Classification:
        text = text[:_MAX_TEXT_CHARS]
        normalized = normalize(text)
        if not any(character.isalpha() for character in normalized):  # "", "???", "12345": nothing to go on
            return Classification(FALLBACK_TYPE, 1.0 if not text.strip() else 0.5, ("no words in the text",))
        index, values = self._model.features(text)
        hits = self._lexicon.hits(normalized)
        scores = self._model.scores(index, values)
        counted: dict[str, int] = {}
        for hit in hits:
            if counted.get(hit.type, 0) < MAX_HITS_PER_TYPE:
                counted[hit.type] = counted.get(hit.type, 0) + 1
                scores[self._class_index[hit.type]] += self._phrase_boost
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = int(np.argmax(probabilities))
        label = self._model.classes[best]
        reasons = [f'phrase "{hit.phrase}"' for hit in hits if hit.type == label][:_MAX_PHRASE_REASONS]
        reasons += self._ngram_reasons(index, values, best, reasons, normalized)
        return Classification(label, round(float(probabilities[best]), 4), tuple(reasons))

    def classify_many(self, texts: Iterable[str]) -> list[Classification]:
        return [self.classify(text) for text in texts]

    def _ngram_reasons(self, index: np.ndarray, values: np.ndarray, best: int, already: list[str],
                       normalized: str) -> list[str]:
        """The words or Chinese pieces that pushed hardest toward the chosen type, as the customer wrote them."""
        if index.size == 0:
            return []
        contribution = values * self._model.weights[index, best]
        words = normalized.split()
        candidates: list[str] = []
        for position in np.argsort(-contribution)[:_NGRAM_CANDIDATES]:
            if contribution[position] <= 0:
                break
            piece = self._readable(self._gram(int(index[position])), words)
            if piece and piece not in candidates:
                candidates.append(piece)
        quoted = " ".join(already)
        kept = [piece for piece in candidates
                if piece not in quoted and not any(piece != other and piece in other for other in candidates)]
        return [f'text "{piece}"' for piece in kept[:_MAX_NGRAM_REASONS]]

    @staticmethod
    def _readable(gram: str, words: list[str]) -> str | None:
        """"w:how" -> "how"; "ind" -> "bind" (the whole English word it came from); Chinese pieces as they are."""
        if gram.startswith(("w:", "b:")):
            gram = gram[2:]
        gram = gram.strip()
        if not gram.isascii():
            return gram if len(gram) >= 2 else None
        if " " in gram:
            return gram
        whole = next((word for word in words if gram in word), None)
        return whole if whole and len(whole) >= 3 else None

    def _gram(self, position: int) -> str:
        names = getattr(self, "_names", None)
        if names is None:
            names = self._names = self._model.feature_names()
        return names[position]


_default: IssueClassifier | None = None


def default_classifier() -> IssueClassifier:
    global _default
    if _default is None:
        _default = IssueClassifier(shipped_model())
    return _default
