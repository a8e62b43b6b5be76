"""Replies out through the matching X call: tweet replies (chained when long), DMs, and the errors they sort into."""
from __future__ import annotations

import time

import pytest

from connectors.base import (
    AuthError,
    NotSupported,
    PermanentError,
    PrivateChannelRefused,
    RecipientUnreachable,
    TransientError,
)
from connectors.twitter import TwitterConnector
from inbox.domain import Channel, ContactIdentity, IdentityKind, MessageRef, OutboundMessage, Visibility
from tests.connectors.memory_host import MemoryHost
from tests.connectors.twitter.conftest import CUSTOMER_ID, make_config
from tests.connectors.twitter.standin import OUR_ID, XStandin
from tests.connectors.twitter.xtext import tweet_weight

CUSTOMER = ContactIdentity(IdentityKind.TWITTER, CUSTOMER_ID, "Alice", "@alice_wallet")


def outbound(text: str, *, thread_key: str, visibility: Visibility, in_reply_to: str | None = None,
             key: str = "idem-1", recipient: ContactIdentity = CUSTOMER) -> OutboundMessage:
    return OutboundMessage(
        idempotency_key=key, connector="x-support", channel=Channel.TWITTER, thread_key=thread_key,
        visibility=visibility, recipient=recipient, text=text, ticket="#10001", in_reply_to=in_reply_to,
    )


async def test_public_reply_answers_the_latest_tweet(standin: XStandin, connector: TwitterConnector) -> None:
    root = standin.add_mention("deposit missing", CUSTOMER_ID)
    await connector.start()
    result = await connector.send(outbound(
        "We are checking, ticket #10001", thread_key=f"tweet:{root['id']}", visibility=Visibility.PUBLIC,
        in_reply_to=f"tweet:{root['id']}",
    ))
    [sent] = standin.sent_tweets
    assert sent == {"id": result.provider_id.removeprefix("tweet:"), "text": "We are checking, ticket #10001",
                    "in_reply_to": root["id"]}
    assert result.extra_provider_ids == () and result.sent_at.tzinfo is not None
    assert standin.calls_to("/2/tweets")[-1].auth == "oauth1"


async def test_long_chinese_reply_becomes_a_reply_chain(standin: XStandin, connector: TwitterConnector) -> None:
    root = standin.add_mention("提现失败", CUSTOMER_ID)
    text = "您好，我们已经收到您的提现问题。" * 20  # 320 CJK characters: weighs 640, needs three tweets
    await connector.start()
    result = await connector.send(outbound(
        text, thread_key=f"tweet:{root['id']}", visibility=Visibility.PUBLIC, in_reply_to=f"tweet:{root['id']}",
    ))
    sent = standin.sent_tweets
    assert len(sent) == 3 and len(result.extra_provider_ids) == 2
    assert [s["in_reply_to"] for s in sent] == [root["id"], sent[0]["id"], sent[1]["id"]]  # each answers the last
    assert all(tweet_weight(s["text"]) <= 280 for s in sent)  # the stand-in's own count agrees
    assert [s["text"][-6:] for s in sent] == [" (1/3)", " (2/3)", " (3/3)"]
    joined = "".join(s["text"].rsplit(" (", 1)[0] for s in sent)
    assert joined == text
    assert result.provider_id == f"tweet:{sent[0]['id']}"
    assert result.extra_provider_ids == (f"tweet:{sent[1]['id']}", f"tweet:{sent[2]['id']}")


async def test_failed_chain_part_is_resumed_not_reposted(standin: XStandin, connector: TwitterConnector) -> None:
    root = standin.add_mention("help", CUSTOMER_ID)
    message = outbound("word " * 100, thread_key=f"tweet:{root['id']}", visibility=Visibility.PUBLIC,
                       in_reply_to=f"tweet:{root['id']}")
    standin.force("create_tweet", 503, after=1)  # first part goes out, the second fails
    await connector.start()
    with pytest.raises(TransientError):
        await connector.send(message)
    assert len(standin.sent_tweets) == 1
    result = await connector.send(message)  # the dispatcher retries with the same idempotency key
    assert len(standin.sent_tweets) == 2
    assert standin.sent_tweets[1]["in_reply_to"] == standin.sent_tweets[0]["id"]
    assert result.provider_id == f"tweet:{standin.sent_tweets[0]['id']}"


async def test_private_reply_in_dm_conversation(standin: XStandin, connector: TwitterConnector) -> None:
    event = standin.add_dm("help", CUSTOMER_ID)
    await connector.start()
    result = await connector.send(outbound(
        "Please send your UID", thread_key=f"dm:{event['dm_conversation_id']}", visibility=Visibility.PRIVATE,
    ))
    [dm] = standin.sent_dms
    assert dm["dm_conversation_id"] == event["dm_conversation_id"] and dm["text"] == "Please send your UID"
    assert result.provider_id == f"dm:{dm['id']}" and result.thread_keys == ()
    assert standin.calls_to(f"/2/dm_conversations/{event['dm_conversation_id']}/messages")


async def test_private_reply_on_public_conversation_dms_the_customer(
    standin: XStandin, connector: TwitterConnector
) -> None:
    root = standin.add_mention("my seed phrase is ...", CUSTOMER_ID)
    await connector.start()
    result = await connector.send(outbound(
        "Please never share it; we moved this to DM", thread_key=f"tweet:{root['id']}",
        visibility=Visibility.PRIVATE, in_reply_to=f"tweet:{root['id']}",
    ))
    assert standin.calls_to(f"/2/dm_conversations/with/{CUSTOMER_ID}/messages")
    assert standin.sent_tweets == []  # nothing public
    assert result.provider_id == f"dm:{standin.sent_dms[0]['id']}"
    # The DM thread this opened is named, so the customer's answer there joins the same ticket.
    assert result.thread_keys == (f"dm:{standin.sent_dms[0]['dm_conversation_id']}",)


async def test_closed_dms_are_private_channel_refused(standin: XStandin, connector: TwitterConnector) -> None:
    standin.dms_closed.add(CUSTOMER_ID)
    await connector.start()
    with pytest.raises(PrivateChannelRefused, match="not permitted to send Direct Messages"):
        await connector.send(outbound("hi", thread_key="tweet:1", visibility=Visibility.PRIVATE))


async def test_unknown_user_is_unreachable(standin: XStandin, connector: TwitterConnector) -> None:
    await connector.start()
    gone = ContactIdentity(IdentityKind.TWITTER, "4242")
    with pytest.raises(RecipientUnreachable):
        await connector.send(outbound("hi", thread_key="tweet:1", visibility=Visibility.PRIVATE, recipient=gone))


async def test_non_x_recipient_is_a_clear_permanent_error(connector: TwitterConnector) -> None:
    await connector.start()
    email = ContactIdentity(IdentityKind.EMAIL, "a@example.com")
    with pytest.raises(PermanentError, match="X user id"):
        await connector.send(outbound("hi", thread_key="tweet:1", visibility=Visibility.PRIVATE, recipient=email))


async def test_send_errors_are_sorted(standin: XStandin, connector: TwitterConnector) -> None:
    root = standin.add_mention("hi", CUSTOMER_ID)
    reply = outbound("ok", thread_key=f"tweet:{root['id']}", visibility=Visibility.PUBLIC,
                     in_reply_to=f"tweet:{root['id']}")
    await connector.start()
    standin.force("create_tweet", 429, reset_in=30)
    with pytest.raises(TransientError) as rate_limited:
        await connector.send(reply)
    assert rate_limited.value.retry_after is not None and 25 <= rate_limited.value.retry_after <= 32
    standin.force("create_tweet", 401)
    with pytest.raises(AuthError):
        await connector.send(reply)
    deleted = outbound("ok", thread_key="tweet:1", visibility=Visibility.PUBLIC, in_reply_to="tweet:1", key="k2")
    with pytest.raises(PermanentError, match="deleted or not visible") as refused:
        await connector.send(deleted)
    assert not isinstance(refused.value, PrivateChannelRefused)
    assert not isinstance(refused.value, TransientError)


async def test_public_reply_without_a_tweet_to_answer_is_refused(connector: TwitterConnector) -> None:
    await connector.start()
    with pytest.raises(PermanentError, match="needs a tweet"):
        await connector.send(outbound("hi", thread_key="dm:1-2", visibility=Visibility.PUBLIC))


async def test_private_link_carries_token_url_encoded(connector: TwitterConnector) -> None:
    assert connector.private_link("abc") is None  # our id is not known before start
    await connector.start()
    assert connector.private_link("t0k en&x=1") == (
        f"https://twitter.com/messages/compose?recipient_id={OUR_ID}&text=ref%3At0k+en%26x%3D1"
    )


def test_a_dm_carrying_a_link_reference_names_its_token() -> None:
    from connectors.twitter.normalize import link_token_in

    assert link_token_in("ref:Ab3_dE-f9Kq2") == "Ab3_dE-f9Kq2"
    assert link_token_in("hello\nref:Ab3_dE-f9Kq2 thanks") == "Ab3_dE-f9Kq2"
    assert link_token_in("my preference:abcdefghij") is None
    assert link_token_in("ref:short") is None


async def test_hide_reply_under_our_tweet(standin: XStandin, connector: TwitterConnector) -> None:
    root = standin.add_mention("hi", CUSTOMER_ID)
    await connector.start()
    ours = await connector.send(outbound("Hello!", thread_key=f"tweet:{root['id']}", visibility=Visibility.PUBLIC,
                                         in_reply_to=f"tweet:{root['id']}"))
    # A customer replies under our answer with something secret; the conversation root is the customer's tweet,
    # so X only lets us hide replies in conversations we own: use our own tweet as a new root.
    own_root = ours.provider_id.removeprefix("tweet:")
    standin.tweets[own_root]["conversation_id"] = own_root
    leak = standin.add_mention("my password is hunter2", CUSTOMER_ID, in_reply_to=own_root)
    await connector.hide_public(MessageRef("x-support", f"tweet:{leak['id']}", f"tweet:{own_root}"))
    assert leak["id"] in standin.hidden
    assert standin.calls_to(f"/2/tweets/{leak['id']}/hidden")[-1].body == {"hidden": True}


async def test_hide_is_not_supported_where_x_does_not_allow_it(
    standin: XStandin, connector: TwitterConnector
) -> None:
    root = standin.add_mention("my seed is ...", CUSTOMER_ID)
    reply = standin.add_mention("and my pin", CUSTOMER_ID, in_reply_to=root["id"])
    await connector.start()
    with pytest.raises(NotSupported):  # the customer's own top-level tweet
        await connector.hide_public(MessageRef("x-support", f"tweet:{root['id']}", f"tweet:{root['id']}"))
    assert standin.calls_to("/2/tweets/") == []
    with pytest.raises(NotSupported, match="do not own"):  # a reply in a conversation we do not own
        await connector.hide_public(MessageRef("x-support", f"tweet:{reply['id']}", f"tweet:{root['id']}"))
    with pytest.raises(NotSupported):
        await connector.hide_public(MessageRef("x-support", "dm:5", "dm:1-2"))


async def test_rate_headers_on_every_answer(standin: XStandin, connector: TwitterConnector) -> None:
    await connector.start()
    before = time.time()
    page, rate = await connector._api.dm_events(None)
    assert page.meta.result_count == 0
    assert rate.limit == 300 and rate.remaining == 299 and rate.reset is not None and rate.reset >= before



async def test_a_wrong_signing_key_is_refused_by_the_peer(standin: XStandin) -> None:
    """Every other test passing shows requests reach the stand-in (its Host check) with OAuth 1.0a signatures
    that verify over https://api.twitter.com; this one shows the verification is real."""
    connector = TwitterConnector("x-support", make_config(standin, consumer_secret="not-what-x-has"), MemoryHost())
    with pytest.raises(AuthError):
        await connector.start()
    await connector.stop()
    assert standin.requests == []  # refused before it counted as a call
