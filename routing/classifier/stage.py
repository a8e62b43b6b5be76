"""Pipeline stage "classify": issue type and language for every inbound item."""
from __future__ import annotations

from typing import Sequence

from inbox.pipeline.stages import PipelineItem
from routing.classifier.classifier import IssueClassifier, default_classifier
from routing.language import detect_language


def classification_text(item: PipelineItem) -> str:
    """What the classifier reads: the stored (masked) subject and text, never the unmasked originals."""
    subject = item.subject
    return f"{subject}\n{item.text}" if subject else item.text


class ClassifyStage:
    name = "classify"

    def __init__(self, classifier: IssueClassifier | None = None) -> None:
        self._classifier = classifier

    def process(self, items: Sequence[PipelineItem]) -> None:
        classifier = self._classifier or default_classifier()
        texts = [classification_text(item) for item in items]
        # A conversation keeps the type its first message set; later messages ("thanks!") don't retype it.
        # Reasons are shown with the conversation's type, so only the messages that set it need them.
        sets_type = [item.conversation.type is None or item.is_first for item in items]
        for item, text, result, sets in zip(items, texts, classifier.classify_many(texts, sets_type), sets_type):
            item.classification = result
            if sets:
                item.effects.type = result
            if item.language is None:
                item.language = detect_language(text)
