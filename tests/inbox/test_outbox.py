from __future__ import annotations

import asyncio
from collections import deque

import pytest
from sqlalchemy import select, update

from connectors.base import PermanentError, PrivateChannelRefused, TransientError
from inbox.domain import Channel, ContactIdentity, IdentityKind, Visibility, utcnow
from inbox.events import EventBus
from inbox.outbox import INTERRUPTED, OutboxDispatcher
from inbox.pipeline.core import Pipeline
from inbox.replies import enqueue_reply
from inbox.store.schema import messages, outbox, thread_links
from tests.inbox.factories import chat
from tests.inbox.scripted_connector import ScriptedConfig, ScriptedConnector


@pytest.fixture(autouse=True)
def _reset() -> None:
    ScriptedConnector.reset()


class Host:
    pass


def connectors(*names: str):  # noqa: ANN201
    table = {n: ScriptedConnector(n, ScriptedConfig(), Host()) for n in names}
    return table.get


async def _conversation(engine, text: str = "my deposit", visibility=Visibility.PRIVATE) -> int:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    [mid] = await p.ingest([chat(text, "zoe", connector="tg", channel=Channel.TELEGRAM, kind=IdentityKind.TELEGRAM,
                                 visibility=visibility, thread_key="group:1:user:zoe" if visibility == Visibility.PUBLIC
                                 else "chat:zoe")])
    async with engine.connect() as conn:
        return (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == mid))).scalar_one()


async def _queue(engine, cid: int, text: str, route=Visibility.PUBLIC, **kw) -> int:  # noqa: ANN001
    async with engine.begin() as conn:
        return (await enqueue_reply(conn, cid, text, route, utcnow(), **kw)).message_id


async def _until(engine, message_id: int, status: str, timeout: float = 10.0):  # noqa: ANN001, ANN202
    async def poll():  # noqa: ANN202
        while True:
            async with engine.connect() as conn:
                row = (await conn.execute(select(messages).where(messages.c.id == message_id))).one()
            if row.status == status:
                return row
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def test_sent_reply_records_provider_id_and_links_thread(engine) -> None:  # noqa: ANN001
    cid = await _conversation(engine)
    mid = await _queue(engine, cid, "we are on it")
    d = OutboxDispatcher(engine, EventBus(), connectors("tg"), "http://inbox.test")
    await d.start()
    try:
        row = await _until(engine, mid, "sent")
    finally:
        await d.stop()
    assert row.provider_id == "out-1" and row.sent_at is not None
    [sent] = ScriptedConnector.sent
    assert sent.text == "we are on it" and sent.recipient.value == "zoe" and sent.ticket == f"#{cid + 10000}"
    assert sent.visibility == Visibility.PRIVATE and sent.thread_key == "chat:zoe" and sent.in_reply_to
    async with engine.connect() as conn:
        linked = (await conn.execute(select(thread_links.c.conversation_id).where(
            thread_links.c.thread_key == "out-1"))).scalar_one()
    assert linked == cid


async def test_transient_errors_retry_then_send(engine) -> None:  # noqa: ANN001
    cid = await _conversation(engine)
    ScriptedConnector.send_script["tg"] = deque([TransientError("429 slow down", retry_after=0.2), None])
    mid = await _queue(engine, cid, "retry me")
    d = OutboxDispatcher(engine, EventBus(), connectors("tg"), "http://inbox.test")
    await d.start()
    try:
        await _until(engine, mid, "sent")
    finally:
        await d.stop()
    async with engine.connect() as conn:
        attempts = (await conn.execute(select(outbox.c.attempts).where(outbox.c.message_id == mid))).scalar_one()
    assert attempts == 2 and len(ScriptedConnector.sent) == 1


async def test_permanent_error_fails_with_provider_reason(engine) -> None:  # noqa: ANN001
    cid = await _conversation(engine)
    ScriptedConnector.send_script["tg"] = deque([PermanentError("400 Bad Request: chat not found")])
    mid = await _queue(engine, cid, "x")
    d = OutboxDispatcher(engine, EventBus(), connectors("tg"), "http://inbox.test")
    await d.start()
    try:
        row = await _until(engine, mid, "failed")
    finally:
        await d.stop()
    assert "chat not found" in row.error and ScriptedConnector.sent == []


async def test_interrupted_send_is_not_repeated_after_restart(engine) -> None:  # noqa: ANN001
    cid = await _conversation(engine)
    mid = await _queue(engine, cid, "maybe delivered")
    async with engine.begin() as conn:  # as if the process died between claim and outcome
        await conn.execute(update(outbox).values(state="sending"))
    d = OutboxDispatcher(engine, EventBus(), connectors("tg"), "http://inbox.test")
    await d.start()
    try:
        row = await _until(engine, mid, "failed")
        await asyncio.sleep(0.3)
    finally:
        await d.stop()
    assert row.error == INTERRUPTED and ScriptedConnector.sent == []


async def test_two_dispatchers_send_once(engine) -> None:  # noqa: ANN001
    cid = await _conversation(engine)
    ids = [await _queue(engine, cid, f"reply {i}") for i in range(10)]
    get = connectors("tg")
    a = OutboxDispatcher(engine, EventBus(), get, "http://inbox.test")
    b = OutboxDispatcher(engine, EventBus(), get, "http://inbox.test")
    await a.start()
    await b.start()
    try:
        for mid in ids:
            await _until(engine, mid, "sent")
    finally:
        await a.stop()
        await b.stop()
    texts = [m.text for m in ScriptedConnector.sent]
    assert sorted(texts) == sorted(f"reply {i}" for i in range(10)) and len(texts) == 10


async def test_private_refused_posts_link_then_delivers_privately_when_opened(engine) -> None:  # noqa: ANN001
    cid = await _conversation(engine, "help, wrong fee", visibility=Visibility.PUBLIC)
    ScriptedConnector.send_script["tg"] = deque([PrivateChannelRefused("403 bot can't initiate conversation")])
    mid = await _queue(engine, cid, "your tx 0xabc is pending", route=Visibility.PRIVATE, private_link_fallback=True)
    d = OutboxDispatcher(engine, EventBus(), connectors("tg"), "http://inbox.test")
    await d.start()
    try:
        for _ in range(100):
            if ScriptedConnector.sent:
                break
            await asyncio.sleep(0.05)
        [notice] = ScriptedConnector.sent
        assert notice.visibility == Visibility.PUBLIC and "0xabc" not in notice.text
        assert "https://example.invalid/start?t=" in notice.text
        token = notice.text.split("t=")[1].split()[0]
        async with engine.connect() as conn:
            state = (await conn.execute(select(outbox.c.state).where(outbox.c.message_id == mid))).scalar_one()
        assert state == "waiting"
        # The customer opens the link: /start <token> in a private chat joins the same ticket.
        p = Pipeline(engine, EventBus(), on_outbox=d.wake)
        await p.ingest([chat(f"/start {token}", "zoe", connector="tg", channel=Channel.TELEGRAM,
                             kind=IdentityKind.TELEGRAM, thread_key="chat:zoe", link_token=token)])
        row = await _until(engine, mid, "sent")
    finally:
        await d.stop()
    private = ScriptedConnector.sent[-1]
    assert private.text == "your tx 0xabc is pending" and private.thread_key == "chat:zoe"
    assert private.visibility == Visibility.PRIVATE and row.conversation_id == cid


async def test_hide_goes_to_the_connector(engine) -> None:  # noqa: ANN001
    from inbox.replies import enqueue_hide

    cid = await _conversation(engine, visibility=Visibility.PUBLIC)
    async with engine.begin() as conn:
        await enqueue_hide(conn, cid, "tg", "1:99", utcnow())
    d = OutboxDispatcher(engine, EventBus(), connectors("tg"), "http://inbox.test")
    await d.start()
    try:
        for _ in range(100):
            if ScriptedConnector.hidden:
                break
            await asyncio.sleep(0.05)
    finally:
        await d.stop()
    assert ScriptedConnector.hidden == ["1:99"]


async def test_connector_down_keeps_reply_queued(engine) -> None:  # noqa: ANN001
    cid = await _conversation(engine)
    mid = await _queue(engine, cid, "wait for me")
    d = OutboxDispatcher(engine, EventBus(), lambda name: None, "http://inbox.test")
    await d.start()
    try:
        await asyncio.sleep(0.5)
    finally:
        await d.stop()
    async with engine.connect() as conn:
        state, error = (await conn.execute(select(outbox.c.state, outbox.c.last_error).where(
            outbox.c.message_id == mid))).one()
    assert state == "queued" and "not running" in error


_ = ContactIdentity  # the recipient type the dispatcher builds
