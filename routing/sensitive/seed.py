"""BIP-39 mnemonic detection (English, simplified and traditional Chinese).

A run is a stretch of wordlist words joined only by list-like separators (spaces, commas, line breaks, numbering).
Inside a run we look for a 12/15/18/21/24-word window whose BIP-39 checksum holds, trying windows bounded by the
run's edges or by strong punctuation first. A near-valid phrase (one typo, or a failed checksum) counts only when
seed-phrase context words are present. Chinese written without separators looks like ordinary Chinese text made
of common characters, so such windows must also pass the checksum and use characters a random draw would
(ordinary prose sticks to the most frequent few hundred characters of the list).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Sequence

from mnemonic import Mnemonic

from routing.sensitive.context import SEED_KEYWORDS, has_any

VALID_LENGTHS = (24, 21, 18, 15, 12)
_MIN_WORDS = 12
_MAX_RUN_FOR_CONTEXT_MATCH = 30  # a longer run of wordlist words with context is prose, not a phrase
_GLUED_MIN_MEAN_RANK = 600  # random draws from 2048 average ~1024; prose averages a few hundred


def _wordlist(language: str) -> list[str]:
    return Mnemonic(language).wordlist


_ENGLISH = {word: index for index, word in enumerate(_wordlist("english"))}
# The traditional list is the simplified one character for character (773 differ), so one map serves both.
_CHINESE = {
    word: index
    for name in ("chinese_simplified", "chinese_traditional")
    for index, word in enumerate(_wordlist(name))
}
_CHINESE_CHARS = "".join(sorted(_CHINESE))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_ENGLISH_DELETIONS = set().union(*(_deletions(word) for word in _ENGLISH))


def _is_english_typo(token: str) -> bool:
    """Edit distance 1 from some wordlist word (missing, extra or swapped-in letter)."""
    if not 3 <= len(token) <= 9:
        return False
    if token in _ENGLISH_DELETIONS:
        return True
    variants = _deletions(token)
    return any(variant in _ENGLISH or variant in _ENGLISH_DELETIONS for variant in variants)


def checksum_ok(indices: Sequence[int]) -> bool:
    count = len(indices)
    if count not in VALID_LENGTHS:
        return False
    bits = 0
    for index in indices:
        bits = (bits << 11) | index
    checksum_bits = count // 3
    entropy_bits = count * 11 - checksum_bits
    entropy = (bits >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    return hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits) == bits & ((1 << checksum_bits) - 1)


# What may sit between two words of a written-out phrase: whitespace, commas, list numbering, bullets.
_GAP = re.compile(r"(?:[\s,;|/·•*\-.、，；:：()\[\]（）'\"#]|\d{1,2}(?!\d))*")
_STRONG_GAP = re.compile(r"(?<!\d)[.。!?！？]\s|[:：]|\n\s*\n")
_GAP_MAX = 12

_ENGLISH_PREFILTER = re.compile(r"(?:[A-Za-z]{2,10}[^A-Za-z]{1,12}){11}[A-Za-z]{2,10}")
_ENGLISH_TOKEN = re.compile(r"[A-Za-z]+")
_CJK_SEP = r"(?:[\s,;|/·•*\-.、，；:：()\[\]（）'\"#]|\d{1,2}(?!\d)){0,12}"
_CJK_SEGMENT = re.compile(f"[{_CHINESE_CHARS}]+")
_CJK_RUN = re.compile(f"[{_CHINESE_CHARS}](?:{_CJK_SEP}[{_CHINESE_CHARS}]){{11,}}")


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    index: int | None  # wordlist index; None for a tolerated typo
    strong_before: bool  # strong punctuation between this token and the previous one
    glued_before: bool  # no separator at all before this token (Chinese written solid)


def find_seed_phrases(text: str, lower: str | None = None) -> list[tuple[int, int]]:
    """Spans (in `text`) of likely BIP-39 phrases; `lower` is `text.lower()` if the caller already has it."""
    spans: list[tuple[int, int]] = []
    context: bool | None = None
    if _ENGLISH_PREFILTER.search(text):
        lower = text.lower() if lower is None else lower
        context = has_any(lower, SEED_KEYWORDS)
        if _has_english_streak(text, context):
            spans.extend(_english_spans(text, context))
    if not text.isascii():
        for run in _CJK_RUN.finditer(text):
            if context is None:
                context = has_any(text.lower() if lower is None else lower, SEED_KEYWORDS)
            spans.extend(_chinese_spans(text, run.start(), run.end(), context))
    return spans


def _has_english_streak(text: str, context: bool) -> bool:
    """Cheap pre-check: twelve wordlist words in a row (one stranger tolerated when there is context)."""
    streak = 0
    strangers = 0
    for word in _ENGLISH_TOKEN.findall(text.lower()):
        if word in _ENGLISH:
            streak += 1
        elif context and strangers == 0:
            strangers = 1
            streak += 1
        else:
            streak = 0
            strangers = 0
        if streak >= _MIN_WORDS:
            return True
    return False


def _gap_kind(text: str, start: int, end: int) -> tuple[bool, bool]:
    """(acceptable, strong) for the text between two words."""
    if end - start > _GAP_MAX or _GAP.fullmatch(text, start, end) is None:
        return False, False
    return True, _STRONG_GAP.search(text, start, end) is not None


def _english_spans(text: str, context: bool) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    run: list[_Token] = []
    previous_end = -1
    for match in _ENGLISH_TOKEN.finditer(text):
        word = match.group().lower()
        index = _ENGLISH.get(word)
        if index is None and not (context and _is_english_typo(word)):
            spans.extend(_spans_in_run(run, context))
            run = []
            continue
        strong = False
        if run:
            acceptable, strong = _gap_kind(text, previous_end, match.start())
            if not acceptable:
                spans.extend(_spans_in_run(run, context))
                run = []
        run.append(_Token(match.start(), match.end(), index, strong, False))
        previous_end = match.end()
    spans.extend(_spans_in_run(run, context))
    return spans


def _chinese_spans(text: str, start: int, end: int, context: bool) -> list[tuple[int, int]]:
    segments = [(match.start(), match.end()) for match in _CJK_SEGMENT.finditer(text, start, end)]
    if (end - start) >= 5 * len(segments):
        return _glued_chinese_spans(text, segments, context)
    run: list[_Token] = []
    previous_end = -1
    for position in range(start, end):
        index = _CHINESE.get(text[position])
        if index is None:
            continue
        glued = bool(run) and previous_end == position
        strong = bool(run) and not glued and _STRONG_GAP.search(text, previous_end, position) is not None
        run.append(_Token(position, position + 1, index, strong, glued))
        previous_end = position + 1
    return _spans_in_run(run, context)


def _glued_chinese_spans(text: str, segments: list[tuple[int, int]], context: bool) -> list[tuple[int, int]]:
    """Chinese written solid: a segment between punctuation is the phrase, or (with context) contains it."""
    spans: list[tuple[int, int]] = []
    for low, high in segments:
        length = high - low
        if length < _MIN_WORDS or (not context and length not in VALID_LENGTHS):
            continue
        indices = list(map(_CHINESE.get, text[low:high]))
        window = _glued_window(indices, context)  # type: ignore[arg-type]  # the segment regex admits list chars only
        if window is not None:
            spans.append((low + window[0], low + window[1]))
    return spans


def _glued_window(indices: list[int], context: bool) -> tuple[int, int] | None:
    count = len(indices)
    for length in VALID_LENGTHS:
        if length > count or (not context and length != count):
            continue
        starts = range(count - length, -1, -1) if context else (0,)
        for low in starts:
            window = indices[low : low + length]
            if sum(window) >= _GLUED_MIN_MEAN_RANK * length and checksum_ok(window):
                return low, low + length
    return None


def _spans_in_run(run: list[_Token], context: bool) -> list[tuple[int, int]]:
    if len(run) < _MIN_WORDS:
        return []
    typos = [position for position, token in enumerate(run) if token.index is None]
    if len(typos) > 1:
        # At most one typo per phrase: split between typos and look at each piece.
        pieces: list[tuple[int, int]] = []
        bounds = [-1, *typos, len(run)]
        for k in range(1, len(bounds) - 1):
            pieces.append((bounds[k - 1] + 1, bounds[k + 1]))
        spans: list[tuple[int, int]] = []
        for low, high in pieces:
            spans.extend(_spans_in_run(run[low:high], context))
        return _dedupe(spans)
    glued = sum(token.glued_before for token in run) * 4 > len(run)
    window = _checksum_window(run, context, glued)
    if window is not None:
        low, high = window
        return [(run[low].start, run[high - 1].end)]
    if context and not glued and len(run) <= _MAX_RUN_FOR_CONTEXT_MATCH:
        # A near-valid phrase next to seed-phrase words: drop a lead-in such as "seed phrase:".
        strong = [position for position, token in enumerate(run) if token.strong_before]
        low = strong[-1] if strong and len(run) - strong[-1] >= _MIN_WORDS else 0
        return [(run[low].start, run[-1].end)]
    return []


def _checksum_window(run: list[_Token], context: bool, glued: bool) -> tuple[int, int] | None:
    if any(token.index is None for token in run):
        return None
    count = len(run)
    strong_starts = [position for position, token in enumerate(run) if token.strong_before]
    indices = [token.index for token in run if token.index is not None]
    for length in VALID_LENGTHS:
        if length > count:
            continue
        candidates = [count - length, 0]
        candidates += [start for start in strong_starts if start + length <= count]
        candidates += [position - length for position in strong_starts if position >= length]
        if context:
            candidates += range(count - length + 1)
        seen: set[int] = set()
        for low in candidates:
            if low in seen:
                continue
            seen.add(low)
            window = indices[low : low + length]
            if glued and sum(window) < _GLUED_MIN_MEAN_RANK * length:
                continue
            if checksum_ok(window):
                return low, low + length
    return None


def _dedupe(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return sorted(set(spans))
