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
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mnemonic import Mnemonic

from routing.sensitive.context import SEED_KEYWORDS, has_any

VALID_LENGTHS = (24, 21, 18, 15, 12)
_MIN_WORDS = 12
_GLUED_MIN_MEAN_RANK = 600  # random draws from 2048 average ~1024; prose averages a few hundred
_EXPECTED_MIN_MEAN_RANK = 450  # alone on a line or right after "助记词是" a phrase is expected: a lower bar


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


# Everyday words one letter away from a list word ("thanks" ~ "thank"?) that end a pasted phrase, not part of it.
_COMMON_NOT_TYPOS = frozenset(
    ["the", "and", "you", "for", "thanks", "thx", "this", "that", "with", "have", "was", "are", "not", "but", "can", "its", "his", "her", "our", "your", "from", "will", "been", "has", "had", "pls", "plz", "hello", "dear", "sir", "regards", "cheers"]
)


def _is_english_typo(token: str) -> bool:
    """Edit distance 1 from some wordlist word (missing, extra or swapped-in letter)."""
    if not 3 <= len(token) <= 9 or token in _COMMON_NOT_TYPOS:
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

_ENGLISH_LETTERS = re.compile(r"[A-Za-z]{3}")
_ENGLISH_TOKEN = re.compile(r"[A-Za-z]+")
_CJK_SEGMENT = re.compile(f"[{_CHINESE_CHARS}]+")
_CJK_TWELVE = re.compile(f"[{_CHINESE_CHARS}]{{12}}")


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    index: int | None  # wordlist index; None for a tolerated typo
    strong_before: bool  # strong punctuation between this token and the previous one: a phrase never spans it
    glued_before: bool  # no separator at all before this token (Chinese written solid)
    gap: str = ""  # the separator before this token, digits folded ("\n#. "), to spot where a list starts or ends
    title: bool = False  # capitalised (a sentence starting after a lower-case list)


_DIGITS = re.compile(r"[0-9]+")


class _LazyContext:
    """Whether seed-phrase words appear in the message, looked up only when a candidate needs it."""

    __slots__ = ("_lower", "_value")

    def __init__(self, lower: str) -> None:
        self._lower = lower
        self._value: bool | None = None

    def __call__(self) -> bool:
        if self._value is None:
            self._value = has_any(self._lower, SEED_KEYWORDS)
        return self._value


def find_seed_phrases(text: str, lower: str | None = None) -> list[tuple[int, int]]:
    """Spans (in `text`) of likely BIP-39 phrases; `lower` is `text.lower()` if the caller already has it."""
    spans: list[tuple[int, int]] = []
    context = _LazyContext(text.lower() if lower is None else lower)
    if _enough_separators(text) and _ENGLISH_LETTERS.search(text):
        listed, tolerant = _english_streaks(context._lower)
        if listed >= _MIN_WORDS or (tolerant >= _MIN_WORDS and context()):
            spans.extend(_english_spans(text, context()))
    if not text.isascii():
        spans.extend(_chinese_spans(text, context))
    return spans


def _enough_separators(text: str) -> bool:
    """Twelve written-out words need at least eleven separators; str.count is far cheaper than any regex."""
    return text.count(" ") + text.count("\n") + text.count(",") + text.count("，") + text.count("、") >= _MIN_WORDS - 1


def _english_streaks(lower: str) -> tuple[int, int]:
    """Cheap pre-check: the longest run of wordlist words, and the longest letting one stranger (a typo) in."""
    listed = tolerant = best_listed = best_tolerant = 0
    for word in _ENGLISH_TOKEN.findall(lower):
        if word in _ENGLISH:
            listed += 1
            tolerant += 1
            # Plain comparisons: max() costs a call per word and this loop runs on every longer English text.
            if tolerant > best_tolerant:  # noqa: PLR1730
                best_tolerant = tolerant
            if listed > best_listed:  # noqa: PLR1730
                best_listed = listed
        else:
            tolerant = listed + 1
            listed = 0
    return best_listed, best_tolerant


def _embedded(text: str, start: int, end: int) -> bool:
    """Part of an address, domain or identifier ("example.com", "user_name"), not a word on its own."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before in "@_/\\" or after in "@_/\\" or before.isalnum() or after.isalnum():
        return True  # glued to digits or other letters: part of an address or identifier
    return (after == "." and text[end + 1 : end + 2].isalpha()) or (before == "." and text[start - 2 : start - 1].isalpha())


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
        index = None if _embedded(text, match.start(), match.end()) else _ENGLISH.get(word)
        if index is None and not (context and _is_english_typo(word) and not _embedded(text, match.start(), match.end())):
            spans.extend(_spans_in_run(run, context))
            run = []
            continue
        strong = False
        if run:
            acceptable, strong = _gap_kind(text, previous_end, match.start())
            if not acceptable:
                spans.extend(_spans_in_run(run, context))
                run = []
        gap = _DIGITS.sub("#", text[previous_end : match.start()]) if run else ""
        run.append(_Token(match.start(), match.end(), index, strong, False, gap, not match.group().islower()))
        previous_end = match.end()
    spans.extend(_spans_in_run(run, context))
    return spans


def _chinese_spans(text: str, lazy_context: _LazyContext) -> list[tuple[int, int]]:
    if _CJK_TWELVE.search(text) is None and not _enough_separators(text):
        return []  # neither twelve list characters in a row nor enough separators for a spaced-out list
    segments = [(match.start(), match.end()) for match in _CJK_SEGMENT.finditer(text)]
    spans: list[tuple[int, int]] = []
    if any(high - low >= _MIN_WORDS for low, high in segments):
        spans.extend(_glued_chinese_spans(text, segments, lazy_context()))
    if sum(high - low == 1 for low, high in segments) >= _MIN_WORDS - 2:
        spans.extend(_spaced_chinese_spans(text, segments, lazy_context()))
    return spans


def _spaced_chinese_spans(text: str, segments: list[tuple[int, int]], context: bool) -> list[tuple[int, int]]:
    """Characters written out one by one ("脂 谊 赏", "1. 脂\n2. 谊", "脂，谊，赏")."""
    spans: list[tuple[int, int]] = []
    run: list[_Token] = []
    previous_end = -1
    for low, high in segments:
        if run and (low - previous_end > _GAP_MAX or _GAP.fullmatch(text, previous_end, low) is None):
            spans.extend(_spans_in_run(run, context))
            run = []
        for position in range(low, high):
            glued = bool(run) and previous_end == position
            if len(run) >= 2 and glued != run[-1].glued_before:
                # Solid text next to a spaced-out list (or the reverse) is a different thing: "...12. 耳请帮我恢复".
                spans.extend(_spans_in_run(run, context))
                run = [_Token(run[-1].start, run[-1].end, run[-1].index, False, False)]
            strong = bool(run) and not glued and _STRONG_GAP.search(text, previous_end, position) is not None
            gap = _DIGITS.sub("#", text[previous_end:position]) if run else ""
            run.append(_Token(position, position + 1, _CHINESE[text[position]], strong, glued, gap))
            previous_end = position + 1
    spans.extend(_spans_in_run(run, context))
    return spans


def _glued_chinese_spans(text: str, segments: list[tuple[int, int]], context: bool) -> list[tuple[int, int]]:
    """Chinese written solid: a segment between punctuation is the phrase, or (with context) contains it."""
    spans: list[tuple[int, int]] = []
    for low, high in segments:
        length = high - low
        own_line = (low == 0 or text[low - 1] == "\n") and (high == len(text) or text[high] in "\r\n")
        if length < _MIN_WORDS or (not context and (length not in VALID_LENGTHS or not own_line)):
            continue  # without seed words, solid Chinese counts only as a line of its own
        segment = text[low:high]
        indices = list(map(_CHINESE.get, segment))
        after_keywords: list[int] | None = None
        if context:
            after_keywords = _after_keywords(segment)
            if _after_keywords(text[max(0, low - 8) : low] + "\0"):
                after_keywords.append(0)  # "助记词：<segment>"
        window = _glued_window(indices, after_keywords, own_line)  # type: ignore[arg-type]  # list chars only
        if window is not None:
            spans.append((low + window[0], low + window[1]))
    return spans


_LEAD_IN = "是为為：:"


def _after_keywords(segment: str) -> list[int]:
    """Positions just after a seed-phrase keyword (and a following 是/为/：) inside a solid Chinese segment."""
    positions = []
    for keyword in SEED_KEYWORDS:
        if keyword.isascii():
            continue
        found = segment.find(keyword)
        while found >= 0:
            position = found + len(keyword)
            while position < len(segment) and segment[position] in _LEAD_IN:
                position += 1
            positions.append(position)
            found = segment.find(keyword, found + 1)
    return positions


# The commonest function characters of written Chinese (particles, pronouns, "please/trouble/quickly" of support
# messages). Prose is full of them; a random draw of 12 from 2048 holds more than two with probability ~0.3%.
_PROSE = frozenset("的了吗呢吧么我你他她是在不有这那怎什请帮麻烦哪里可以要会能啊呀就都也还没给和很到说去来下上个们为样时候如何")
_MAX_PROSE_CHARACTERS = 2
_PROSE_INDICES = frozenset(index for char, index in _CHINESE.items() if char in _PROSE)


def _prose_characters(window: list[int]) -> int:
    return sum(index in _PROSE_INDICES for index in window)


def _glued_window(
    indices: list[int], after_keywords: list[int] | None, own_line: bool = False
) -> tuple[int, int] | None:
    """Solid Chinese: the whole segment is the phrase, or (with context) a window right after the keyword
    ("我的助记词是……"). Prose made of list characters fails the rarity bar (mean list rank), which is lower
    right after a keyword, where a phrase is expected."""
    count = len(indices)
    for length in VALID_LENGTHS:
        if length > count or (after_keywords is None and length != count):
            continue
        starts = {start for start in after_keywords or () if start + length <= count}
        if length == count:
            starts.add(0)
        for low in sorted(starts, reverse=True):
            window = indices[low : low + length]
            if length != count and len(set(window)) != length:
                continue  # a random phrase rarely repeats a character; prose does
            if not own_line and any(first == second for first, second in itertools.pairwise(window)):
                continue  # doubled characters (谢谢, 看看) are typical of prose, rare in a random draw
            if after_keywords is None and _prose_characters(window) > _MAX_PROSE_CHARACTERS:
                continue
            expected = own_line or (after_keywords is not None and low in after_keywords)
            bar = _EXPECTED_MIN_MEAN_RANK if expected else _GLUED_MIN_MEAN_RANK
            if sum(window) >= bar * length and checksum_ok(window):
                return low, low + length
    return None


def _spans_in_run(run: list[_Token], context: bool) -> list[tuple[int, int]]:
    if len(run) < _MIN_WORDS:
        return []
    strong = [position for position, token in enumerate(run) if token.strong_before and position > 0]
    if strong:
        # A phrase never spans a sentence end or a colon: look at each piece on its own.
        bounds = [0, *strong, len(run)]
        spans: list[tuple[int, int]] = []
        for low, high in itertools.pairwise(bounds):
            piece = run[low:high]
            if piece:
                piece[0] = _Token(piece[0].start, piece[0].end, piece[0].index, False, False, "", piece[0].title)
            spans.extend(_spans_in_run(piece, context))
        return spans
    typos = [position for position, token in enumerate(run) if token.index is None]
    if len(typos) > 1:
        # At most one typo per phrase: split between typos and look at each piece.
        bounds = [-1, *typos, len(run)]
        spans = []
        for k in range(1, len(bounds) - 1):
            spans.extend(_spans_in_run(run[bounds[k - 1] + 1 : bounds[k + 1]], context))
        return sorted(set(spans))
    glued = sum(token.glued_before for token in run) * 4 > len(run)
    if glued:
        # Solid prose next to a spaced-out list: only an exact phrase-length stretch can be one.
        solid = _glued_window([token.index for token in run if token.index is not None], None)
        return [] if solid is None or len(run) not in VALID_LENGTHS else [(run[0].start, run[-1].end)]
    hints = _list_edges(run)
    window = _checksum_window(run, context, glued, hints)
    if window is not None:
        low, high = window
        return [(run[low].start, run[high - 1].end)]
    if context and not glued:
        near = _near_valid(run, hints)
        if near is not None:
            return [(run[near[0]].start, run[near[1] - 1].end)]
    return []


def _list_edges(run: list[_Token]) -> list[int]:
    """Positions where a written-out list plausibly starts or ends: the separator changes ("Hello, w1 w2 …") or a
    capitalised word follows lower-case ones ("… w12 Please help")."""
    gaps = [token.gap for token in run[1:]]
    usual = max(set(gaps), key=gaps.count)
    edges: list[int] = []
    for position in range(1, len(run)):
        token = run[position]
        if token.gap != usual or (token.title and not run[position - 1].title):
            edges.append(position)
    return edges


def _few_repeats(window: Sequence[int]) -> bool:
    """Random phrases rarely repeat a word; prose made of list words does."""
    return len(window) - len(set(window)) <= (1 if len(window) <= 18 else 2)


def _checksum_window(
    run: list[_Token], context: bool, glued: bool, hints: list[int]
) -> tuple[int, int] | None:
    if any(token.index is None for token in run):
        return None
    count = len(run)
    indices = [token.index for token in run if token.index is not None]
    for length in VALID_LENGTHS:
        if length > count:
            continue
        # Windows bounded on both sides by the run's edges or list edges first, then one side, then one stray
        # word on either side ("Hi w1 … w12 thanks"), then (with context, in short runs) anywhere.
        bounds = {0, count, *hints}
        one_side = [low for low in range(count - length + 1) if low in bounds or low + length in bounds]
        candidates = [low for low in one_side if low in bounds and low + length in bounds] + one_side
        candidates += [low for low in (1, count - length - 1) if 0 <= low <= count - length]
        if context and count - length <= 4:
            candidates += range(count - length + 1)
        seen: set[int] = set()
        for low in candidates:
            if low in seen:
                continue
            seen.add(low)
            window = indices[low : low + length]
            if glued and sum(window) < _GLUED_MIN_MEAN_RANK * length:
                continue
            if not context and not _few_repeats(window):
                continue
            capitalised = sum(token.title for token in run[low + 1 : low + length])
            if 0 < capitalised < length - 1:
                continue  # a phrase is written in one case; "Hello, Order about …" is a sentence starting
            if checksum_ok(window):
                return low, low + length
    return None


def _near_valid(run: list[_Token], hints: list[int]) -> tuple[int, int] | None:
    """With seed-phrase context, a phrase-shaped window that fails the checksum still counts (better to mask a
    mistyped phrase than keep it): one containing a typo, or one written as a list (line breaks, commas,
    numbering) without repeated words. Space-separated prose made of list words has neither."""
    typo = next((position for position, token in enumerate(run) if token.index is None), None)
    gaps = [token.gap for token in run[1:]]
    listed = max(set(gaps), key=gaps.count).strip() != "" or "\n" in "".join(gaps)
    count = len(run)
    bounds = {0, count, *hints}
    for length in VALID_LENGTHS:
        if length > count:
            continue
        one_side = [low for low in range(count - length + 1) if low in bounds or low + length in bounds]
        ordered = [low for low in one_side if low in bounds and low + length in bounds] + one_side
        # A clean list beats a window that needs the typo allowance.
        for wants_typo in (False, True):
            for low in ordered:
                has_typo = typo is not None and low <= typo < low + length
                if has_typo != wants_typo or (not has_typo and not listed):
                    continue
                known = [token.index for token in run[low : low + length] if token.index is not None]
                if len(known) - len(set(known)) <= (1 if has_typo else 0) + (0 if length <= 18 else 1):
                    return low, low + length
    return None
