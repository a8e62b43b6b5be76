"""Migration 0002 (private links bound and hashed): a link stored in clear by 0001 survives as a hash, claimable once,
with an expiry; the upgraded table matches the schema module; down and up again works."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from inbox.store.db import _alembic_config, head_revision
from inbox.store.schema import metadata, private_links


def _to(revision: str, downgrade: bool = False):  # noqa: ANN202
    def run(connection) -> None:  # noqa: ANN001
        cfg = _alembic_config(connection)
        (command.downgrade if downgrade else command.upgrade)(cfg, revision)
    return run


def _private_links_diff(connection) -> list:  # noqa: ANN001
    diff = compare_metadata(MigrationContext.configure(connection), metadata)
    return [d for d in diff if "private_links" in repr(d)]


async def test_0002_is_on_the_way_to_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from inbox.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    chain = [s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions("base", head_revision())]
    assert "0002" in chain and "0001" in chain


async def test_old_clear_tokens_become_hashes_with_an_expiry(engine) -> None:  # noqa: ANN001
    async with engine.begin() as conn:
        await conn.run_sync(_to("0001", downgrade=True))
        await conn.execute(text(
            "INSERT INTO contacts (id, name, attributes, unreachable, created_at) "
            "VALUES (1, 'zoe', '{}', false, '2026-11-20 09:00:00')"))
        await conn.execute(text(
            "INSERT INTO conversations (id, connector, channel, thread_key, visibility, status, priority, contact_id, "
            "message_count, type_reasons, created_at, updated_at, last_message_at) VALUES (1, 'tg', 'telegram', "
            "'group:1:user:zoe', 'public', 'open', 'normal', 1, 1, '[]', '2026-11-20 09:00:00', "
            "'2026-11-20 09:00:00', '2026-11-20 09:00:00')"))
        await conn.execute(text(
            "INSERT INTO private_links (token, conversation_id, created_at) "
            "VALUES ('old-clear-token-1234', 1, '2026-11-20 09:00:00')"))
    async with engine.begin() as conn:
        await conn.run_sync(_to("head"))
    async with engine.connect() as conn:
        row = (await conn.execute(select(private_links))).one()
        assert await conn.run_sync(_private_links_diff) == []
    assert row.token_hash == hashlib.sha256(b"old-clear-token-1234").hexdigest()
    assert "old-clear-token-1234" not in repr(tuple(row))
    assert row.expires_at - row.created_at == timedelta(days=7)
    assert row.for_kind is None and row.bound_kind is None and row.conversation_id == 1
