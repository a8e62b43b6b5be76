"""Masking secret spans before storage, with every finding re-offset into the masked text."""
from __future__ import annotations

from collections.abc import Callable

from inbox.pipeline.stages import Finding


def mask_label(kind: str) -> str:
    return f"[{kind} removed]"


def redact(
    text: str, findings: list[Finding], tiers: frozenset[str] = frozenset({"secret"})
) -> tuple[str, list[Finding]]:
    """Replace spans of `tiers` by a label; return the new text and ALL findings with offsets into it.

    A masked finding now covers its label, so the stored text and findings stay consistent (the UI can still say
    "a seed phrase was removed here").
    """
    return redact_where(text, findings, lambda finding: finding.tier in tiers)


def redact_where(
    text: str, findings: list[Finding], should_mask: Callable[[Finding], bool]
) -> tuple[str, list[Finding]]:
    pieces: list[str] = []
    moved: list[Finding] = []
    cursor = 0
    shift = 0
    for finding in sorted(findings, key=lambda item: item.start):
        if finding.start < cursor:  # overlapping input: keep what we have, never expose part of a masked span
            continue
        pieces.append(text[cursor : finding.start])
        new_start = finding.start + shift
        if should_mask(finding):
            label = mask_label(finding.kind)
            pieces.append(label)
            shift += len(label) - (finding.end - finding.start)
        else:
            pieces.append(text[finding.start : finding.end])
        moved.append(Finding(finding.kind, new_start, finding.end + shift, finding.tier))
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces), moved
