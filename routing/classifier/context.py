"""Features that depend on where a word stands, not only on the word: negation scope, the opening word, lexicon hits.

Character and word n-grams can't tell "a payment I don't recognise" (security) from "a payment that failed"
(payment), nor "How much can I top up?" (limits) from "my top up is missing" (deposit). These features give the
linear model the context to learn it from the examples:

- `n:<word>`: an English word within `NEGATION_SCOPE` words after a negation ("didn't make", "never authorised");
  `x:neg` when a negation is present in either language (Chinese negations sit inside the character n-grams);
  `x:disowned` when it disowns something ("didn't make", "never authorised", "不是我", "没授权").
- `s:<word>`: the message's opening word ("how", "why", "where"); for Chinese, its first two characters ("怎么").
- `?` is a word of its own (see features.normalize), so "arrived ?" and "how much ... ?" are features.
- `lex:<type>`: a lexicon phrase of that type is present (at most two count); the model learns how far to trust it.
"""
from __future__ import annotations

from typing import Sequence

NEGATION_SCOPE = 3
# After normalize: "don't" -> "don t", so a lone "t" after do/did/was... is a negation too.
ENGLISH_NEGATIONS = frozenset({
    "not", "no", "never", "t", "dont", "didnt", "doesnt", "isnt", "wasnt", "werent", "havent", "hasnt", "hadnt",
    "cant", "cannot", "wont", "nobody", "nothing", "without", "neither", "nor", "unknown", "unrecognised",
    "unrecognized", "unauthorised", "unauthorized",
})
CHINESE_NEGATIONS = ("不是", "没有", "没", "未", "非本人", "不认识", "并非")
# "Not mine": a negation followed by a word of doing or knowing ("didn't make", "never authorised", "don't
# recognise") disowns a transaction, which is security whatever the money movement is called (`x:disowned`).
DISOWNING_WORDS = frozenset({
    "make", "made", "do", "did", "done", "authorise", "authorised", "authorize", "authorized", "recognise",
    "recognised", "recognize", "recognized", "request", "requested", "buy", "bought", "order", "ordered",
    "initiate", "initiated", "approve", "approved", "mine",
})  # not "know" ("I don't know why my deposit…") nor "me" ("it doesn't let me withdraw")
CHINESE_DISOWNING = ("不是我", "不是本人", "非本人", "没授权", "未授权", "没有授权", "不认识", "没操作", "没有操作",
                     "没做过", "不是我做", "没买过", "没有买", "没付过")
LEXICON_HITS_COUNTED = 2


def context_features(words: Sequence[str], lexicon_types: Sequence[str] = ()) -> list[str]:
    grams: list[str] = []
    if not words:
        return grams
    first = words[0]
    grams.append(f"s:{first if first.isascii() else first[:2]}")
    negated = disowned = False
    scope = 0
    for word in words:
        if word.isascii():
            if word in ENGLISH_NEGATIONS:
                negated = True
                scope = NEGATION_SCOPE
                continue
            if scope:
                grams.append(f"n:{word}")
                disowned = disowned or word in DISOWNING_WORDS
                scope -= 1
        elif any(negation in word for negation in CHINESE_NEGATIONS):
            negated = True
            disowned = disowned or any(phrase in word for phrase in CHINESE_DISOWNING)
    if negated:
        grams.append("x:neg")
    if disowned:
        grams.append("x:disowned")
    counted: dict[str, int] = {}
    for issue_type in lexicon_types:
        if counted.get(issue_type, 0) < LEXICON_HITS_COUNTED:
            counted[issue_type] = counted.get(issue_type, 0) + 1
            grams.append(f"lex:{issue_type}")
    return grams
