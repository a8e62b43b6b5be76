"""A reply interrupted by a crash between the provider call and "sent" (issue #12 item 9), on SQLite and PostgreSQL.

The crash is the row a killed process leaves behind: outbox `sending` after one attempt. A channel that can take the
same reply twice without the customer seeing two copies (in-app chat) gets it again; any other channel keeps
at-most-once and shows the agent an interrupted reply to check and resend.
"""
from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest
from sqlalchemy import select, update

from connectors.email import EmailConnector
from connectors.registry import register
from connectors.telegram import TelegramConnector
from connectors.twitter import TwitterConnector
from connectors.webchat import WebchatConnector
from inbox.domain import Channel, IdentityKind, Visibility, utcnow
from inbox.events import EventBus
from inbox.outbox import INTERRUPTED, INTERRUPTED_FLAG, OutboxDispatcher
from inbox.pipeline.core import Pipeline
from inbox.replies import enqueue_reply
from inbox.store.schema import messages, outbox
from tests.inbox.factories import chat
from tests.inbox.scripted_connector import ScriptedConfig, ScriptedConnector


@register
class RepushableConnector(ScriptedConnector):
    """A scripted channel that dedupes by message id, like the in-app chat."""

    type_name = "repushable"
    redelivery_safe: ClassVar[bool] = True


@pytest.fixture(autouse=True)
def _reset() -> None:
    ScriptedConnector.reset()


def test_only_the_in_app_chat_declares_redelivery_safe() -> None:
    assert WebchatConnector.redelivery_safe is True
    assert not EmailConnector.redelivery_safe and not TelegramConnector.redelivery_safe
    assert not TwitterConnector.redelivery_safe


async def _crashed_reply(engine, text: str) -> int:  # noqa: ANN001
    """A conversation with one reply whose process died after the provider call, before marking it sent."""
    p = Pipeline(engine, EventBus())
    [mid] = await p.ingest([chat("my deposit", "zoe", connector="c1", channel=Channel.TELEGRAM,
                                 kind=IdentityKind.TELEGRAM, thread_key="chat:zoe")])
    async with engine.begin() as conn:
        cid = (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == mid))).scalar_one()
        reply = (await enqueue_reply(conn, cid, text, Visibility.PRIVATE, utcnow())).message_id
        await conn.execute(update(outbox).where(outbox.c.message_id == reply).values(state="sending", attempts=1))
    return reply


async def _settled(engine, message_id: int, timeout: float = 10.0):  # noqa: ANN001, ANN202
    async def poll():  # noqa: ANN202
        while True:
            async with engine.connect() as conn:
                row = (await conn.execute(select(messages).where(messages.c.id == message_id))).one()
            if row.status in ("sent", "failed"):
                return row
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def test_repushable_channel_gets_the_interrupted_reply_again_once(engine) -> None:  # noqa: ANN001
    mid = await _crashed_reply(engine, "your deposit is credited")
    table = {"c1": RepushableConnector("c1", ScriptedConfig(type="repushable"), object())}
    d = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test")
    await d.start()
    try:
        row = await _settled(engine, mid)
        await asyncio.sleep(0.3)  # a second push would show here
    finally:
        await d.stop()
    assert row.status == "sent" and row.error is None and INTERRUPTED_FLAG not in (row.flags or [])
    [pushed] = ScriptedConnector.sent
    assert pushed.message_id == mid and pushed.text == "your deposit is credited"
    async with engine.connect() as conn:
        state, attempts = (await conn.execute(select(outbox.c.state, outbox.c.attempts)
                                              .where(outbox.c.message_id == mid))).one()
    assert state == "sent" and attempts == 2  # the push before the crash, and one re-push


async def test_other_channels_show_interrupted_and_do_not_resend(engine) -> None:  # noqa: ANN001
    mid = await _crashed_reply(engine, "your deposit is credited")
    table = {"c1": ScriptedConnector("c1", ScriptedConfig(), object())}
    d = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test")
    await d.start()
    try:
        row = await _settled(engine, mid)
        await asyncio.sleep(0.3)
    finally:
        await d.stop()
    assert ScriptedConnector.sent == []
    assert row.status == "failed" and row.error == INTERRUPTED and INTERRUPTED_FLAG in row.flags
    assert "check" in row.error and "resend" in row.error


async def test_interrupted_reply_waits_for_its_connector_to_start(engine) -> None:  # noqa: ANN001
    """At start-up the dispatcher runs before the connectors: the re-push must not wait out a 30 s retry delay."""
    mid = await _crashed_reply(engine, "hello again")
    table: dict[str, ScriptedConnector] = {}
    d = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test")
    await d.start()
    try:
        for _ in range(100):  # the dispatcher found the connector not running
            async with engine.connect() as conn:
                error = (await conn.execute(select(outbox.c.last_error).where(outbox.c.message_id == mid))).scalar()
            if error and "not running" in error:
                break
            await asyncio.sleep(0.05)
        async with engine.connect() as conn:
            state = (await conn.execute(select(outbox.c.state).where(outbox.c.message_id == mid))).scalar()
        assert state == "resume"  # still undecided: the channel's capability is not known yet
        table["c1"] = RepushableConnector("c1", ScriptedConfig(type="repushable"), object())
        row = await _settled(engine, mid, timeout=5.0)
    finally:
        await d.stop()
    assert row.status == "sent" and len(ScriptedConnector.sent) == 1
