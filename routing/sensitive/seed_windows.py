"""Finding a BIP-39 phrase inside a run of wordlist words: which 12/15/18/21/24-word window to check, the
checksum, and the bars that keep prose out (repeats, capitalisation, prose characters, rarity of solid Chinese).
`routing.sensitive.seed` builds the runs from text.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from mnemonic import Mnemonic

VALID_LENGTHS = (24, 21, 18, 15, 12)
MIN_WORDS = 12
_GLUED_MIN_MEAN_RANK = 600  # random draws from 2048 average ~1024; prose averages a few hundred
_EXPECTED_MIN_MEAN_RANK = 450  # alone on a line or right after "助记词是" a phrase is expected: a lower bar


def _wordlist(language: str) -> list[str]:
    return Mnemonic(language).wordlist


ENGLISH = {word: index for index, word in enumerate(_wordlist("english"))}
# The traditional list is the simplified one character for character (773 differ), so one map serves both.
CHINESE = {
    word: index
    for name in ("chinese_simplified", "chinese_traditional")
    for index, word in enumerate(_wordlist(name))
}
CHINESE_CHARS = "".join(sorted(CHINESE))



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



@dataclass(slots=True)
class Token:
    start: int
    end: int
    index: int | None  # wordlist index; None for a tolerated typo
    strong_before: bool  # strong punctuation between this token and the previous one: a phrase never spans it
    glued_before: bool  # no separator at all before this token (Chinese written solid)
    gap: str = ""  # the separator before this token, digits folded ("\n#. "), to spot where a list starts or ends
    title: bool = False  # capitalised (a sentence starting after a lower-case list)



# The commonest function characters of written Chinese (particles, pronouns, "please/trouble/quickly" of support
# messages). Prose is full of them; a random draw of 12 from 2048 holds more than two with probability ~0.3%.
_PROSE = frozenset("的了吗呢吧么我你他她是在不有这那怎什请帮麻烦哪里可以要会能啊呀就都也还没给和很到说去来下上个们为样时候如何")
_MAX_PROSE_CHARACTERS = 2
_PROSE_INDICES = frozenset(index for char, index in CHINESE.items() if char in _PROSE)


def _prose_characters(window: list[int]) -> int:
    return sum(index in _PROSE_INDICES for index in window)


def glued_window(
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
            after_keyword = after_keywords is not None and low in after_keywords
            if not after_keyword and _prose_characters(window) > _MAX_PROSE_CHARACTERS:
                continue  # seed words elsewhere in the message don't make this stretch of prose a phrase
            expected = own_line or after_keyword
            bar = _EXPECTED_MIN_MEAN_RANK if expected else _GLUED_MIN_MEAN_RANK
            if sum(window) >= bar * length and checksum_ok(window):
                return low, low + length
    return None


def spans_in_run(run: list[Token], context: bool) -> list[tuple[int, int]]:
    if len(run) < MIN_WORDS:
        return []
    strong = [position for position, token in enumerate(run) if token.strong_before and position > 0]
    if strong:
        # A phrase never spans a sentence end or a colon: look at each piece on its own.
        bounds = [0, *strong, len(run)]
        spans: list[tuple[int, int]] = []
        for low, high in itertools.pairwise(bounds):
            piece = run[low:high]
            if piece:
                piece[0] = Token(piece[0].start, piece[0].end, piece[0].index, False, False, "", piece[0].title)
            spans.extend(spans_in_run(piece, context))
        return spans
    typos = [position for position, token in enumerate(run) if token.index is None]
    if len(typos) > 1:
        # At most one typo per phrase: split between typos and look at each piece.
        bounds = [-1, *typos, len(run)]
        spans = []
        for k in range(1, len(bounds) - 1):
            spans.extend(spans_in_run(run[bounds[k - 1] + 1 : bounds[k + 1]], context))
        return sorted(set(spans))
    glued = sum(token.glued_before for token in run) * 4 > len(run)
    if glued:
        # Solid prose next to a spaced-out list: only an exact phrase-length stretch can be one.
        solid = glued_window([token.index for token in run if token.index is not None], None)
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


def _list_edges(run: list[Token]) -> list[int]:
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
    run: list[Token], context: bool, glued: bool, hints: list[int]
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


def _near_valid(run: list[Token], hints: list[int]) -> tuple[int, int] | None:
    """With seed-phrase context, a phrase-shaped window that fails the checksum still counts (better to mask a
    mistyped phrase than keep it): one containing a typo, or one written as a list (line breaks, commas,
    numbering) without repeated words, or an exactly phrase-long stretch bounded on both sides. Space-separated
    prose made of list words runs on past such bounds."""
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
                # Space-separated words pass too when the window is exactly a phrase-length stretch bounded on both
                # sides (a mistyped word that is itself a list word fails only the checksum).
                bounded = low in bounds and low + length in bounds
                if has_typo != wants_typo or (not has_typo and not listed and not bounded):
                    continue
                known = [token.index for token in run[low : low + length] if token.index is not None]
                if len(known) - len(set(known)) <= (1 if has_typo else 0) + (0 if length <= 18 else 1):
                    return low, low + length
    return None
