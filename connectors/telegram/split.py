"""Splitting long replies into Telegram-sized messages."""
from __future__ import annotations

MAX_MESSAGE = 4096  # Telegram counts UTF-16 code units


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at the last paragraph, else line, else word boundary that
    fits, else hard (never inside a surrogate pair). Concatenating the parts with their separators gives back the
    text; the separators at a cut are dropped."""
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head = _longest_prefix(rest, limit)
        cut, skip = _boundary(head)
        if cut <= 0:
            cut, skip = len(head), 0
        parts.append(rest[:cut].rstrip())
        rest = rest[cut + skip:].lstrip("\n")
    if rest.strip() or not parts:
        parts.append(rest)
    return [p for p in parts if p] or [text]


def _longest_prefix(text: str, limit: int) -> str:
    """The longest prefix (whole code points) of at most `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _boundary(head: str) -> tuple[int, int]:
    """(where to cut, how many separator characters to drop) within `head`, preferring bigger breaks."""
    for separator in ("\n\n", "\n", " "):
        at = head.rfind(separator)
        if at > len(head) // 4:  # don't leave a tiny first part just to honour a boundary
            return at, len(separator)
    return -1, 0
