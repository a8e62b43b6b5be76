"""The pipeline's hot statements at driver level.

At 1,000-row batches SQLAlchemy's per-row parameter handling (building a dict per row, running it through the
compiled statement's processors) cost more than SQLite spent writing. Here the SQL is a fixed string and each
value goes through the column type's own bind processor (taken from SQLAlchemy, so what is stored is byte for byte
what SQLAlchemy would have stored), then straight to the driver's executemany.

Statements are written with `?` placeholders; PostgreSQL (asyncpg, `$n`) gets them renumbered.
Only statements whose values need no server-side casts belong here: JSON columns on PostgreSQL need SQLAlchemy's
casts, so `insert_returning` is the SQLite path and callers keep SQLAlchemy for PostgreSQL.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import JSON, Column, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")
# IN lists and pages stay well under SQLite's bound-parameter limit on old builds too.
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# SQLite ≥ 3.32 allows 32766 bound parameters per statement (older builds 999: those get small pages).
_SQLITE_MAX_PARAMS = 32766
_PLACEHOLDER = re.compile(r"\?")

Converter = Callable[[Any], Any] | None


@lru_cache(maxsize=128)
def _dialect_sql(sql: str, paramstyle: str) -> str:
    if paramstyle == "qmark":
        return sql
    if paramstyle == "numeric_dollar":
        counter = iter(range(1, 1_000_000))
        return _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)
    raise NotImplementedError(f"paramstyle {paramstyle}")


def converters(dialect: Dialect, table: Table, columns: Sequence[str]) -> list[Converter]:
    """Each column's bind processor for this dialect (None where the driver takes the value as is)."""
    return [_fast(dialect, table.c[name].type) for name in columns]


def _fast(dialect: Dialect, type_: Any) -> Converter:
    """SQLAlchemy's processor, with shortcuts for the two that dominate a message row on SQLite; both produce the
    same text SQLAlchemy would (tests/inbox/store/test_bulk.py compares them)."""
    proc = type_.dialect_impl(dialect).bind_processor(dialect)
    if proc is None or dialect.name != "sqlite":
        return proc
    from inbox.store.schema import UTCDateTime

    if isinstance(type_, UTCDateTime):
        last: list[Any] = [None, None]  # a batch writes one `now` into many rows: convert it once

        def utc_text(value: datetime) -> str:
            if value is last[0]:
                return last[1]
            if value.tzinfo is not timezone.utc:
                return proc(value)  # naive (refused there) or another zone: the full path
            text = "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
            last[0], last[1] = value, text
            return text
        return utc_text
    if isinstance(type_, JSON):
        def json_text(value: Any) -> str:
            return "[]" if value == [] and type(value) is list else proc(value)
        return json_text
    return proc


def _row_function(procs: Sequence[Converter]) -> Callable[[Sequence[Any]], tuple]:
    """One tuple expression per column set (`(r[0], p1(r[1]) if r[1] is not None else None, ...)`): a loop over
    the converters per row cost more than the conversions themselves. Serves bind and result processors alike
    (both give None for None)."""
    env: dict[str, Any] = {}
    parts = []
    for i, proc in enumerate(procs):
        if proc is None:
            parts.append(f"r[{i}]")
        else:
            env[f"p{i}"] = proc
            parts.append(f"(None if r[{i}] is None else p{i}(r[{i}]))")
    return eval(f"lambda r: ({', '.join(parts)},)", env)  # noqa: S307 - built from column positions only


_row_function_cache: dict[tuple[str, str, tuple[str, ...]], Callable[[Sequence[Any]], tuple]] = {}


def convert_rows(dialect: Dialect, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple]:
    key = (dialect.name, table.name, tuple(columns))
    convert = _row_function_cache.get(key)
    if convert is None:
        convert = _row_function_cache[key] = _row_function(converters(dialect, table, columns))
    return [convert(r) for r in rows]


async def executemany(
    conn: AsyncConnection, sql: str, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """`sql` has one `?` per column of `columns`, in that order (types are taken from `table`)."""
    if not rows:
        return
    await conn.exec_driver_sql(_dialect_sql(sql, conn.dialect.paramstyle),
                               convert_rows(conn.dialect, table, columns, rows))


def sqlite_page_rows(columns: int) -> int:
    import sqlite3

    limit = _SQLITE_MAX_PARAMS if sqlite3.sqlite_version_info >= (3, 32) else 999
    return max(1, min(1000, limit // columns))


async def insert_returning(
    conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], returning: Sequence[str]
) -> list[tuple]:
    """SQLite: multi-row INSERT ... RETURNING in pages (sqlite3's executemany cannot return rows)."""
    assert conn.dialect.name == "sqlite", "insert_returning is the SQLite path"
    cols = ", ".join(columns)
    one = "(" + ", ".join("?" * len(columns)) + ")"
    out: list[tuple] = []
    for page in chunks(convert_rows(conn.dialect, table, columns, rows), sqlite_page_rows(len(columns))):
        sql = f"INSERT INTO {table.name} ({cols}) VALUES {', '.join([one] * len(page))} RETURNING {', '.join(returning)}"
        flat = [v for r in page for v in r]
        out.extend(tuple(r) for r in await conn.exec_driver_sql(sql, tuple(flat)))
    return out


_result_function_cache: dict[tuple[str, tuple[Column, ...]], Callable[[Sequence[Any]], tuple]] = {}


def _result_function(dialect: Dialect, columns: Sequence[Column]) -> Callable[[Sequence[Any]], tuple]:
    key = (dialect.name, tuple(columns))
    convert = _result_function_cache.get(key)
    if convert is None:
        convert = _result_function_cache[key] = _row_function([_fast_result(dialect, c.type) for c in columns])
    return convert


def _fast_result(dialect: Dialect, type_: Any) -> Converter:
    """SQLAlchemy's result processor; on SQLite, UTC timestamps (stored as 'YYYY-MM-DD HH:MM:SS.ffffff') are
    parsed by `datetime.fromisoformat`, eight times faster than its regular expression, with it as the fallback."""
    proc = type_.dialect_impl(dialect).result_processor(dialect, None)
    if proc is None or dialect.name != "sqlite":
        return proc
    from inbox.store.schema import UTCDateTime

    if not isinstance(type_, UTCDateTime):
        return proc

    def utc_datetime(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:
                pass
        return proc(value)
    return utc_datetime


async def select_in(
    conn: AsyncConnection, columns: Sequence[Column], column: Column, values: Sequence[Any],
    where: tuple[Column, Any] | None = None,
) -> list[tuple]:
    """`SELECT columns FROM <column's table> WHERE [where[0] = where[1] AND] column IN values`, as tuples with each
    column's result processing applied (the SQLAlchemy statement re-renders an expanding IN on every call)."""
    if not values:
        return []
    head = f"{where[0].name} = ? AND " if where is not None else ""
    sql = (f"SELECT {', '.join(c.name for c in columns)} FROM {column.table.name} "
           f"WHERE {head}{column.name} IN ({', '.join('?' * len(values))})")
    params = (where[1], *values) if where is not None else tuple(values)
    result = await conn.exec_driver_sql(_dialect_sql(sql, conn.dialect.paramstyle), params)
    convert = _result_function(conn.dialect, columns)
    return [convert(r) for r in result]
