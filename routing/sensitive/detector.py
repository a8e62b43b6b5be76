"""The detector: normalise, run each family of recognisers behind a cheap pre-check, resolve overlaps, map back."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from inbox.pipeline.stages import Finding
from routing.sensitive.credentials import find_credentials
from routing.sensitive.crypto import find_crypto
from routing.sensitive.normalize import ZERO_WIDTH, NormalizedText, normalize
from routing.sensitive.numbers import (
    find_cards_and_ids,
    find_emails,
    find_ibans,
    find_phones,
)
from routing.sensitive.seed import find_seed_phrases
from routing.sensitive.tiers import TIERS

# When two recognisers claim overlapping text, the more dangerous reading wins (then the longer span).
_PRECEDENCE = {
    "seed_phrase": 0, "private_key": 1, "otp": 2, "password": 3, "card_number": 4, "cn_id": 5, "iban": 6,
    "wallet_address": 7, "tx_hash": 8, "email": 9, "phone": 10,
}  # fmt: skip

_HAS_DIGIT = re.compile(r"[0-9]")
_ZERO_WIDTH_RE = re.compile("[" + ZERO_WIDTH + "]")
_ZERO_WIDTH_TO_SPACE = str.maketrans(dict.fromkeys(ZERO_WIDTH, " "))
_HAS_LONG_TOKEN = re.compile(r"[0-9A-Za-z]{25}")
_HAS_IBAN_START = re.compile(r"[A-Z]{2} ?[0-9]{2}")


def _may_hold_credentials(lower: str) -> bool:
    # Spelled out rather than any(...) over a tuple: this runs on every message and a generator costs more.
    return (
        "pass" in lower or "pwd" in lower or "pin" in lower or "code" in lower or "otp" in lower
        or "码" in lower or "碼" in lower or "口令" in lower or "验证" in lower or "驗證" in lower
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class DetectorOptions:
    phone_regions: tuple[str, ...] = ("CN",)  # national formats recognised without a +country prefix


class SensitiveDetector:
    def __init__(self, options: DetectorOptions | None = None) -> None:
        self.options = options or DetectorOptions()

    def detect(self, text: str) -> list[Finding]:
        if not text:
            return []
        normalized = normalize(text)
        body = normalized.text
        lower = _lower_same_length(body)
        candidates: list[tuple[str, int, int]] = []
        candidates.extend(("seed_phrase", start, end) for start, end in find_seed_phrases(body, lower))
        if normalized.origin is not None and _ZERO_WIDTH_RE.search(text):
            candidates.extend(_seed_with_zero_width_as_space(text, normalized))
        has_digit = _HAS_DIGIT.search(body) is not None
        if has_digit:
            candidates.extend(find_cards_and_ids(body, lower))
            candidates.extend(find_phones(body, lower, self.options.phone_regions))
            if _HAS_IBAN_START.search(body):
                candidates.extend(find_ibans(body))
        if "@" in body:
            candidates.extend(find_emails(body))
        if _HAS_LONG_TOKEN.search(body) or "bc1" in lower or "tb1" in lower or "rt1" in lower:
            candidates.extend(find_crypto(body, lower))
        if _may_hold_credentials(lower):
            candidates.extend(find_credentials(body, lower))
        if not candidates:
            return []
        # Most messages with a finding have exactly one candidate: nothing to drop, nothing overlaps.
        chosen = candidates if len(candidates) == 1 else _resolve(_drop_cards_inside_ibans(candidates))
        if normalized.origin is None:  # offsets are the original text's already (no character was dropped)
            return [Finding(kind, start, end, TIERS[kind]) for kind, start, end in chosen]
        findings = []
        for kind, start, end in chosen:
            original_start, original_end = normalized.span_to_original(start, end)
            findings.append(Finding(kind, original_start, original_end, TIERS[kind]))
        return findings


def _seed_with_zero_width_as_space(text: str, normalized: NormalizedText) -> list[tuple[str, int, int]]:
    """Zero-width characters vanish for numbers ("6222\u200b0202…") but separate words of a phrase
    ("abandon\u200bability…"): read the phrase once more with each one as a space, and bring the spans back to
    `normalized`'s coordinates through the original text."""
    spaced = normalize(text.translate(_ZERO_WIDTH_TO_SPACE))
    found = []
    for start, end in find_seed_phrases(spaced.text, _lower_same_length(spaced.text)):
        low, high = spaced.span_to_original(start, end)
        mapped = normalized.original_to_span(low, high)
        if mapped is not None:
            found.append(("seed_phrase", *mapped))
    return found


def _resolve(candidates: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Greedy by precedence; `starts`/`ends` hold the chosen, non-overlapping spans sorted, so each check is a
    bisect (a message with thousands of findings stays linear-logarithmic)."""
    ordered = sorted(candidates, key=lambda item: (_PRECEDENCE[item[0]], item[1] - item[2], item[1]))
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[tuple[str, int, int]] = []
    for candidate in ordered:
        _, start, end = candidate
        slot = bisect.bisect_right(starts, start)
        if slot > 0 and ends[slot - 1] > start:
            continue  # overlaps the chosen span starting at or before it
        if slot < len(starts) and starts[slot] < end:
            continue  # overlaps the next chosen span
        starts.insert(slot, start)
        ends.insert(slot, end)
        chosen.append(candidate)
    chosen.sort(key=lambda item: item[1])
    return chosen


def _drop_cards_inside_ibans(candidates: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A grouped IBAN holds 16 digits that can pass Luhn; the IBAN's own mod-97 check is the stronger evidence."""
    ibans = [(start, end) for kind, start, end in candidates if kind == "iban"]
    if not ibans:
        return candidates
    return [
        item
        for item in candidates
        if not (item[0] == "card_number" and any(low <= item[1] and item[2] <= high for low, high in ibans))
    ]


def _lower_same_length(text: str) -> str:
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    # A handful of characters (e.g. "İ") lower-case to two; keep those as they are so offsets line up.
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)
