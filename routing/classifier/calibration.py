"""Calibrated confidence: the softmax temperature of the shipped model and the "needs triage" threshold.

Both come from `python -m routing.classifier.calibrate`, which fits them on out-of-fold predictions over the
written training set (the held-out sets are never used), and are stored in `calibration.json` beside the corpus
digest they were fitted for (a test fails when the corpus changed and the calibration was not redone).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CALIBRATION_PATH = Path(__file__).resolve().parent / "calibration.json"
NEEDS_TRIAGE_TAG = "needs_triage"


@dataclass(frozen=True, slots=True)
class Calibration:
    temperature: float  # scores / temperature before the softmax
    triage_below: float  # a calibrated confidence under this: the type is a guess, a person should look
    corpus_digest: str  # the corpus it was fitted for


@lru_cache(maxsize=1)
def shipped_calibration() -> Calibration:
    try:
        data = json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))
        return Calibration(float(data["temperature"]), float(data["triage_below"]), str(data["corpus_digest"]))
    except (OSError, ValueError, KeyError):
        return Calibration(1.0, 0.5, "")  # uncalibrated: still usable, the evaluation shows it
