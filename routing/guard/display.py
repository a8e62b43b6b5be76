"""Masking personal data for display to agents (the API calls this; reveal is role-gated elsewhere).

phone 13812345678 -> 138****5678, email alice@example.com -> a***@example.com, ID 110105194912310021 ->
110***********0021, IBAN DE89 3704 0044 0532 0130 00 -> DE89 **** **** **** **30 00. Secret-tier spans still in the
text are replaced by their removal label; linkable data is shown as is.
"""
from __future__ import annotations

from inbox.pipeline.stages import Finding
from routing.sensitive.redact import mask_label
from routing.sensitive.tiers import PERSONAL, SECRET


def display_mask(text: str, findings: list[Finding]) -> str:
    pieces: list[str] = []
    cursor = 0
    for finding in sorted(findings, key=lambda item: item.start):
        if finding.start < cursor or finding.end > len(text):
            continue
        value = text[finding.start : finding.end]
        if finding.tier == SECRET:
            shown = value if value == mask_label(finding.kind) else mask_label(finding.kind)
        elif finding.tier == PERSONAL:
            shown = mask_value(finding.kind, value)
        else:
            shown = value
        pieces.append(text[cursor : finding.start])
        pieces.append(shown)
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def mask_value(kind: str, value: str) -> str:
    if kind == "email":
        local, _, domain = value.partition("@")
        return (local[:1] or "*") + "***@" + domain
    if kind == "phone":
        return _keep_ends(value, keep_first=3, keep_last=4, skip_country=value.startswith(("+", "00")))
    if kind == "cn_id":
        return _keep_ends(value, keep_first=3, keep_last=4)
    if kind == "iban":
        return _keep_ends(value, keep_first=4, keep_last=4)
    return _keep_ends(value, keep_first=0, keep_last=4)


def _keep_ends(value: str, *, keep_first: int, keep_last: int, skip_country: bool = False) -> str:
    """Star out alphanumerics except the first/last few; separators and a leading "+country" group stay."""
    chars = list(value)
    positions = [index for index, char in enumerate(chars) if char.isalnum()]
    if skip_country:
        # "+86 138 1234 5678": the country code is not the part worth hiding; count from the national number.
        first_break = next((i for i, char in enumerate(chars) if i > 0 and not char.isalnum()), None)
        if first_break is not None:
            positions = [index for index in positions if index > first_break]
        else:
            positions = positions[2:] if value.startswith("+86") else positions
    if len(positions) <= keep_first + keep_last:
        keep_first, keep_last = 0, min(keep_last, max(0, len(positions) - 4))
    hidden = positions[keep_first : len(positions) - keep_last if keep_last else None]
    for index in hidden:
        chars[index] = "*"
    return "".join(chars)
