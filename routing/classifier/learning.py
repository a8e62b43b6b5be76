"""Learning from agents: a deployment's type corrections folded into its model, measured before it is used.

Pure functions (no database): `inbox.classifier_learning` stores corrections and versions and calls these.

- A correction's text is masked for every sensitive kind before it is stored (see `mask_for_training`).
- Every `HELDOUT_EVERY`-th correction (by id, so the split is the same for every retrain) is held out: the
  before/after figures are measured on those, and they never train a model.
- A retrained model is the shipped training set plus the training corrections, each weighted
  `CORRECTION_WEIGHT` (a deployment's own words should count for more than the generic corpus). It is rebuilt
  deterministically from them and cached on disk like the shipped model, so a version row needs no weights.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence

from routing.classifier.classifier import IssueClassifier
from routing.classifier.model import LinearModel, _cache_path, _load, _save, model_digest, train
from routing.classifier.types import ISSUE_TYPES

HELDOUT_EVERY = 5
CORRECTION_WEIGHT = 3.0
MIN_TRAINING = 4  # fewer corrections than this teach the model nothing measurable
MIN_HELDOUT = 1


@dataclass(frozen=True, slots=True)
class Correction:
    id: int
    text: str
    type: str


class NotEnoughCorrections(ValueError):
    pass


def mask_for_training(text: str) -> str:
    """Every finding masked, whatever its tier: a training example needs the words around a phone number or an
    address, never the value (secrets are already masked at rest; personal and linkable data are masked here)."""
    from routing.sensitive import detect, redact_where

    masked, _ = redact_where(text, detect(text), lambda finding: True)
    return masked


def split(corrections: Sequence[Correction]) -> tuple[list[Correction], list[Correction]]:
    usable = sorted((c for c in corrections if c.type in ISSUE_TYPES and c.text.strip()), key=lambda c: c.id)
    heldout = [c for c in usable if c.id % HELDOUT_EVERY == 0]
    training = [c for c in usable if c.id % HELDOUT_EVERY != 0]
    return training, heldout


def _extra_digest(training: Sequence[Correction]) -> bytes:
    return json.dumps([[c.text, c.type] for c in training], ensure_ascii=False).encode() + \
        f"|w{CORRECTION_WEIGHT}".encode()


def build_model(training: Sequence[Correction]) -> LinearModel:
    """The shipped training set plus `training`, from the disk cache when this exact set was trained before."""
    from routing.classifier.calibration import shipped_calibration
    from routing.classifier.corpus import training_set

    path = _cache_path(model_digest(_extra_digest(training)))
    if path.exists():
        try:
            return _load(path)
        except (OSError, ValueError, KeyError):
            pass  # rebuilt below
    texts, labels, weights = training_set()
    model = train(texts + [c.text for c in training], labels + [c.type for c in training],
                  weights + [CORRECTION_WEIGHT] * len(training), temperature=shipped_calibration().temperature)
    try:
        _save(model, path)
    except OSError:
        pass
    return model


def measure(classifier: IssueClassifier, examples: Sequence[Correction]) -> dict[str, float | int]:
    from routing.classifier.evaluate import score

    predicted = [result.type for result in classifier.classify_many([e.text for e in examples])]
    scores = score([e.type for e in examples], predicted)
    return {"n": scores.count, "accuracy": round(scores.accuracy, 4), "macro_f1": round(scores.macro_f1, 4)}


def check_enough(corrections: Sequence[Correction]) -> None:
    training, heldout = split(corrections)
    if len(training) < MIN_TRAINING or len(heldout) < MIN_HELDOUT:
        raise NotEnoughCorrections(
            f"{len(training)} corrections to train on and {len(heldout)} held out; at least {MIN_TRAINING} and "
            f"{MIN_HELDOUT} are needed (every {HELDOUT_EVERY}th correction is held out to measure the result)")


def retrain(current: IssueClassifier, corrections: Sequence[Correction]) -> tuple[LinearModel, dict[str, object]]:
    """A model with the corrections folded in, and the report: before (the model in use) and after, on the
    held-out corrections and on the project's own held-out set (so a deployment can see nothing else got worse)."""
    from routing.classifier.corpus import WRITTEN_HELDOUT_PATH, read_examples

    check_enough(corrections)
    training, heldout = split(corrections)
    model = build_model(training)
    retrained = IssueClassifier(model)
    project = [Correction(i, e.text, e.type) for i, e in enumerate(read_examples(WRITTEN_HELDOUT_PATH))]
    report: dict[str, object] = {
        "trained_on": len(training), "held_out": len(heldout),
        "before": {"corrections": measure(current, heldout), "project_heldout": measure(current, project)},
        "after": {"corrections": measure(retrained, heldout), "project_heldout": measure(retrained, project)},
    }
    return model, report


def is_improvement(report: dict[str, object]) -> bool:
    """Not worse on the held-out corrections, and no more than 0.02 macro-F1 lost on the project's held-out set."""
    before, after = report["before"], report["after"]
    return (after["corrections"]["macro_f1"] >= before["corrections"]["macro_f1"]  # type: ignore[index]
            and after["project_heldout"]["macro_f1"] >= before["project_heldout"]["macro_f1"] - 0.02)  # type: ignore[index]
