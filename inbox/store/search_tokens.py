"""The search tokenizer, shared by the index writer and the query parser, on SQLite and PostgreSQL alike.

Why tokenise in Python instead of in the database: neither store ships a tokenizer that finds Chinese. SQLite's
`unicode61` makes a whole run of Han characters one token (提现 inside 我的提现一直显示 is never found), its `trigram`
tokenizer cannot match the 1- and 2-character queries agents type most (提现, 充值, 冻结); PostgreSQL's default
parser does the same as unicode61 and pg_trgm needs 3 characters for an indexed match. A custom C tokenizer cannot be
loaded from Python's sqlite3 on every platform. So we produce the token string here and both stores index it as is
(FTS5 `ascii` tokenizer: it splits only on the ASCII spaces we put between tokens; PostgreSQL: a tsvector literal cast
without any text-search parser), which also gives both stores the same results.

Tokens:
- a run of CJK characters (Han, kana, Hangul) → its overlapping bigrams, in order (a lone character is itself), in the
  `body` stream, so a Chinese phrase is a phrase of bigrams; and every character as a unigram in the `chars` stream,
  so a one-character query uses the index too;
- anything else → words of letters and digits, NFKC-folded (full-width ＃１０５００ is #10500) and case-folded.
Changing this function changes what the index holds: it needs a migration that rebuilds the index.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN = re.compile(rf"([{_CJK_RANGES}]+)|([^\W_{_CJK_RANGES}]+)")
_CJK_CHAR = re.compile(rf"[{_CJK_RANGES}]")
MAX_WORD = 64  # longer "words" (base64 blobs, hashes) are cut: the index stays bounded, a prefix still finds them
MAX_INDEXED_CHARS = 20_000  # a message's first 20k characters are searchable (PostgreSQL caps a tsvector at 1 MB)


@dataclass(frozen=True, slots=True)
class Tokens:
    body: list[str]  # words and CJK bigrams, in text order (phrases match consecutive tokens)
    chars: list[str]  # distinct CJK characters


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def tokenize(text: str) -> Tokens:
    body: list[str] = []
    chars: dict[str, None] = {}
    for cjk, word in _TOKEN.findall(_fold(text[:MAX_INDEXED_CHARS])):
        if word:
            body.append(word[:MAX_WORD])
        elif len(cjk) == 1:
            body.append(cjk)
            chars[cjk] = None
        else:
            body.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
            chars.update(dict.fromkeys(cjk))
    return Tokens(body, list(chars))


def index_text(text: str, subject: str | None = None) -> Tokens:
    """What one message contributes to the index: its (masked) subject and text."""
    return tokenize(f"{subject}\n{text}" if subject else text)


@dataclass(frozen=True, slots=True)
class Term:
    """One thing the agent asked for: a phrase of body tokens, or one CJK character (looked up in `chars`)."""

    tokens: tuple[str, ...]
    char: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: tuple[Term, ...]  # all must match
    highlights: tuple[str, ...]  # the raw pieces to mark in a snippet

    @property
    def empty(self) -> bool:
        return not self.terms


_QUOTED = re.compile(r'"([^"]*)"|(\S+)')
MAX_TERMS = 16  # a pasted paragraph is not a search: its first 16 terms are


def parse_query(q: str) -> ParsedQuery:
    """`words "a phrase" 提现 #10500` → terms that must all match. Each space-separated piece is a phrase of its own
    tokens (alice@example.com is the phrase alice·example·com; 提现失败 is 提现·现失·失败)."""
    terms: list[Term] = []
    highlights: list[str] = []
    for quoted, bare in _QUOTED.findall(q):
        piece = (quoted or bare).strip()
        if not piece:
            continue
        tokens = tokenize(piece)
        if not tokens.body:
            continue
        highlights.append(piece.lstrip("#@"))
        if len(tokens.body) == 1 and len(tokens.body[0]) == 1 and _CJK_CHAR.fullmatch(tokens.body[0]):
            terms.append(Term((), char=tokens.body[0]))
        else:
            terms.append(Term(tuple(tokens.body)))
        if len(terms) == MAX_TERMS:
            break
    return ParsedQuery(tuple(terms), tuple(highlights))


def too_short(q: str) -> bool:
    """An empty or one-character query is not searched (it would match nearly everything); one CJK character is a
    word, and has its own index."""
    text = _fold(q).strip().strip('"#@')
    return len(text) < 2 and not (len(text) == 1 and _CJK_CHAR.fullmatch(text))
