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
from itertools import repeat

from routing.sensitive.context import SEED_KEYWORDS, has_any
from routing.sensitive.seed_windows import (
    CHINESE,
    CHINESE_CHARS,
    ENGLISH,
    LANGUAGE_MASKS,
    LEXICONS,
    WORD_LANGUAGES,
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
    if len(text) < MIN_WORDS:
        return []
    lower = text.lower() if lower is None else lower
    if ("<" in text or "&" in text) and _MARKUP.search(text):
        # HTML pasted or forwarded ("<li>word</li>", "word&nbsp;word"): markup is a separator. Blanked with
        # spaces of the same length, so offsets stay those of `text`.
        text = _MARKUP.sub(_blank, text)
        lower = _MARKUP.sub(_blank, lower)
    spans: list[tuple[int, int]] = []
    context = _LazyContext(lower)
    if _enough_separators(text):
        if text.isascii():
            words = _ENGLISH_TOKEN.findall(lower) if _ENGLISH_LETTERS.search(text) else []
        else:
            words = _WORD_TOKEN.findall(lower)
        for language in _languages_to_try(words, context):
            spans.extend(_word_spans(text, context(), language, weak=_has_weak_context(lower)))
    if not text.isascii():
        spans.extend(_chinese_spans(text, context))
    return spans


_MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,10}(?:\s[^<>]{0,200})?/?>|&(?:nbsp|#160|#xa0|ensp|emsp);", re.IGNORECASE)
# One script per token: Latin (accents, also decomposed), kana (Japanese list), Hangul (Korean list, also as
# decomposed jamo). Chinese characters around a word are not part of it ("助记词是abandon …").
_WORD_TOKEN = re.compile(
    "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\u0300-\u036f]+|[\u3040-\u30ff]+"
    "|[\u1100-\u11ff\uac00-\ud7a3]+"
)
# Words that make a pasted list more likely a phrase without saying "seed": they lift the bar against
# repeated words ("test test … junk", the BIP-39 vector "letter advice cage … above"), never the checksum.
_WEAK_SEED_WORDS = (
    "words", "phrase", "wallet", "metamask", "restore", "import", "recover", "backup", "back up", "hardhat",
    "ganache", "foundry", "anvil", "trust", "ledger", "trezor", "phantom", "钱包", "錢包", "导入", "導入", "恢复",
    "恢復", "备份", "備份", "单词", "單詞",
)  # fmt: skip


def _enough_separators(text: str) -> bool:
    """Twelve written-out words need at least eleven separators; str.count is far cheaper than any regex, and
    most texts are decided by the first count or two."""
    needed = MIN_WORDS - 1
    for separator in (" ", "\n", ",", "-", "、", "，", ";"):
        needed -= text.count(separator)
        if needed <= 0:
            return True
    return False


def _has_weak_context(lower: str) -> bool:
    return has_any(lower, _WEAK_SEED_WORDS) or has_any(lower, SEED_KEYWORDS)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _languages_to_try(words: list[str], context: _LazyContext) -> list[str]:
    """Cheap pre-check: the wordlists with a run of twelve of their words (English: or eleven and one stranger,
    a typo, when the message speaks of seeds). One dictionary lookup per word gives every list it belongs to."""
    if len(words) < MIN_WORDS:
        return []
    masks = list(map(LANGUAGE_MASKS.get, words, repeat(0)))
    # Most texts have no run of twelve words from any list at all (eleven and a stranger for an English typo):
    # one pass over the masks decides that before any per-list pass.
    listed = tolerant = longest = 0
    for mask in masks:
        if mask:
            listed += 1
            tolerant += 1
            if tolerant > longest:  # noqa: PLR1730
                longest = tolerant
        else:
            tolerant = listed + 1
            listed = 0
    if longest < MIN_WORDS:
        return []
    union = 0
    for mask in masks:
        union |= mask
    languages = []
    for bit, language in enumerate(WORD_LANGUAGES):
        flag = 1 << bit
        if not union & flag:
            continue
        listed = tolerant = best_listed = best_tolerant = 0
        for mask in masks:
            if mask & flag:
                listed += 1
                tolerant += 1
                # Plain comparisons: max() costs a call per word and this loop runs on every longer text.
                if tolerant > best_tolerant:  # noqa: PLR1730
                    best_tolerant = tolerant
                if listed > best_listed:  # noqa: PLR1730
                    best_listed = listed
            else:
                tolerant = listed + 1
                listed = 0
        if best_listed >= MIN_WORDS or (language == "english" and best_tolerant >= MIN_WORDS and context()):
            languages.append(language)
    return languages


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
    if end - start > _GAP_MAX and len(text[start:end].replace(" ", "")) > _GAP_MAX:
        return False, False  # long gaps pass only as blanked markup or padding
    if _GAP.fullmatch(text, start, end) is None:
        return False, False
    return True, _STRONG_GAP.search(text, start, end) is not None


def _word_spans(text: str, context: bool, language: str, weak: bool = False) -> list[tuple[int, int]]:
    """Runs of one wordlist's words joined by list-like separators, and the phrases inside them."""
    lexicon = LEXICONS[language]
    english = language == "english"
    spans: list[tuple[int, int]] = []
    run: list[Token] = []
    previous_end = -1
    for match in (_ENGLISH_TOKEN if text.isascii() else _WORD_TOKEN).finditer(text):
        raw = match.group()
        word = raw.lower()
        embedded = _embedded(text, match.start(), match.end())
        index = None if embedded else lexicon.get(word)
        if index is None and not (english and context and not embedded and _is_english_typo(word)):
            spans.extend(spans_in_run(run, context, weak))
            run = []
            continue
        strong = False
        gap = ""
        if run:
            gap = text[previous_end : match.start()]
            if gap != " ":  # the usual single space needs no look (most runs are space-separated)
                acceptable, strong = _gap_kind(text, previous_end, match.start())
                if not acceptable:
                    spans.extend(spans_in_run(run, context, weak))
                    run = []
                gap = _SPACES.sub(" ", _DIGITS.sub("#", gap)) if run else ""
        run.append(Token(match.start(), match.end(), index, strong, False, gap, raw != word))
        previous_end = match.end()
    spans.extend(spans_in_run(run, context, weak))
    return spans


_SPACES = re.compile(r" {2,}")


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
        keywords: list[tuple[int, int]] = []
        if context:
            keywords = _keywords_in(segment)
            after_keywords = [end for _, end in keywords]
            if _KEYWORD_LEAD.search(text, max(0, low - 12), low):
                after_keywords.append(0)  # "助记词：<segment>"
        # With seed words in the message the phrase may start anywhere in the segment ("我的助记词<phrase>钱包被盗了"):
        # windows away from a keyword pass the stricter bars (rarity, prose characters, no doubled characters).
        window = glued_window(
            indices, after_keywords, own_line, anywhere=context, blocked=keywords, segment=segment
        )  # type: ignore[arg-type]
        if window is not None:
            spans.append((low + window[0], low + window[1]))
    return spans


_LEAD_IN = "是为為：:"
# A seed-phrase keyword ending right before a segment, with nothing but a lead-in between ("助记词是：").
_KEYWORD_LEAD = re.compile(
    r"(?:助记|助記|种子|種子|恢复|恢復|备份|備份)(?:词|詞|码|碼|短语|短語)?(?:是|为|為|如下|[：:\s])*$"
)


# A seed-phrase keyword inside a solid segment, with what customers put after it ("助记词是", "种子短语如下",
# "助記詞："): a phrase written straight after it starts where this ends.
_KEYWORD_IN_SEGMENT = re.compile(
    r"(?:助记|助記|种子|種子|恢复|恢復|备份|備份|私钥|私鑰)(?:词|詞|码|碼|短语|短語|句|密语|密語)?(?:是|为|為|如下|是这个|是這個)*"
)


def _keywords_in(segment: str) -> list[tuple[int, int]]:
    """Spans of seed-phrase keywords (with a following 是/为/如下) inside a solid Chinese segment."""
    return [match.span() for match in _KEYWORD_IN_SEGMENT.finditer(segment)]
