"""Outbox claims shared by several processes (inbox.cluster.claims), on SQLite and PostgreSQL.

A process that died mid-send leaves a row in `sending` with a lease that runs out. Until then a live worker's
send is left alone; afterwards a channel that cannot dedupe shows "interrupted — check and resend" instead of a
second send, and the in-app chat kind re-pushes once.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from inbox.cluster.claims import ClaimLease
from inbox.domain import Channel, IdentityKind, Visibility, utcnow
from inbox.events import EventBus
from inbox.outbox import INTERRUPTED, INTERRUPTED_FLAG, OutboxDispatcher
from inbox.pipeline.core import Pipeline
from inbox.replies import enqueue_reply
from inbox.store.schema import messages, outbox
from tests.inbox.scripted_connector import ScriptedConfig, ScriptedConnector
from tests.inbox.test_outbox_restart import RepushableConnector, _settled


async def _conversation(engine, user: str = "zoe") -> int:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    [mid] = await p.ingest([__import__("tests.inbox.factories", fromlist=["chat"]).chat(
        "my deposit", user, connector="c1", channel=Channel.TELEGRAM, kind=IdentityKind.TELEGRAM,
        thread_key=f"chat:{user}")])
    async with engine.connect() as conn:
        return (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == mid))).scalar_one()


async def _claimed_by_other(engine, lease_until) -> int:  # noqa: ANN001
    """A reply another process is sending (or was, when it died): `sending`, its claim held until lease_until."""
    cid = await _conversation(engine)
    async with engine.begin() as conn:
        reply = (await enqueue_reply(conn, cid, "your deposit is credited", Visibility.PRIVATE, utcnow())).message_id
        await conn.execute(update(outbox).where(outbox.c.message_id == reply).values(
            state="sending", attempts=1, claimed_by="worker-9#1.abcd", lease_until=lease_until))
    return reply


async def _state(engine, message_id: int) -> str:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(outbox.c.state).where(outbox.c.message_id == message_id))).scalar_one()


async def test_a_live_workers_send_is_left_alone(engine) -> None:  # noqa: ANN001
    ScriptedConnector.reset()
    mid = await _claimed_by_other(engine, utcnow() + timedelta(seconds=60))
    table = {"c1": ScriptedConnector("c1", ScriptedConfig(), object())}
    d = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test", claims=ClaimLease("worker-1#2.beef", 3))
    await d.start()
    try:
        await asyncio.sleep(1.5)
        assert await _state(engine, mid) == "sending"  # not resumed: its lease holds
    finally:
        await d.stop()
    assert ScriptedConnector.sent == []


async def test_an_expired_claim_is_interrupted_not_resent(engine) -> None:  # noqa: ANN001
    ScriptedConnector.reset()
    mid = await _claimed_by_other(engine, utcnow() + timedelta(seconds=1))
    table = {"c1": ScriptedConnector("c1", ScriptedConfig(), object())}
    d = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test", claims=ClaimLease("worker-1#2.beef", 1.5))
    await d.start()
    try:
        assert await _state(engine, mid) == "sending"
        row = await _settled(engine, mid, timeout=10)
        await asyncio.sleep(0.3)
    finally:
        await d.stop()
    assert ScriptedConnector.sent == []
    assert row.status == "failed" and row.error == INTERRUPTED and INTERRUPTED_FLAG in row.flags


async def test_an_expired_claim_on_a_deduping_channel_is_pushed_once(engine) -> None:  # noqa: ANN001
    ScriptedConnector.reset()
    mid = await _claimed_by_other(engine, utcnow() - timedelta(seconds=1))
    table = {"c1": RepushableConnector("c1", ScriptedConfig(type="repushable"), object())}
    d = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test", claims=ClaimLease("worker-1#2.beef", 3))
    await d.start()
    try:
        row = await _settled(engine, mid)
        await asyncio.sleep(0.3)
    finally:
        await d.stop()
    assert row.status == "sent" and [m.message_id for m in ScriptedConnector.sent] == [mid]


async def test_claims_are_renewed_while_the_send_runs(engine) -> None:  # noqa: ANN001
    """A send slower than the lease is not taken for dead: its claim is renewed."""
    ScriptedConnector.reset()
    cid = await _conversation(engine)
    async with engine.begin() as conn:
        mid = (await enqueue_reply(conn, cid, "slow", Visibility.PRIVATE, utcnow())).message_id
    release = asyncio.Event()

    class Slow(ScriptedConnector):
        async def send(self, message):  # noqa: ANN001, ANN201
            await release.wait()
            return await super().send(message)

    table = {"c1": Slow("c1", ScriptedConfig(), object())}
    mine = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test", claims=ClaimLease("w-a#1.aaaa", 1.2))
    table_b = {"c1": Slow("c1", ScriptedConfig(), object())}
    other = OutboxDispatcher(engine, EventBus(), table_b.get, "http://inbox.test", claims=ClaimLease("w-b#1.bbbb", 1.2))
    await mine.start()
    await other.start()
    try:
        await asyncio.sleep(3.0)  # more than two leases long
        assert await _state(engine, mid) == "sending"  # neither took the other's claim for dead
        release.set()
        row = await _settled(engine, mid)
    finally:
        await mine.stop()
        await other.stop()
    assert row.status == "sent" and len(ScriptedConnector.sent) == 1


async def test_two_workers_send_each_reply_once(engine) -> None:  # noqa: ANN001
    ScriptedConnector.reset()
    ids = []
    for i in range(6):
        cid = await _conversation(engine, f"u{i}")
        async with engine.begin() as conn:
            for j in range(5):
                ids.append((await enqueue_reply(conn, cid, f"r{i}.{j}", Visibility.PRIVATE, utcnow())).message_id)
    tables = [{"c1": ScriptedConnector("c1", ScriptedConfig(), object())} for _ in range(2)]
    workers = [OutboxDispatcher(engine, EventBus(), t.get, "http://inbox.test", claims=ClaimLease(f"w{n}#1.00{n}", 5))
               for n, t in enumerate(tables)]
    for w in workers:
        await w.start()
    try:
        for mid in ids:
            assert (await _settled(engine, mid, timeout=30)).status == "sent"
    finally:
        for w in workers:
            await w.stop()
    sent = [m.message_id for m in ScriptedConnector.sent]
    assert sorted(sent) == sorted(ids)  # every reply once, none twice
