"""The stand-in's own tweet-length check (twitter-text v3 weights), written apart from the connector's so a
wrong count in the connector shows up as a 400 from the peer instead of agreeing with itself."""
from __future__ import annotations

import re

_URL = re.compile(r"https?://[^\s]+")


def tweet_weight(text: str) -> int:
    text = _URL.sub("x" * 23, text)  # every link is shortened to a 23-character t.co URL
    weight = 0
    for ch in text:
        c = ord(ch)
        light = c <= 0x10FF or 0x2000 <= c <= 0x200D or 0x2010 <= c <= 0x201F or 0x2032 <= c <= 0x2037
        weight += 1 if light else 2
    return weight
