"""Text -> character n-grams, shared by training and by the fast inference path so both see the same features."""
from __future__ import annotations

import re
import unicodedata

NGRAM_MIN = 1
NGRAM_MAX = 4

_DIGITS = re.compile(r"\d+")
_HEX_BLOB = re.compile(r"\b(?:0x)?[0-9a-f]{16,}\b")  # tx hashes / addresses: long, unique, never informative
_NON_WORD = re.compile(r"[^\w\u3400-\u9fff?]+")
_QUESTION = re.compile(r"\?+")  # after NFKC "？" is "?": a question mark stays, as a word of its own
# Between a Han character and a Latin letter or digit: "我的usdt提现" reads as "我的 usdt 提现".
_SCRIPT_CHANGE = re.compile(r"(?<=[\u3400-\u9fff])(?=[a-z0-9])|(?<=[a-z0-9])(?=[\u3400-\u9fff])")


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits -> ASCII), case-folded, numbers and hashes collapsed, punctuation -> space
    except "?", which is kept as a word: a question about a problem reads differently from a statement of one."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _QUESTION.sub(" ? ", text)
    text = _HEX_BLOB.sub(" ", text)
    text = _DIGITS.sub("0", text)
    text = _SCRIPT_CHANGE.sub(" ", text)
    return _NON_WORD.sub(" ", text).strip()


def text_features(text: str) -> list[str]:
    """Character n-grams plus whole words and word pairs ("w:how", "b:how do"): English cues that span words; plus
    the context features (negation, opening word, lexicon hits: see routing.classifier.context)."""
    from routing.classifier.context import context_features
    from routing.classifier.lexicon import default_lexicon

    normalized = normalize(text)
    words = normalized.split()
    grams = _char_ngrams_of_words(words)
    grams.extend(f"w:{word}" for word in words)
    grams.extend(f"b:{first} {second}" for first, second in zip(words, words[1:]))
    grams.extend(context_features(words, [hit.type for hit in default_lexicon().hits(normalized)]))
    return grams


def char_ngrams(text: str) -> list[str]:
    """Character n-grams within space-padded words (sklearn's char_wb scheme) of the normalized text.

    Chinese has no spaces, so a Chinese clause is one long "word" and its n-grams act like word n-grams.
    """
    return _char_ngrams_of_words(normalize(text).split())


def char_ngrams_of_word(word: str) -> list[str]:
    return _char_ngrams_of_words([word])


def _char_ngrams_of_words(words: list[str]) -> list[str]:
    grams: list[str] = []
    extend = grams.extend
    for word in words:
        padded = f" {word} "
        length = len(padded)
        for n in range(NGRAM_MIN, min(NGRAM_MAX, length) + 1):
            extend([padded[start:start + n] for start in range(length - n + 1)])
    return grams
