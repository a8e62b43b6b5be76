"""A recovery phrase recognised by its layout: a numbered list of 12 or more BIP-39 words.

OCR misreads a character or two of a phrase the eye reads fine (Chinese single characters above all), so the
checksum that keeps message text free of false alarms cannot hold on OCR output. A backup sheet or screen is still
unmistakable: words 1, 2, 3 … each a wordlist word. Ordinary pictures (receipts, transfers, Chinese prose) do not
put a wordlist word after a dozen small numbers."""
from __future__ import annotations

import re
from collections.abc import Sequence

from routing.images.ocr import Word
from routing.sensitive.context import SEED_KEYWORDS
from routing.sensitive.seed_windows import CHINESE, ENGLISH

_NUMBER = re.compile(r"^[#(]?(\d{1,2})[.):、,，]?(.*)$")
MIN_ENTRIES = 10  # numbered entries seen (OCR drops a number here and there)
MIN_LISTED = 0.8  # share of them that are wordlist words
MIN_ENTRIES_WITH_CONTEXT = 8  # "recovery phrase" / "助记词" on the picture: a lower bar
MIN_LISTED_WITH_CONTEXT = 0.7


def _listed(token: str) -> bool:
    return token.lower() in ENGLISH or token in CHINESE


def numbered_entries(words: Sequence[Word]) -> list[tuple[Word, Word | None]]:
    """(word, its number's token when separate) for each token that follows a number 1-24 on its line."""
    out: list[tuple[Word, Word | None]] = []
    for i, word in enumerate(words):
        match = _NUMBER.match(word.text)
        if not match or not 1 <= int(match.group(1)) <= 24:
            continue
        glued = match.group(2).strip(".,;:_-")
        if glued:
            if glued.isalpha():
                out.append((Word(glued, word.box, word.line), None))
        elif i + 1 < len(words) and words[i + 1].line == word.line and not _NUMBER.match(words[i + 1].text):
            out.append((words[i + 1], word))
    return out


def has_context(text: str) -> bool:
    squeezed = text.lower().replace(" ", "")
    return any(keyword.replace(" ", "") in squeezed for keyword in SEED_KEYWORDS)


def longest_listed_run(words: Sequence[Word]) -> list[Word]:
    """The longest stretch of consecutive tokens (reading order) that are wordlist words, one word per token."""
    best: list[Word] = []
    run: list[Word] = []
    for word in words:
        if _listed(word.text) or _NUMBER.fullmatch(word.text) and not _NUMBER.match(word.text).group(2):
            run.append(word)
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    return [w for w in best if _listed(w.text)]


def _area(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    return [*boxes, (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                     max(b[3] for b in boxes))]


def phrase_boxes(words: Sequence[Word], text: str) -> list[tuple[int, int, int, int]] | None:
    """The boxes to black out when the words show a recovery phrase by layout, else None: a numbered list of
    wordlist words, or (with "recovery phrase" / "助记词" on the picture) 12 wordlist words in a row."""
    entries = numbered_entries(words)
    context = has_context(text)
    if context:
        run = longest_listed_run(words)
        if len(run) >= 12:
            return _area([w.box for w in run])
    least, share = (MIN_ENTRIES_WITH_CONTEXT, MIN_LISTED_WITH_CONTEXT) if context else (MIN_ENTRIES, MIN_LISTED)
    if len(entries) < least:
        return None
    listed = sum(_listed(word.text) for word, _ in entries)
    if listed < least or listed < share * len(entries):
        return None
    # Words OCR missed between the listed ones are blacked out too: the whole list's area.
    return _area([word.box for word, _ in entries] + [number.box for _, number in entries if number is not None])
