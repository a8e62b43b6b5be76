"""Two processes storing the first messages of one new thread at once must create one conversation, not two.

On PostgreSQL every ingest transaction first takes transaction-scoped advisory locks on the thread keys and senders
it is about to look up (hashed into STRIPES stripes, taken in ascending order so two batches never deadlock). The
second process then waits until the first commits and, reading committed data from then on (READ COMMITTED), finds
the conversation and thread links the first created. A collision of two unrelated keys in one stripe only makes
them wait for each other. SQLite has a single writer: nothing to do.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import BigInteger

from inbox.domain import InboundMessage

STRIPES = 1024  # bounded: PostgreSQL's shared lock table holds max_locks_per_transaction * max_connections locks
_NAMESPACE = 0x1B0C << 32  # keeps these apart from connector leases (full 64-bit hashes)


def stripe(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return _NAMESPACE + int.from_bytes(digest, "big") % STRIPES


def keys_for(messages: Sequence[InboundMessage]) -> list[int]:
    keys: set[int] = set()
    for m in messages:
        for k in (m.thread_key, *m.thread_hints):
            keys.add(stripe("thread", m.connector, k))
        keys.add(stripe("sender", m.sender.kind.value, m.sender.value))
    return sorted(keys)


async def lock_threads(conn: AsyncConnection, messages: Sequence[InboundMessage]) -> None:
    if conn.dialect.name != "postgresql" or not messages:
        return
    stmt = text("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(:keys) AS k ORDER BY 1) AS ordered").bindparams(
        bindparam("keys", type_=ARRAY(BigInteger())))
    await conn.execute(stmt, {"keys": keys_for(messages)})


async def lock_round_robin(conn: AsyncConnection, team_id: int) -> None:
    """Round-robin assignment, one transaction at a time until it commits. One key for every team: a batch that
    assigns in two teams takes it once, so two batches can never wait for each other's team locks."""
    if conn.dialect.name != "postgresql":
        return
    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ROUND_ROBIN_KEY})


_ROUND_ROBIN_KEY = (0x1B0D << 32) + 1  # outside the stripes' namespace
