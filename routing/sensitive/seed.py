"""BIP-39 mnemonic detection (English, simplified and traditional Chinese).

A run is a stretch of wordlist words joined only by list-like separators (spaces, commas, line breaks, numbering).
Inside a run we look for a 12/15/18/21/24-word window whose BIP-39 checksum holds, trying windows bounded by the
run's edges or by strong punctuation first. A near-valid phrase (one typo, or a failed checksum) counts only when
seed-phrase context words are present. Chinese written without separators looks like ordinary Chinese text made
of common characters, so such windows must also pass the checksum and use characters a random draw would
(ordinary prose sticks to the most frequent few hundred characters of the list).
"""
from __future__ import annotations

import re

from routing.sensitive.context import SEED_KEYWORDS, has_any
from routing.sensitive.seed_windows import (
    CHINESE,
    CHINESE_CHARS,
    ENGLISH,
    MIN_WORDS,
    VALID_LENGTHS,
    Token,
    glued_window,
    spans_in_run,
)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_ENGLISH_DELETIONS = set().union(*(_deletions(word) for word in ENGLISH))


# Everyday words one letter away from a list word ("thanks" ~ "thank"?) that end a pasted phrase, not part of it.
_COMMON_NOT_TYPOS = frozenset(
    """
        the and you for thanks thx this that with have was are not but can its his her our your from will been
        has had pls plz hello dear sir regards cheers
        """.split()  # noqa: SIM905 - a word list reads better as text
)


def _is_english_typo(token: str) -> bool:
    """Edit distance 1 from some wordlist word (missing, extra or swapped-in letter)."""
    if not 3 <= len(token) <= 9 or token in _COMMON_NOT_TYPOS:
        return False
    if token in _ENGLISH_DELETIONS:
        return True
    variants = _deletions(token)
    return any(variant in ENGLISH or variant in _ENGLISH_DELETIONS for variant in variants)


# What may sit between two words of a written-out phrase: whitespace, commas, list numbering, bullets.
_GAP = re.compile(r"(?:[\s,;|/·•*\-.、，；:：()\[\]（）'\"#]|\d{1,2}(?!\d))*")
_STRONG_GAP = re.compile(r"(?<!\d)[.。!?！？]\s|[:：]|\n\s*\n")
_GAP_MAX = 12

_ENGLISH_LETTERS = re.compile(r"[A-Za-z]{3}")
_ENGLISH_TOKEN = re.compile(r"[A-Za-z]+")
_CJK_SEGMENT = re.compile(f"[{CHINESE_CHARS}]+")
_CJK_TWELVE = re.compile(f"[{CHINESE_CHARS}]{{12}}")


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
        if listed >= MIN_WORDS or (tolerant >= MIN_WORDS and context()):
            spans.extend(_english_spans(text, context()))
    if not text.isascii():
        spans.extend(_chinese_spans(text, context))
    return spans


def _enough_separators(text: str) -> bool:
    """Twelve written-out words need at least eleven separators; str.count is far cheaper than any regex."""
    return text.count(" ") + text.count("\n") + text.count(",") + text.count("，") + text.count("、") >= MIN_WORDS - 1


def _english_streaks(lower: str) -> tuple[int, int]:
    """Cheap pre-check: the longest run of wordlist words, and the longest letting one stranger (a typo) in."""
    listed = tolerant = best_listed = best_tolerant = 0
    for word in _ENGLISH_TOKEN.findall(lower):
        if word in ENGLISH:
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


def _glued(character: str) -> bool:
    """A letter or digit that would continue a Latin word. Chinese (and Japanese, Korean) text around a word is not
    part of it: "我的助记词是grid eight ..." writes the phrase straight after the Chinese, with no space."""
    return character.isalnum() and character < _CJK_START


_CJK_START = "\u2e80"


def _embedded(text: str, start: int, end: int) -> bool:
    """Part of an address, domain or identifier ("example.com", "user_name"), not a word on its own."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before in "@_/\\" or after in "@_/\\" or _glued(before) or _glued(after):
        return True  # glued to digits or other letters: part of an address or identifier
    return ((after == "." and _glued(text[end + 1 : end + 2] or " ") and text[end + 1].isalpha())
            or (before == "." and _glued(text[start - 2 : start - 1] or " ") and text[start - 2].isalpha()))


def _gap_kind(text: str, start: int, end: int) -> tuple[bool, bool]:
    """(acceptable, strong) for the text between two words."""
    if end - start > _GAP_MAX or _GAP.fullmatch(text, start, end) is None:
        return False, False
    return True, _STRONG_GAP.search(text, start, end) is not None


def _english_spans(text: str, context: bool) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    run: list[Token] = []
    previous_end = -1
    for match in _ENGLISH_TOKEN.finditer(text):
        word = match.group().lower()
        index = None if _embedded(text, match.start(), match.end()) else ENGLISH.get(word)
        if index is None and not (context and _is_english_typo(word) and not _embedded(text, match.start(), match.end())):
            spans.extend(spans_in_run(run, context))
            run = []
            continue
        strong = False
        if run:
            acceptable, strong = _gap_kind(text, previous_end, match.start())
            if not acceptable:
                spans.extend(spans_in_run(run, context))
                run = []
        gap = _DIGITS.sub("#", text[previous_end : match.start()]) if run else ""
        run.append(Token(match.start(), match.end(), index, strong, False, gap, not match.group().islower()))
        previous_end = match.end()
    spans.extend(spans_in_run(run, context))
    return spans


def _chinese_spans(text: str, lazy_context: _LazyContext) -> list[tuple[int, int]]:
    if _CJK_TWELVE.search(text) is None and not _enough_separators(text):
        return []  # neither twelve list characters in a row nor enough separators for a spaced-out list
    segments = [(match.start(), match.end()) for match in _CJK_SEGMENT.finditer(text)]
    spans: list[tuple[int, int]] = []
    if any(high - low >= MIN_WORDS for low, high in segments):
        spans.extend(_glued_chinese_spans(text, segments, lazy_context()))
    if sum(high - low == 1 for low, high in segments) >= MIN_WORDS - 2:
        spans.extend(_spaced_chinese_spans(text, segments, lazy_context()))
    return spans


def _spaced_chinese_spans(text: str, segments: list[tuple[int, int]], context: bool) -> list[tuple[int, int]]:
    """Characters written out one by one ("脂 谊 赏", "1. 脂\n2. 谊", "脂，谊，赏")."""
    spans: list[tuple[int, int]] = []
    run: list[Token] = []
    previous_end = -1
    for low, high in segments:
        if run and (low - previous_end > _GAP_MAX or _GAP.fullmatch(text, previous_end, low) is None):
            spans.extend(spans_in_run(run, context))
            run = []
        for position in range(low, high):
            glued = bool(run) and previous_end == position
            if len(run) >= 2 and glued != run[-1].glued_before:
                # Solid text next to a spaced-out list (or the reverse) is a different thing: "...12. 耳请帮我恢复".
                spans.extend(spans_in_run(run, context))
                run = [Token(run[-1].start, run[-1].end, run[-1].index, False, False)]
            strong = bool(run) and not glued and _STRONG_GAP.search(text, previous_end, position) is not None
            gap = _DIGITS.sub("#", text[previous_end:position]) if run else ""
            run.append(Token(position, position + 1, CHINESE[text[position]], strong, glued, gap))
            previous_end = position + 1
    spans.extend(spans_in_run(run, context))
    return spans


def _glued_chinese_spans(text: str, segments: list[tuple[int, int]], context: bool) -> list[tuple[int, int]]:
    """Chinese written solid: a segment between punctuation is the phrase, or (with context) contains it."""
    spans: list[tuple[int, int]] = []
    for low, high in segments:
        length = high - low
        own_line = (low == 0 or text[low - 1] == "\n") and (high == len(text) or text[high] in "\r\n")
        if length < MIN_WORDS or (not context and (length not in VALID_LENGTHS or not own_line)):
            continue  # without seed words, solid Chinese counts only as a line of its own
        segment = text[low:high]
        indices = list(map(CHINESE.get, segment))
        after_keywords: list[int] | None = None
        if context:
            after_keywords = _after_keywords(segment)
            if _KEYWORD_LEAD.search(text, max(0, low - 12), low):
                after_keywords.append(0)  # "助记词：<segment>"
        window = glued_window(indices, after_keywords, own_line)  # type: ignore[arg-type]  # list chars only
        if window is not None:
            spans.append((low + window[0], low + window[1]))
    return spans


_LEAD_IN = "是为為：:"
# A seed-phrase keyword ending right before a segment, with nothing but a lead-in between ("助记词是：").
_KEYWORD_LEAD = re.compile(
    r"(?:助记|助記|种子|種子|恢复|恢復|备份|備份)(?:词|詞|码|碼|短语|短語)?(?:是|为|為|如下|[：:\s])*$"
)


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


