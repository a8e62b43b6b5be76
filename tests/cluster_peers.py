"""Peers of the multi-process tests: Redis (REDIS_URL, default redis://127.0.0.1:6379/0) and a fresh PostgreSQL
database per test. Locally a missing peer skips; with CI=true it fails (tests.conftest.missing_peer)."""
from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from tests.conftest import PG_ADMIN_URL, _pg_admin, missing_peer

REDIS_URL = os.environ.get("INBOX_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def _redis_ok() -> str | None:
    try:
        import redis.asyncio as redis
    except ImportError as e:
        return f"redis package missing: {e}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
        return None
    except Exception as e:  # noqa: BLE001
        return repr(e)
    finally:
        await client.aclose()


@pytest.fixture
async def redis_url() -> str:
    problem = await _redis_ok()
    if problem:
        missing_peer(f"Redis at {REDIS_URL} ({problem})")
    return REDIS_URL


@pytest.fixture
async def redis_prefix(redis_url: str):  # noqa: ANN201 - an async generator of the prefix
    """A key prefix of this test's own; its keys are deleted afterwards (the server is shared)."""
    from bench.cluster import delete_prefix

    prefix = f"inbox-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    await delete_prefix(redis_url, prefix)


@pytest.fixture
async def pg_url():  # noqa: ANN201 - an async generator of a SQLAlchemy URL
    """A new empty PostgreSQL database for this test, dropped afterwards."""
    name = f"inbox_cluster_{uuid.uuid4().hex[:10]}"
    try:
        await _pg_admin(f'CREATE DATABASE "{name}"')
    except Exception as e:  # noqa: BLE001
        missing_peer(f"PostgreSQL at {PG_ADMIN_URL} ({e!r})")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    for _ in range(3):
        try:
            await _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
            break
        except Exception:  # noqa: BLE001
            await asyncio.sleep(1)
