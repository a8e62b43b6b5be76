"""Small statements both SQLite and PostgreSQL need in their own dialect (ON CONFLICT), plus chunked IN lookups."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections import defaultdict
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.store.bulk import CHUNK, chunks, select_in

__all__ = ["CHUNK", "chunks", "insert_ignore", "select_by_pairs", "upsert"]


def _insert(conn: AsyncConnection, table: Table):
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


async def insert_ignore(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(_insert(conn, table).on_conflict_do_nothing(), rows)


async def upsert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]], keys: list[str], update: list[str]) -> None:
    if not rows:
        return
    stmt = _insert(conn, table)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    await conn.execute(stmt, rows)


async def select_by_pairs(
    conn: AsyncConnection, columns: Sequence[Any], first: Column, second: Column, pairs: Iterable[tuple[Any, Any]]
) -> list[tuple]:
    """Rows whose (first, second) is one of `pairs`, as `first = a AND second IN (...)` per distinct `a`: SQLite
    does not use a composite index for a row-value IN list (it scans the table), but does for this form."""
    grouped: dict[Any, set[Any]] = defaultdict(set)
    for a, b in pairs:
        grouped[a].add(b)
    rows: list[tuple] = []
    for a, bs in grouped.items():
        for part in chunks(sorted(bs)):
            rows.extend(await select_in(conn, columns, second, part, where=(first, a)))
    return rows
