"""X's weighted tweet length and splitting long replies, checked against the stand-in's independent counter."""
from __future__ import annotations

import pytest

from connectors.twitter.textsplit import DM_LIMIT, TWEET_LIMIT, split_message, weighted_length
from tests.connectors.twitter.xtext import tweet_weight


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        ("提现", 4),  # CJK counts double
        ("é—ü", 3),  # Latin-1 and general punctuation count single
        ("see https://example.com/a/very/long/path/that/is/longer/than/twenty-three", 4 + 23),
        ("😀", 2),  # emoji count double
    ],
)
def test_weighted_length(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


def test_short_text_is_one_part() -> None:
    assert split_message("  Go to Settings > Cards.  ") == ["Go to Settings > Cards."]


def test_english_splits_at_sentence_ends_and_keeps_every_word() -> None:
    sentences = [f"Step {i}: open the app and check the withdrawal history page carefully." for i in range(12)]
    text = " ".join(sentences)
    parts = split_message(text)
    assert len(parts) > 1
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)
    assert all(p.endswith(f" ({i}/{len(parts)})") for i, p in enumerate(parts, 1))
    bodies = [p.rsplit(" (", 1)[0] for p in parts]
    assert all(b.endswith(".") for b in bodies)  # cut after a sentence, not mid-word
    assert " ".join(bodies).split() == text.split()


def test_urls_are_never_cut() -> None:
    url = "https://help.example.com/articles/withdrawals/pending-for-more-than-24-hours?lang=en"
    text = ("word " * 50) + url + (" word" * 50)
    parts = split_message(text)
    assert sum(url in p for p in parts) == 1
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)


def test_chinese_without_spaces_splits_at_punctuation() -> None:
    text = "请不要在公开场合分享您的助记词，我们的客服绝不会索要。" * 12
    parts = split_message(text)
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)
    assert "".join(p.rsplit(" (", 1)[0] for p in parts) == text
    assert all(p.rsplit(" (", 1)[0][-1] in "，。" for p in parts)


def test_unbreakable_text_is_cut_hard() -> None:
    parts = split_message("x" * 700)
    assert [len(p.rsplit(" (", 1)[0]) for p in parts] == [274, 274, 152]
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)


def test_dm_limit_counts_plain_characters() -> None:
    assert split_message("提" * DM_LIMIT, DM_LIMIT, weighted=False) == ["提" * DM_LIMIT]
    assert len(split_message("提" * (DM_LIMIT + 1), DM_LIMIT, weighted=False)) == 2


def test_many_parts_get_room_for_two_digit_markers() -> None:
    parts = split_message("word " * 700)
    assert len(parts) >= 10
    assert all(tweet_weight(p) <= TWEET_LIMIT for p in parts)
    assert parts[-1].endswith(f" ({len(parts)}/{len(parts)})")
