"""Report rollups: counters added to as the tracker reads messages and completed clocks (see schema.report_*)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.store.schema import report_hourly, report_times, report_volume

# Duration buckets in business minutes: exact minutes up to 2 h, then 5 min up to 24 h, then 1 h. A median or p90
# read from them is off by at most one bucket's width (the report says so in `precision_minutes`).
_STEPS = ((120, 1), (1440, 5), (10**9, 60))


def bucket(minutes: float) -> int:
    """The bucket's upper bound: a time of 3.2 minutes is counted as "within 4 minutes"."""
    value = max(0.0, minutes)
    for limit, step in _STEPS:
        if value <= limit:
            upper = -(-value // step) * step
            return int(max(upper, step if value > 0 else 0))
    return int(value)


def bucket_width(upper: int) -> int:
    for limit, step in _STEPS:
        if upper <= limit:
            return step
    return 60


def _day_hour(moment: datetime) -> tuple[str, int]:
    moment = moment.astimezone(timezone.utc)
    return moment.date().isoformat(), moment.hour


async def add_counts(conn: AsyncConnection, table: Table, counts: Counter, keys: list[str],
                     columns: tuple[str, ...] = ("count",)) -> None:
    """`counts` maps a key tuple to an int (or a tuple of ints, one per column) added to the stored counters."""
    if not counts:
        return
    rows: list[dict[str, Any]] = []
    for key, value in counts.items():
        values = value if isinstance(value, tuple) else (value,)
        rows.append({**dict(zip(keys, key)), **dict(zip(columns, values))})
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    stmt = insert.on_conflict_do_update(index_elements=keys,
                                        set_={c: table.c[c] + insert.excluded[c] for c in columns})
    await conn.execute(stmt, rows)


async def add_volume(conn: AsyncConnection, rows: list[tuple[datetime, str, str | None, int | None, str]]) -> None:
    """rows: (created_at, channel, type, team_id, direction) of new messages."""
    counts: Counter = Counter()
    hourly: Counter = Counter()
    for created_at, channel, type_, team_id, direction in rows:
        day, hour = _day_hour(created_at)
        for dimension, value in _dimensions(channel, type_, team_id):
            counts[(dimension, day, value, direction)] += 1
        hourly[(day, hour, direction)] += 1
    await add_counts(conn, report_volume, counts, ["dimension", "day", "value", "direction"])
    await add_counts(conn, report_hourly, hourly, ["day", "hour", "direction"])


async def add_times(conn: AsyncConnection,
                    rows: list[tuple[datetime, str, str | None, int | None, str, float, bool]]) -> None:
    """rows: (met_at, channel, type, team_id, metric, business minutes, breached) of clocks just completed."""
    counts: dict[tuple, tuple[int, int]] = {}
    for met_at, channel, type_, team_id, metric, minutes, breached in rows:
        for dimension, value in (("all", ""), *_dimensions(channel, type_, team_id)):
            key = (metric, dimension, _day_hour(met_at)[0], value, bucket(minutes))
            count, late = counts.get(key, (0, 0))
            counts[key] = (count + 1, late + int(breached))
    await add_counts(conn, report_times, Counter(counts), ["metric", "dimension", "day", "value", "bucket"],
                     ("count", "breached"))


def _dimensions(channel: str, type_: str | None, team_id: int | None) -> tuple[tuple[str, str], ...]:
    return (("channel", channel), ("type", type_ or ""), ("team", str(team_id) if team_id else ""))
