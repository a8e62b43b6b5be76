"""Migration 0005 (search index, counters): a database from before it gets its messages indexed (the masked text as
stored, not what the inbox sent by itself) and its counters computed; writes after it keep both; down and up works."""
from __future__ import annotations

from sqlalchemy import func, select, text

from inbox.store.schema import conversation_counts
from inbox.store.search import hits, match_param
from inbox.store.search_tokens import parse_query
from tests.inbox.store.test_migration_0002 import _to

_CONV = ("INSERT INTO conversations (id, connector, channel, thread_key, visibility, status, priority, contact_id, "
         "message_count, type_reasons, created_at, updated_at, last_message_at, assignee_id) VALUES (:id, 'app', "
         "'webchat', :key, 'private', :status, 'normal', 1, 1, '[]', '2026-11-20 09:00:00', '2026-11-20 09:00:00', "
         "'2026-11-20 09:00:00', NULL)")
_MSG = ("INSERT INTO messages (id, conversation_id, connector, provider_id, direction, visibility, text, status, "
        "attachments, findings, flags, created_at, reason) VALUES (:id, :cid, 'app', :pid, :dir, 'private', :text, "
        "'received', '[]', '[]', '[]', '2026-11-20 09:00:00', :reason)")


async def _found(conn, q: str) -> list[int]:  # noqa: ANN001
    source, hit, conv, match = hits(conn.dialect.name, match_param(conn.dialect.name, parse_query(q)))
    return sorted(r[0] for r in await conn.execute(select(conv).select_from(source).where(match)))


async def test_existing_messages_are_indexed_and_counted(engine, capfd) -> None:  # noqa: ANN001
    async with engine.begin() as conn:
        await conn.run_sync(_to("0003", downgrade=True))
        await conn.execute(text("INSERT INTO contacts (id, name, attributes, unreachable, created_at) "
                                "VALUES (1, 'zoe', '{}', false, '2026-11-20 09:00:00')"))
        for cid, status in ((1, "open"), (2, "open"), (3, "resolved")):
            await conn.execute(text(_CONV), {"id": cid, "key": f"k{cid}", "status": status})
        for mid, cid, body, reason, direction in (
                (1, 1, "我的提现一直显示处理中", None, "inbound"), (2, 2, "card declined [seed_phrase removed]", None,
                                                                   "inbound"),
                (3, 3, "如怀疑账户被盗，请立即冻结账户", "rule:off-hours-reply", "outbound")):
            await conn.execute(text(_MSG), {"id": mid, "cid": cid, "pid": f"p{mid}", "text": body, "reason": reason,
                                            "dir": direction})
    async with engine.begin() as conn:
        await conn.run_sync(_to("head"))
    assert "search index: 2/2 messages" in capfd.readouterr().err
    async with engine.connect() as conn:
        assert await _found(conn, "提现") == [1]
        assert await _found(conn, "提") == [1]
        assert await _found(conn, "declined") == [2]
        assert await _found(conn, "冻结") == []  # an auto-reply's boilerplate is not indexed
        counts = {(r.status, r.n) for r in await conn.execute(select(conversation_counts))}
        assert counts == {("open", 2), ("resolved", 1)}
    # Writes after the migration keep the counters (triggers), on both stores.
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE conversations SET status = 'resolved' WHERE id = 1"))
        await conn.execute(text("UPDATE conversations SET status = 'resolved' WHERE id = 3"))  # unchanged
        await conn.execute(text(_CONV), {"id": 4, "key": "k4", "status": "pending"})
    async with engine.connect() as conn:
        counts = {(r.status, r.n) for r in await conn.execute(select(conversation_counts)) if r.n}
        assert counts == {("open", 1), ("resolved", 2), ("pending", 1)}
    async with engine.begin() as conn:
        await conn.run_sync(_to("0003", downgrade=True))
        await conn.run_sync(_to("head"))
    async with engine.connect() as conn:
        assert await _found(conn, "提现") == [1]
        total = (await conn.execute(select(func.sum(conversation_counts.c.n)))).scalar_one()
        assert total == 4


def _diff(connection) -> list:  # noqa: ANN001
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from inbox.store.schema import metadata

    names = ("conversation_counts", "ix_conversations_", "ix_contact_identities_")
    return [d for d in compare_metadata(MigrationContext.configure(connection), metadata)
            if any(n in repr(d) for n in names)]


async def test_the_migrated_schema_matches_the_schema_module(engine) -> None:  # noqa: ANN001
    import warnings

    async with engine.connect() as conn:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLite can't reflect the lower(handle) expression index
            assert await conn.run_sync(_diff) == []
