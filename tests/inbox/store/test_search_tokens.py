"""The search tokenizer: what the index holds and how a query maps onto it (the stores see only these tokens)."""
from __future__ import annotations

from inbox.store.search import fts5_match, tsvector_literal, tsquery_literal
from inbox.store.search_tokens import parse_query, tokenize, too_short


def test_chinese_runs_become_bigrams_and_unigrams_beside_words() -> None:
    t = tokenize("USDT提现失败, order #10500!")
    assert t.body == ["usdt", "提现", "现失", "失败", "order", "10500"]
    assert t.chars == ["提", "现", "失", "败"]


def test_full_width_and_case_fold_like_the_query() -> None:
    assert tokenize("＃１０５００ ＡＢＣ Straße").body == tokenize("#10500 abc STRASSE").body


def test_lone_cjk_character_is_its_own_token_and_kana_hangul_count_as_cjk() -> None:
    assert tokenize("我 ok").body == ["我", "ok"]
    assert tokenize("ログイン").body == ["ログ", "グイ", "イン"]
    assert tokenize("로그인").body == ["로그", "그인"]


def test_query_terms_phrases_and_one_character() -> None:
    parsed = parse_query('提现 "card declined" alice@example.com 冻')
    assert [t.tokens for t in parsed.terms] == [("提现",), ("card", "declined"), ("alice", "example", "com"), ()]
    assert parsed.terms[-1].char == "冻"
    assert fts5_match(parsed) == ('body:"提现" AND body:"card declined" AND body:"alice example com" '
                                  'AND chars:"冻"')
    assert tsquery_literal(parsed) == "('提现') & ('card' <-> 'declined') & ('alice' <-> 'example' <-> 'com') & '冻'"


def test_hostile_query_text_cannot_reach_either_query_language() -> None:
    for q in ['"; DROP TABLE messages; --', "body:x OR chars:*", "NEAR(a b) NOT c", "')|!('a':*", "a\\'b", "\x00x"]:
        parsed = parse_query(q)
        for t in parsed.terms:
            for tok in (*t.tokens, t.char or ""):
                assert not set(tok) & set("\"'\\:*()|&!<>- \x00"), (q, tok)
        assert "'" not in fts5_match(parsed)


def test_tsvector_literal_positions_and_quoting() -> None:
    assert tsvector_literal(tokenize("提现 ok")) == "'提现':1 'ok':2 '提':12 '现':13"


def test_short_queries() -> None:
    assert too_short("") and too_short(" a ") and too_short("#") and too_short('"')
    assert not too_short("提") and not too_short("ab") and not too_short("#12") and too_short("#1")
