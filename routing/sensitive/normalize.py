"""Text normalisation with an offset map back to the original string.

Detection runs on NFKC text (full-width digits and letters become ASCII, the ideographic space a plain space) with
zero-width characters removed, so one set of patterns covers what customers actually paste. Findings must point
into the original text, hence the map.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

# Invisible characters people (or scammers) slip into pasted text; they would split tokens.
ZERO_WIDTH = _ZERO_WIDTH = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"


def _build_tables() -> tuple[dict[int, str], str]:
    """One-to-one NFKC replacements (a str.translate table) and the characters whose NFKC changes length."""
    one_to_one: dict[int, str] = {}
    reshaping: list[str] = []
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if char in _ZERO_WIDTH:
            continue
        folded = unicodedata.normalize("NFKC", char)
        if folded == char:
            continue
        if len(folded) == 1:
            one_to_one[code] = folded
        else:
            reshaping.append(char)
    return one_to_one, "".join(reshaping)


_ONE_TO_ONE, _RESHAPING = _build_tables()
_NEEDS_SLOW_PATH = re.compile("[" + re.escape(_ZERO_WIDTH + _RESHAPING) + "]")
_FOLDABLE = re.compile("[" + re.escape("".join(map(chr, _ONE_TO_ONE))) + "]+")


def _fold_one_to_one(text: str) -> str:
    # A regex over the (few) foldable characters beats str.translate's per-character dict lookups.
    return _FOLDABLE.sub(lambda match: match.group().translate(_ONE_TO_ONE), text)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    text: str
    # origin[i] is the index in the original text of normalised character i; None means the identity map.
    origin: tuple[int, ...] | None
    original_length: int

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        if end <= start:
            position = self.origin[start] if start < len(self.origin) else self.original_length
            return position, position
        return self.origin[start], self.origin[end - 1] + 1

    def original_to_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The normalised span covering original characters [start, end), or None if none of them survived."""
        if self.origin is None:
            return start, end
        low = bisect.bisect_left(self.origin, start)
        high = bisect.bisect_left(self.origin, end)
        return (low, high) if low < high else None


def normalize(text: str) -> NormalizedText:
    if text.isascii():
        return NormalizedText(text, None, len(text))
    if _NEEDS_SLOW_PATH.search(text) is None:
        # Common case for Chinese text: only 1:1 foldings (full-width punctuation/digits), offsets unchanged.
        return NormalizedText(_fold_one_to_one(text), None, len(text))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in _ZERO_WIDTH:
            continue
        folded = _ONE_TO_ONE.get(ord(char))
        if folded is None:
            folded = unicodedata.normalize("NFKC", char) if ord(char) > 0x7F else char
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return NormalizedText("".join(pieces), tuple(origin), len(text))
