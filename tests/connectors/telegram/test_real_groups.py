"""Real supergroup behaviour (issue 16 items 4-8): linked channels' automatic forwards, messages on behalf of chats,
group -> supergroup upgrades, forum topics, setWebhook's URL rules. Shapes: fixtures/group_updates.json (see its
README for the Bot API documentation each follows); the stand-in produces the same shapes end to end."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.base import PermanentError
from connectors.telegram import ids
from connectors.telegram.translate import translate_update
from inbox.domain import Channel, ContactIdentity, IdentityKind, OutboundMessage, Visibility
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.conftest import ALICE, BOB, eventually, running
from tests.connectors.telegram.standin import TgChat

SHAPES = json.loads((Path(__file__).parent / "fixtures" / "group_updates.json").read_text())


def _translate(name: str, migrated_from: dict[int, int] | None = None):
    return translate_update(SHAPES[name], "wallet-bot", migrated_from)


# ---- item 4: automatic forwards and messages on behalf of chats --------------------------------------------------

@pytest.mark.parametrize(("name", "reason"), [
    ("automatic_forward", "automatic forward"),
    ("anonymous_admin", "anonymous admin"),
    ("channel_in_group", "on behalf of a channel"),
])
def test_posts_of_the_channel_and_the_group_are_not_customer_messages(name: str, reason: str) -> None:
    outcome = _translate(name)
    assert outcome.message is None and not outcome.malformed
    assert reason in (outcome.skip_reason or "")


def test_a_customer_comment_on_a_forwarded_post_is_a_customer_message() -> None:
    message = _translate("comment_on_forward").message
    assert message is not None and message.sender.value == "5123456789"
    assert message.thread_key == ids.group_thread(-1001234567890, 5123456789)


async def test_standin_automatic_forward_and_admin_posts_never_reach_the_inbox(standin, make_connector) -> None:
    host = MemoryHost()
    group, channel = TgChat(-1001234567890, "supergroup", title="Wallet Community"), \
        TgChat(-1001987654321, "channel", title="Wallet Announcements")
    async with running(make_connector(host)):
        forward = standin.automatic_forward(group, channel, "Withdrawals paused 02:00-03:00 UTC")
        standin.anonymous_admin_message(group, "Never share your seed phrase", signature="Support")
        standin.channel_message_in_group(group, channel, "Maintenance is over")
        standin.inject_message(group, ALICE, "is my withdrawal affected?",
                               reply_to=int(forward["message"]["message_id"]))  # type: ignore[index]
        [message] = await host.wait_for(1)
        await eventually(lambda: not standin.pending)
    assert message.text == "is my withdrawal affected?" and len(host.messages) == 1


# ---- item 5: group upgraded to a supergroup -------------------------------------------------------------------

def test_migration_service_messages_name_both_chats() -> None:
    assert _translate("migrate_to").migration == (-4012345678, -1002012345678)
    assert _translate("migrate_from").migration == (-4012345678, -1002012345678)


async def test_same_customer_before_and_after_the_upgrade_is_one_ticket(standin, make_connector, engine) -> None:
    from sqlalchemy import func, select

    from inbox.events import EventBus
    from inbox.pipeline.core import Pipeline
    from inbox.store.schema import conversations

    host = MemoryHost()
    group = TgChat(-4012345678, "group", title="Wallet Help")
    async with running(make_connector(host)):
        standin.inject_message(group, ALICE, "my deposit is missing")
        await host.wait_for(1)
        supergroup = standin.migrate_group(group, BOB)
        standin.inject_message(supergroup, ALICE, "still missing after the upgrade")
        before, after = await host.wait_for(2)
    assert host.checkpoint[f"migrated:{group.id}"] == str(supergroup.id)
    assert ids.group_thread(group.id, ALICE.id) in after.thread_hints
    pipeline = Pipeline(engine, EventBus())
    await pipeline.ingest([before])
    await pipeline.ingest([after])
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(conversations))).scalar_one() == 1


def _reply(thread_key: str, text: str, key: str = "out-1") -> OutboundMessage:
    return OutboundMessage(
        idempotency_key=key, connector="wallet-bot", channel=Channel.TELEGRAM, thread_key=thread_key,
        visibility=Visibility.PUBLIC, recipient=ContactIdentity(IdentityKind.TELEGRAM, str(ALICE.id)), text=text,
        ticket="#10001")


async def test_reply_to_an_upgraded_group_follows_migrate_to_chat_id(standin, make_connector) -> None:
    host = MemoryHost()
    connector = make_connector(host)
    group = TgChat(-4012345678, "group", title="Wallet Help")
    await connector.start()
    try:
        standin.inject_message(group, ALICE, "hello")
        supergroup = standin.migrate_group(group, BOB)  # the connector has not polled: it learns it from the 400
        await connector.send(_reply(ids.group_thread(group.id, ALICE.id), "We are checking", "a"))
        await connector.send(_reply(ids.group_thread(group.id, ALICE.id), "Found it", "b"))
    finally:
        await connector.stop()
    assert [(s.chat_id, s.text) for s in standin.sent] == [(supergroup.id, "We are checking"),
                                                           (supergroup.id, "Found it")]
    to_old = [c for c in standin.calls_of("sendMessage") if c.params.get("chat_id") == group.id]
    assert len(to_old) == 1  # the second reply went straight to the supergroup
    assert host.checkpoint[f"migrated:{group.id}"] == str(supergroup.id)


async def test_standin_answers_the_documented_400_for_an_upgraded_group(standin) -> None:
    import aiohttp

    group = TgChat(-4012345678, "group", title="Wallet Help")
    standin.inject_message(group, ALICE, "hello")
    standin.migrate_group(group, BOB)
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{standin.base_url}/bot{standin.token}/sendMessage",
                                json={"chat_id": group.id, "text": "x"}) as response:
            body = await response.json()
    expected = dict(SHAPES["send_to_migrated_group"])
    assert body["description"] == expected["description"] and body["error_code"] == 400
    assert set(body["parameters"]) == {"migrate_to_chat_id"}


# ---- item 6: forum topics -----------------------------------------------------------------------------------------

def test_two_people_in_one_topic_are_two_conversations() -> None:
    alice, bob = _translate("topic_alice").message, _translate("topic_bob").message
    assert alice is not None and bob is not None
    assert alice.thread_key == ids.topic_thread(-1001555000111, 500, 5123456789)
    assert bob.thread_key == ids.topic_thread(-1001555000111, 500, 5987654321)
    assert alice.thread_hints == bob.thread_hints == ()  # the topic's root is where they are, not whom they answer


def test_a_real_reply_inside_a_topic_still_joins_what_it_answers() -> None:
    reply = _translate("topic_reply_to_alice").message
    assert reply is not None and reply.thread_hints == (ids.message_id(-1001555000111, 512),)


async def test_topic_threads_in_the_pipeline_and_every_part_of_a_reply_stays_in_the_topic(
        standin, make_connector, engine) -> None:
    from sqlalchemy import func, select

    from inbox.events import EventBus
    from inbox.pipeline.core import Pipeline
    from inbox.store.schema import conversations

    forum = TgChat(-1001555000111, "supergroup", title="Wallet Support Forum", is_forum=True)
    host = MemoryHost()
    connector = make_connector(host)
    async with running(connector):
        topic = standin.forum_topic(forum, BOB, "Withdrawals")
        standin.topic_message(forum, ALICE, topic, "USDT withdrawal stuck for 3 hours")
        standin.topic_message(forum, BOB, topic, "My BTC withdrawal was rejected")
        alice, bob = await host.wait_for(2)
        await Pipeline(engine, EventBus()).ingest([alice, bob])
        async with engine.connect() as conn:
            assert (await conn.execute(select(func.count()).select_from(conversations))).scalar_one() == 2
        long_reply = ("We checked your withdrawal. " * 200).strip()  # > 4096 characters: two parts
        await connector.send(_reply(alice.thread_key, long_reply))
    assert len(standin.sent) >= 2
    assert {s.message_thread_id for s in standin.sent} == {topic}
    assert all(s.chat_id == forum.id for s in standin.sent)


# ---- item 7: setWebhook's URL rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("http://inbox.example.com/webhooks/telegram/wallet-bot", "set_webhook_http"),
    ("https://inbox.example.com:8080/webhooks/telegram/wallet-bot", "set_webhook_port"),
])
async def test_cloud_standin_refuses_webhooks_telegram_refuses(standin, make_connector, url: str,
                                                              expected: str) -> None:
    standin.cloud = True
    connector = make_connector(MemoryHost(), mode="webhook", webhook_secret="s3cret_token", webhook_url=url)
    with pytest.raises(PermanentError) as caught:
        await connector.start()
    await connector.stop()
    # python-telegram-bot drops "Bad Request: " and capitalises the rest
    assert SHAPES[expected]["description"].removeprefix("Bad Request: ").lower() in str(caught.value).lower()
    assert standin.webhook is None


async def test_cloud_standin_accepts_https_on_8443(standin, make_connector) -> None:
    standin.cloud = True
    connector = make_connector(MemoryHost(), mode="webhook", webhook_secret="s3cret_token",
                               webhook_url="https://inbox.example.com:8443/webhooks/telegram/wallet-bot")
    await connector.start()
    await connector.stop()
    assert standin.webhook is not None and standin.webhook.url.endswith(":8443/webhooks/telegram/wallet-bot")
