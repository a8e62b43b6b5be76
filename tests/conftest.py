"""Shared fixtures: a migrated database on SQLite and (same tests) on PostgreSQL.

PostgreSQL comes from $INBOX_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test); each test session works in
a database of its own, dropped at the end. Without a reachable server the PostgreSQL half is skipped, except with
CI=true, where a missing peer fails the run.
"""
from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.store.db import create_engine, upgrade

PG_ADMIN_URL = os.environ.get("INBOX_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_peer(what: str) -> None:
    """Skip locally; fail in CI, where every peer is meant to be there."""
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} not available")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    name = f"inbox_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001 - any failure means: no PostgreSQL here
        yield f"error: {e!r}"
        return
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        asyncio.run(_pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))
    except Exception:  # noqa: BLE001
        pass


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # noqa: ANN001
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    url = request.getfixturevalue("pg_database")
    if url is None or url.startswith("error:"):
        missing_peer(f"PostgreSQL at {PG_ADMIN_URL} ({url})")
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    if eng.dialect.name == "postgresql":
        async with eng.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    await upgrade(eng)
    yield eng
    await eng.dispose()
