"""DMs and mentions from the stand-in to host.deliver: shapes, threading keys, cursors, odd payloads."""
from __future__ import annotations

from datetime import UTC, datetime

from connectors.twitter import TwitterConnector
from connectors.twitter.poller import DM_CURSOR, MENTIONS_CURSOR
from inbox.domain import Channel, IdentityKind, OutboundMessage, Visibility
from tests.connectors.twitter.conftest import CUSTOMER_HANDLE, CUSTOMER_ID, make_config
from tests.connectors.twitter.helpers import RecordingHost, running, wait_until
from tests.connectors.twitter.standin import OUR_ID, XStandin


def _connector(standin: XStandin, host: RecordingHost, **overrides: object) -> TwitterConnector:
    return TwitterConnector("x-support", make_config(standin, **overrides), host)


async def test_dm_is_private_with_conversation_thread_key(standin: XStandin) -> None:
    host = RecordingHost()
    event = standin.add_dm("我的提现还没到账", CUSTOMER_ID)
    async with running(_connector(standin, host)):
        [m] = await host.wait_for(1)
    assert m.channel is Channel.TWITTER and m.visibility is Visibility.PRIVATE
    assert m.provider_id == f"dm:{event['id']}"
    assert m.thread_key == f"dm:{event['dm_conversation_id']}"
    assert m.sender.kind is IdentityKind.TWITTER and m.sender.value == CUSTOMER_ID
    assert m.sender.handle == f"@{CUSTOMER_HANDLE}" and m.sender.display_name == "Alice"
    assert m.text == "我的提现还没到账"
    assert m.sent_at.tzinfo is not None and abs((m.sent_at - datetime.now(UTC)).total_seconds()) < 60
    assert host.checkpoint[DM_CURSOR] == event["id"]


async def test_mention_is_public_and_replies_thread_together(standin: XStandin) -> None:
    host = RecordingHost()
    root = standin.add_mention("my deposit has not arrived", CUSTOMER_ID)
    follow_up = standin.add_mention(f"@{'walletsupport'} still waiting", CUSTOMER_ID, in_reply_to=root["id"])
    async with running(_connector(standin, host)):
        first, second = await host.wait_for(2)
    assert first.visibility is Visibility.PUBLIC and first.provider_id == f"tweet:{root['id']}"
    assert first.thread_key == second.thread_key == f"tweet:{root['id']}"
    assert first.text == "@walletsupport my deposit has not arrived"  # a top-level tweet keeps its text
    assert second.text == "still waiting"  # a reply's leading @handles are addressing, not content
    assert second.thread_hints == (f"tweet:{root['id']}",)
    assert second.reply_to_provider_id == f"tweet:{root['id']}"
    assert first.thread_hints == () and first.language == "en"
    assert host.checkpoint[MENTIONS_CURSOR] == follow_up["id"]


async def test_reply_under_our_reply_points_at_our_tweet(standin: XStandin) -> None:
    host = RecordingHost()
    root = standin.add_mention("card binding fails", CUSTOMER_ID)
    connector = _connector(standin, host)
    async with running(connector):
        [received] = await host.wait_for(1)
        sent = await connector.send(OutboundMessage(
            idempotency_key="k1", connector="x-support", channel=Channel.TWITTER, thread_key=received.thread_key,
            visibility=Visibility.PUBLIC, recipient=received.sender, text="Which bank? #10001", ticket="#10001",
            in_reply_to=received.provider_id,
        ))
        our_tweet = sent.provider_id.removeprefix("tweet:")
        standin.add_mention("@walletsupport ICBC", CUSTOMER_ID, in_reply_to=our_tweet)
        _, answer = await host.wait_for(2)
    assert answer.thread_key == f"tweet:{root['id']}"
    assert answer.thread_hints == (sent.provider_id,)  # the pipeline linked our SendResult id: same conversation


async def test_own_dms_and_join_leave_events_are_skipped_but_advance_cursor(standin: XStandin) -> None:
    host = RecordingHost()
    standin.add_dm("hello", CUSTOMER_ID)
    connector = _connector(standin, host)
    async with running(connector):
        [received] = await host.wait_for(1)
        await connector.send(OutboundMessage(
            idempotency_key="k2", connector="x-support", channel=Channel.TWITTER, thread_key=received.thread_key,
            visibility=Visibility.PRIVATE, recipient=received.sender, text="Hi, how can we help?", ticket="#10001",
        ))
        join = standin.add_dm("", CUSTOMER_ID, event_type="ParticipantsJoin")
        leave = standin.add_dm("", CUSTOMER_ID, event_type="ParticipantsLeave")
        await wait_until(lambda: host.checkpoint.get(DM_CURSOR) == leave["id"])
    assert [m.text for m in host.messages] == ["hello"]
    assert join["id"] < leave["id"]
    assert standin.sent_dms and all(pid != f"dm:{standin.sent_dms[0]['id']}" for pid in host.delivered_ids())


async def test_author_missing_from_includes_is_still_delivered(standin: XStandin) -> None:
    host = RecordingHost()
    standin.add_user("999", "gone_user")
    standin.hidden_authors.add("999")  # deleted or protected: X returns an `errors` entry instead of the user
    standin.add_mention("is this the official account?", "999")
    async with running(_connector(standin, host)):
        [m] = await host.wait_for(1)
    assert m.sender.value == "999" and m.sender.handle is None and m.sender.display_name is None


async def test_empty_page_with_next_token_keeps_going(standin: XStandin) -> None:
    host = RecordingHost()
    standin.empty_pages_first = 2  # first DM page and first mentions page come back empty, with a next_token
    dm = standin.add_dm("deposit missing", CUSTOMER_ID)
    mention = standin.add_mention("withdrawal stuck", CUSTOMER_ID)
    async with running(_connector(standin, host)):
        await host.wait_for(2)
    assert {f"dm:{dm['id']}", f"tweet:{mention['id']}"} <= set(host.delivered_ids())
    assert any(r.query.get("pagination_token") for r in standin.calls_to("/2/dm_events"))


async def test_pages_are_walked_and_delivered_oldest_first_once(standin: XStandin) -> None:
    host = RecordingHost()
    events = [standin.add_dm(f"message {i}", CUSTOMER_ID) for i in range(250)]
    async with running(_connector(standin, host, poll_mentions=False)):
        await host.wait_for(250)
        await wait_until(lambda: len(standin.calls_to("/2/dm_events")) >= 5)
    assert host.delivered_ids() == [f"dm:{e['id']}" for e in events]  # one batch, oldest first, no repeats
    assert host.checkpoint[DM_CURSOR] == events[-1]["id"]


async def test_restart_repeats_nothing(standin: XStandin) -> None:
    host = RecordingHost()
    standin.add_dm("first", CUSTOMER_ID)
    standin.add_mention("second", CUSTOMER_ID)
    async with running(_connector(standin, host)):
        await host.wait_for(2)
    before = host.delivered_ids()
    saved_since_id = host.checkpoint[MENTIONS_CURSOR]
    calls_before = len(standin.calls_to(f"/2/users/{OUR_ID}/mentions"))
    standin.add_dm("third", CUSTOMER_ID)
    standin.add_mention("fourth", CUSTOMER_ID)
    async with running(_connector(standin, host)):  # same host: the checkpoint survived the restart
        await host.wait_for(4)
    after = host.delivered_ids()[len(before):]
    assert sorted(before) == sorted(set(before)) and len(after) == 2
    assert not set(after) & set(before)
    first_after_restart = standin.calls_to(f"/2/users/{OUR_ID}/mentions")[calls_before]
    assert first_after_restart.query.get("since_id") == saved_since_id
    assert "start_time" not in first_after_restart.query


async def test_unknown_and_missing_fields(standin: XStandin) -> None:
    host = RecordingHost()
    event = standin.add_dm("see attached", CUSTOMER_ID, attachments={"media_keys": ["3_123"]}, created_at=None)
    del event["created_at"]
    event["future_field"] = {"nested": [1, 2]}  # X adds fields over time
    standin.always_fields.add("future_field")
    async with running(_connector(standin, host)):
        [m] = await host.wait_for(1)
    assert m.sent_at.tzinfo is not None  # derived from the snowflake id
    assert abs((m.sent_at - datetime.now(UTC)).total_seconds()) < 60
    assert [a.provider_ref for a in m.attachments] == ["3_123"]
    assert m.raw is not None and '"sender_id"' in m.raw and '"future_field"' in m.raw  # raw keeps the payload


async def test_backlog_cutoff_on_first_start(standin: XStandin) -> None:
    host = RecordingHost()
    old = standin.add_dm("ancient", CUSTOMER_ID, created_at="2020-01-01T00:00:00.000Z")
    standin.dm_events.sort(key=lambda e: e["id"])
    async with running(_connector(standin, host, backlog_days=1, poll_mentions=False)):
        await wait_until(lambda: host.checkpoint.get(DM_CURSOR) == old["id"])
    assert host.messages == []


async def test_mentions_use_bearer_when_given_else_user_auth(standin: XStandin) -> None:
    standin.add_mention("hi", CUSTOMER_ID)
    for bearer, expected in (("bearer-test", "bearer"), (None, "oauth1")):
        host = RecordingHost()
        async with running(_connector(standin, host, bearer_token=bearer)):
            await host.wait_for(1)
        assert standin.calls_to(f"/2/users/{OUR_ID}/mentions")[-1].auth == expected
