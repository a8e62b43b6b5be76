"""Payload -> InboundMessage edge cases that the stand-in round trips do not reach."""
from __future__ import annotations

from connectors.twitter.normalize import dm_to_inbound, tweet_to_inbound
from connectors.twitter.wire import DMEventPage, TweetPage, XDMEvent, XTweet, snowflake_time

OURS = "1500000000000000001"


def _tweet(**fields: object) -> XTweet:
    return XTweet.model_validate({"id": "1800000000000000000", "text": "@walletsupport help", "author_id": "42",
                                  **fields})


def test_retweets_and_own_tweets_are_not_customer_messages() -> None:
    retweet = _tweet(referenced_tweets=[{"type": "retweeted", "id": "1"}])
    own = _tweet(author_id=OURS)
    assert tweet_to_inbound(retweet, {}, connector="x", own_user_id=OURS) is None
    assert tweet_to_inbound(own, {}, connector="x", own_user_id=OURS) is None


def test_quote_tweet_is_not_a_reply_hint() -> None:
    quote = _tweet(referenced_tweets=[{"type": "quoted", "id": "7"}], conversation_id="1800000000000000000")
    m = tweet_to_inbound(quote, {}, connector="x", own_user_id=OURS)
    assert m is not None and m.thread_hints == () and m.reply_to_provider_id is None


def test_language_placeholders_are_dropped() -> None:
    for lang, expected in (("zh", "zh"), ("und", None), ("qme", None), ("zxx", None)):
        m = tweet_to_inbound(_tweet(lang=lang), {}, connector="x", own_user_id=OURS)
        assert m is not None and m.language == expected


def test_missing_conversation_id_threads_on_the_tweet_itself() -> None:
    m = tweet_to_inbound(_tweet(), {}, connector="x", own_user_id=OURS)
    assert m is not None and m.thread_key == "tweet:1800000000000000000"
    assert m.sent_at == snowflake_time("1800000000000000000")


def test_reply_made_only_of_mentions_keeps_its_text() -> None:
    m = tweet_to_inbound(_tweet(text="@walletsupport @bank ", referenced_tweets=[{"type": "replied_to", "id": "5"}]),
                         {}, connector="x", own_user_id=OURS)
    assert m is not None and m.text == "@walletsupport @bank "


def test_dm_without_conversation_id_gets_the_one_to_one_key() -> None:
    event = XDMEvent.model_validate({"id": "1800000000000000001", "event_type": "MessageCreate", "text": "hi",
                                     "sender_id": "42"})
    m = dm_to_inbound(event, {}, connector="x", own_user_id=OURS)
    assert m is not None and m.thread_key == f"dm:42-{OURS}"


def test_dm_event_with_only_default_fields_is_skipped_not_an_error() -> None:
    # X's default DM fields are id, event_type, text: without sender_id we cannot tell who wrote it.
    bare = XDMEvent.model_validate({"id": "1", "event_type": "MessageCreate", "text": "hi"})
    assert dm_to_inbound(bare, {}, connector="x", own_user_id=OURS) is None


def test_pages_tolerate_sparse_and_unknown_shapes() -> None:
    empty = DMEventPage.model_validate_json('{"meta": {"result_count": 0, "next_token": "abc"}}')
    assert empty.data == () and empty.meta.next_token == "abc"
    odd = TweetPage.model_validate_json(
        '{"data": [{"id": "9", "text": "hi", "new_thing": 1}], "errors": [{"title": "Not Found Error",'
        ' "resource_id": "5", "value": "5"}], "includes": {"users": [], "places": [{"id": "p"}]}}'
    )
    assert odd.data[0].id == "9" and odd.errors[0].resource_id == "5"
