"""Tell Chinese from English in a customer's message.

Customers mix scripts ("我的USDT提现没到账"), so this counts Han characters against Latin letters instead of asking
for a majority of characters: one Han character carries about as much as a short English word.
"""
from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# A Chinese word is about 1.7 Han characters, so a Han character weighs a bit over half a Latin word.
_HAN_WEIGHT = 0.6


def detect_language(text: str) -> str:
    """"zh" when the text is mainly Chinese (including mixed text with product words in English), else "en"."""
    han = len(_HAN.findall(text))
    if han == 0:
        return "en"
    latin_words = len(_LATIN_WORD.findall(text))
    return "zh" if han * _HAN_WEIGHT >= latin_words else "en"
