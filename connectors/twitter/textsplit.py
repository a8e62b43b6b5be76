"""Tweet length as X counts it, and splitting a long reply into a numbered chain of tweets.

X weighs characters (twitter-text v3): most Latin, Cyrillic, Greek etc. count 1; CJK, emoji and everything
else count 2; every URL counts 23 whatever its length. A Chinese reply therefore fits only 140 characters.
"""
from __future__ import annotations

import re

TWEET_LIMIT = 280
DM_LIMIT = 10_000
URL_WEIGHT = 23
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Where a part may end, best first: paragraph, sentence end (Latin and CJK), clause, word gap.
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"[.!?。！？]\s*|\n"), re.compile(r"[,;:，；：、]\s*"), re.compile(r"\s+"))


def char_weight(ch: str) -> int:
    code = ord(ch)
    return 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2


def weighted_length(text: str) -> int:
    total, pos = 0, 0
    for url in _URL.finditer(text):
        total += sum(char_weight(c) for c in text[pos:url.start()]) + URL_WEIGHT
        pos = url.end()
    return total + sum(char_weight(c) for c in text[pos:])


def _fits(text: str, limit: int, weighted: bool) -> bool:
    return (weighted_length(text) if weighted else len(text)) <= limit


def _longest_prefix(text: str, limit: int, weighted: bool) -> int:
    """Index just past the longest prefix within `limit`, never cutting a URL (a lone URL is kept whole)."""
    if not weighted:
        return min(len(text), limit)
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    used, i = 0, 0
    while i < len(text):
        url_end = next((end for start, end in urls if start == i), None)
        step, weight = (url_end - i, URL_WEIGHT) if url_end else (1, char_weight(text[i]))
        if used + weight > limit:
            break
        used += weight
        i += step
    return max(i, 1)


def _cut(text: str, limit: int, weighted: bool) -> tuple[str, str]:
    hard = _longest_prefix(text, limit, weighted)
    if hard >= len(text):
        return text, ""
    window = text[:hard]
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    for pattern in _BREAKS:
        ends = [
            m.end() for m in pattern.finditer(window)
            if m.end() > hard // 3 and not any(start < m.end() < end for start, end in urls)
        ]
        if ends:
            end = ends[-1]
            return text[:end].rstrip(), text[end:].lstrip()
    return text[:hard], text[hard:]


def split_message(text: str, limit: int = TWEET_LIMIT, *, weighted: bool = True) -> list[str]:
    """Parts that each fit `limit`; when more than one, each ends with " (i/n)" so the chain reads in order."""
    text = text.strip()
    if _fits(text, limit, weighted):
        return [text]
    count = 2
    while True:
        marker_room = len(f" ({count}/{count})")
        parts: list[str] = []
        rest = text
        while rest:
            part, rest = _cut(rest, limit - marker_room, weighted)
            parts.append(part)
        if len(parts) <= count:
            return [f"{part} ({i}/{len(parts)})" for i, part in enumerate(parts, 1)]
        count = len(parts)  # more parts than the marker assumed: redo with room for a longer marker
