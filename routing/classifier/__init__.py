"""Issue-type classifier (12 types, Chinese and English): `classify(text)` -> Classification(type, confidence, reasons).

The model trains at first use from the shipped corpus (cached in memory and on disk); nothing is downloaded.
"""
from __future__ import annotations

from typing import Iterable

from inbox.pipeline.stages import Classification
from routing.classifier.types import ISSUE_TYPES


def classify(text: str) -> Classification:
    from routing.classifier.classifier import default_classifier

    return default_classifier().classify(text)


def classify_many(texts: Iterable[str]) -> list[Classification]:
    from routing.classifier.classifier import default_classifier

    return default_classifier().classify_many(texts)


def warm_up() -> None:
    """Train or load the model now (seconds on a first start, then read from the disk cache). Blocking: call it in a
    thread at start-up (`await asyncio.to_thread(warm_up)`) so the first message doesn't wait for training."""
    from routing.classifier.classifier import default_classifier

    default_classifier()


def __getattr__(name: str):  # ClassifyStage imports the pipeline types; load it only when asked for
    if name == "ClassifyStage":
        from routing.classifier.stage import ClassifyStage

        return ClassifyStage
    raise AttributeError(name)


__all__ = ["ISSUE_TYPES", "Classification", "ClassifyStage", "classify", "classify_many", "warm_up"]
