"""Confusable skeletons (UTS #39 section 4): two strings that look alike have the same skeleton.

The character table comes from `confusable_homoglyphs`, which ships Unicode's confusables.txt as a per-character
list of homoglyphs. That package has no skeleton function (it answers "is this string confusable", not "what does
it read as"), so the few lines that turn its table into one are here: each character maps to the ASCII letter or
digit it can be mistaken for; the handful of ASCII-to-ASCII rules of confusables.txt that matter for handles
("0" for "o", "1"/"I"/"|" for "l", "rn" for "m") are spelled out below because the package lists them in both
directions and a table lookup cannot tell which side is the prototype.
"""
from __future__ import annotations

import functools
import unicodedata

from confusable_homoglyphs.confusables import confusables_data

# confusables.txt prototypes among ASCII: DIGIT ZERO -> O, DIGIT ONE / CAPITAL I / VERTICAL LINE -> l, m -> rn.
_ASCII_RULES = {"0": "o", "1": "l", "I": "l", "|": "l", "!": "l"}


@functools.lru_cache(maxsize=4096)
def _prototype(ch: str) -> str:
    for glyph in confusables_data.get(ch, ()):
        target = glyph["c"]
        if len(target) == 1 and target.isascii() and target.isalnum():
            return _ASCII_RULES.get(target, target.lower())
    return ch.lower()


@functools.lru_cache(maxsize=65536)  # handles, names and registry entries repeat: each is read once
def skeleton(text: str) -> str:
    """What `text` reads as: lower-case ASCII where a look-alike exists, separators and invisible marks dropped."""
    folded = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for ch in folded:
        if ch in _ASCII_RULES:
            out.append(_ASCII_RULES[ch])
        elif ch.isascii():
            if ch.isalnum():
                out.append(ch.lower())
        elif unicodedata.category(ch)[0] in "LN":  # letters and digits of any script; marks, spaces, Cf dropped
            out.append(_prototype(ch))
    return "".join(out).replace("m", "rn")
