"""Sensitive-data detection: seed phrases, keys, credentials, cards, IDs, contact data, addresses, hashes.

`detect` is pure and fast (it runs on every inbound message); offsets point into the original text.
"""
from __future__ import annotations

from inbox.pipeline.stages import Finding
from routing.sensitive.detector import DetectorOptions, SensitiveDetector
from routing.sensitive.redact import mask_label, redact, redact_where
from routing.sensitive.tiers import KINDS, LINKABLE, PERSONAL, SECRET, TIER_NAMES, TIERS

_DEFAULT = SensitiveDetector()


def detect(text: str) -> list[Finding]:
    """Findings sorted by start, non-overlapping, with Python string offsets into `text`."""
    return _DEFAULT.detect(text)


__all__ = [
    "KINDS",
    "LINKABLE",
    "PERSONAL",
    "SECRET",
    "TIERS",
    "TIER_NAMES",
    "DetectorOptions",
    "Finding",
    "SensitiveDetector",
    "detect",
    "mask_label",
    "redact",
    "redact_where",
]
