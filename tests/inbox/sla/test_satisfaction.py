"""The rating request: asked once per resolution, privately even from a public thread, and with no token stored."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from inbox.events import EventBus
from inbox.sla.satisfaction import ask_for_rating, record_rating
from inbox.sla.tracker import SlaTracker
from inbox.store.schema import conversations, messages, outbox, rating_requests
from tests.inbox.sla.helpers import BEIJING_SPEC, conversation, policies, set_status

T = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


async def test_a_public_x_thread_is_asked_by_dm_never_in_public(engine) -> None:  # noqa: ANN001
    cid = await conversation(engine, T, channel="twitter", visibility="public")
    held: dict[int, str] = {}
    async with engine.begin() as conn:
        conv = (await conn.execute(select(conversations).where(conversations.c.id == cid))).one()
        message_id = await ask_for_rating(conn, conv, "https://help.example.com", T, held.__setitem__)
        again = await ask_for_rating(conn, conv, "https://help.example.com", T, held.__setitem__)
    assert again is None  # an open request is not sent twice
    async with engine.connect() as conn:
        row = (await conn.execute(select(outbox).where(outbox.c.message_id == message_id))).one()
        stored = (await conn.execute(select(messages.c.text).where(messages.c.id == message_id))).scalar_one()
        hashes = [r.token_hash for r in await conn.execute(select(rating_requests))]
    assert (row.route, row.private_link_fallback, row.notice) == ("private", False, None)
    link = held[message_id].split("https://help.example.com/rate?token=")[1].split()[0]
    assert link not in stored and "[rating link]" in stored
    assert link not in hashes and len(hashes) == 1


async def test_resolving_asks_once_and_an_expired_link_is_refused(engine) -> None:  # noqa: ANN001
    spec = {**BEIJING_SPEC, "satisfaction": True}
    asked: list[int] = []
    held: dict[int, str] = {}

    async def on_resolved(conn, row, now):  # noqa: ANN001, ANN202
        asked.append(row.id)
        await ask_for_rating(conn, row, "http://x", now, held.__setitem__)

    cid = await conversation(engine, T)
    tracker = SlaTracker(engine, EventBus(), policies(spec), on_resolved=on_resolved)
    await tracker.tick(T + timedelta(minutes=1))
    await set_status(engine, cid, "resolved", T + timedelta(minutes=5))
    await tracker.tick(T + timedelta(minutes=6))
    await tracker.tick(T + timedelta(minutes=7))
    assert asked == [cid]
    [text] = held.values()
    token = text.split("token=")[1].split()[0]
    async with engine.begin() as conn:
        assert (await record_rating(conn, "not-the-token", 5, None, T + timedelta(days=1))).status == 404
        assert (await record_rating(conn, token, 5, None, T + timedelta(days=20))).status == 410  # 14 days
    quiet = SlaTracker(engine, EventBus(), policies(BEIJING_SPEC), on_resolved=on_resolved)  # satisfaction off
    await set_status(engine, cid, "open", T + timedelta(minutes=8))
    await quiet.tick(T + timedelta(minutes=9))
    await set_status(engine, cid, "resolved", T + timedelta(minutes=10))
    await quiet.tick(T + timedelta(minutes=11))
    assert asked == [cid]
