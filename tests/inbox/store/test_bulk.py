"""The driver-level statements store exactly what SQLAlchemy's own statements store, on both backends."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from inbox.store.bulk import converters, executemany, insert_returning, select_in
from inbox.store.ops import select_by_pairs
from inbox.store.schema import contact_identities, contacts, conversations, messages, thread_links

CST = timezone(timedelta(hours=8))
WHEN = [
    datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc),  # whole seconds: isoformat would drop the fraction
    datetime(2026, 11, 1, 8, 30, 5, 123, tzinfo=timezone.utc),
    datetime(2026, 11, 1, 16, 30, 5, 999999, tzinfo=CST),  # another zone: stored as UTC
]


async def _conversation(conn) -> int:  # noqa: ANN001
    contact_id = (await conn.execute(contacts.insert().returning(contacts.c.id), {
        "name": "c", "attributes": {}, "unreachable": False, "created_at": WHEN[0]})).scalar_one()
    return (await conn.execute(conversations.insert().returning(conversations.c.id), {
        "connector": "app", "channel": "webchat", "thread_key": "t", "visibility": "private", "status": "open",
        "priority": "normal", "contact_id": contact_id, "message_count": 0, "type_reasons": [], "created_at": WHEN[0],
        "updated_at": WHEN[0], "last_message_at": WHEN[0]})).scalar_one()


def _row(conversation_id: int, provider_id: str, when: datetime, findings: list) -> dict:  # noqa: ANN401
    return {"conversation_id": conversation_id, "connector": "app", "provider_id": provider_id, "thread_key": "t",
            "direction": "inbound", "visibility": "private", "text": "充值没到账 deposit", "status": "received",
            "attachments": [], "findings": findings, "flags": ["auto_reply"], "created_at": when}


async def test_fast_converters_store_what_sqlalchemy_stores(engine) -> None:  # noqa: ANN001
    async with engine.begin() as conn:
        cid = await _conversation(conn)
        findings = [{"kind": "otp", "start": 0, "end": 6, "tier": "secret"}]
        for n, when in enumerate(WHEN):
            await conn.execute(messages.insert(), _row(cid, f"sa-{n}", when, findings if n else []))
        columns = list(_row(cid, "x", WHEN[0], []))
        rows = [[_row(cid, f"bulk-{n}", when, findings if n else [])[c] for c in columns] for n, when in enumerate(WHEN)]
        if conn.dialect.name == "sqlite":
            returned = await insert_returning(conn, messages, columns, rows, ("id", "provider_id"))
            assert sorted(p for _, p in returned) == ["bulk-0", "bulk-1", "bulk-2"]
        else:
            await conn.execute(messages.insert(), [dict(zip(columns, r)) for r in rows])
        # Compare what is in the table, as text, column by column.
        raw = {r[0]: r[1:] for r in await conn.exec_driver_sql(
            "SELECT provider_id, CAST(created_at AS TEXT), CAST(findings AS TEXT), CAST(flags AS TEXT), "
            "CAST(attachments AS TEXT) FROM messages")}
    for n in range(len(WHEN)):
        assert raw[f"bulk-{n}"] == raw[f"sa-{n}"]
    async with engine.connect() as conn:
        got = (await conn.execute(select(messages.c.created_at).where(messages.c.provider_id == "bulk-2"))).scalar_one()
    assert got == WHEN[2] and got.tzinfo == timezone.utc


def test_converters_refuse_naive_datetimes_like_sqlalchemy(engine) -> None:  # noqa: ANN001
    convert = converters(engine.dialect, messages, ["created_at"])[0]
    assert convert is not None
    with pytest.raises(ValueError, match="naive"):
        convert(datetime(2026, 11, 1))


async def test_executemany_upserts_and_updates(engine) -> None:  # noqa: ANN001
    upsert = ("INSERT INTO thread_links (connector, thread_key, conversation_id) VALUES (?, ?, ?) "
              "ON CONFLICT (connector, thread_key) DO UPDATE SET conversation_id = excluded.conversation_id")
    async with engine.begin() as conn:
        first, second = await _conversation(conn), await _conversation(conn)
        cols = ("connector", "thread_key", "conversation_id")
        await executemany(conn, upsert, thread_links, cols, [("app", "a", first), ("app", "b", first)])
        await executemany(conn, upsert, thread_links, cols, [("app", "b", second)])
        await executemany(conn, "UPDATE conversations SET message_count = ?, last_message_at = ? WHERE id = ?",
                          conversations, ("message_count", "last_message_at", "id"), [(7, WHEN[2], second)])
    async with engine.connect() as conn:
        links = dict((await conn.execute(select(thread_links.c.thread_key, thread_links.c.conversation_id))).all())
        count, last = (await conn.execute(select(conversations.c.message_count, conversations.c.last_message_at)
                                          .where(conversations.c.id == second))).one()
    assert links == {"a": first, "b": second}
    assert (count, last) == (7, WHEN[2])


async def test_select_in_processes_results_and_select_by_pairs_groups(engine) -> None:  # noqa: ANN001
    async with engine.begin() as conn:
        cid = await _conversation(conn)
        await conn.execute(contact_identities.insert(), [
            {"contact_id": 1, "kind": kind, "value": value} for kind, value in
            [("email", "a@x.com"), ("email", "b@x.com"), ("telegram", "a@x.com"), ("app", "u1")]])
        pairs = [("email", "a@x.com"), ("telegram", "a@x.com"), ("app", "missing")]
        ci = contact_identities.c
        found = await select_by_pairs(conn, (ci.kind, ci.value), ci.kind, ci.value, pairs)
        rows = await select_in(conn, (conversations.c.id, conversations.c.last_message_at), conversations.c.id, [cid])
    assert sorted(found) == [("email", "a@x.com"), ("telegram", "a@x.com")]
    assert rows == [(cid, WHEN[0])] and rows[0][1].tzinfo == timezone.utc
