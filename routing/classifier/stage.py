"""Pipeline stage "classify": issue type and language for every inbound item."""
from __future__ import annotations

from typing import Sequence

from inbox.pipeline.stages import PipelineItem
from routing.classifier.calibration import NEEDS_TRIAGE_TAG
from routing.classifier.classifier import IssueClassifier, default_classifier, deployment_model_active
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
        texts = [classification_text(item) for item in items]
        # A conversation keeps the type its first message set; later messages ("thanks!") don't retype it.
        # Reasons are shown with the conversation's type, so only the messages that set it need them.
        sets_type = [item.conversation.type is None or item.is_first for item in items]
        # Analysis done ahead counts only for the text it was done on (the guard may have masked since).
        # (It comes from the shipped classifier: a stage given another classifier does its own, and so does the
        # stage while a model retrained on this deployment's corrections is in use.)
        shipped = self._classifier is None and not deployment_model_active()
        ahead = [p if (p := item.prepared) is not None and p.classify_text == text and shipped
                 else None for item, text in zip(items, texts)]
        results = [p.classification if p is not None else None for p in ahead]
        missing = [position for position, result in enumerate(results) if result is None]
        if missing:
            classifier = self._classifier or default_classifier()
            done = classifier.classify_many([texts[p] for p in missing], [sets_type[p] for p in missing])
            for position, result in zip(missing, done):
                results[position] = result
        for item, text, result, sets, prepared in zip(items, texts, results, sets_type, ahead):
            item.classification = result
            if sets:
                item.effects.type = result
            # Anger, a supervisor asked for, urgency: from any message. "Needs triage": only where the type is set.
            for tag in result.tags:
                if tag != NEEDS_TRIAGE_TAG or sets:
                    item.effects.add_tags.add(tag)
            if item.language is None:
                item.language = prepared.language if prepared is not None else detect_language(text)
