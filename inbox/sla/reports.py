"""Reports read from the rollups (schema.report_volume, report_times) and the ratings table: a report sums rows
per day and dimension, never scans messages, so its cost doesn't grow with the message count."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.sla.rollup import bucket_width
from inbox.store.schema import agents, report_hourly, report_times, report_volume, satisfaction_ratings, teams

VOLUME_BY = ("channel", "type", "team", "hour", "day", "direction")
TIMES_BY = ("channel", "type", "team", "day", "none")
SATISFACTION_BY = ("agent", "team", "type", "channel", "none")
METRICS = ("first_response", "resolution")


def _fixed_offset_hours(zone: ZoneInfo, start: date, end: date) -> int | None:
    """The zone's offset in whole hours when it is the same on every day of the range (checked daily), else None."""
    offsets = set()
    day = start - timedelta(days=1)
    while day <= end + timedelta(days=1) and len(offsets) < 2:
        offsets.add(datetime.combine(day, datetime.min.time(), tzinfo=zone).utcoffset())
        day += timedelta(days=1)
    if len(offsets) != 1:
        return None
    seconds = next(iter(offsets)).total_seconds()
    return int(seconds // 3600) if seconds % 3600 == 0 else None


def quantile(histogram: list[tuple[int, int]], share: float) -> int | None:
    """Nearest-rank quantile of bucketed values: the upper bound of the bucket holding the rank."""
    total = sum(count for _, count in histogram)
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for upper, count in sorted(histogram):
        seen += count
        if seen >= rank:
            return upper
    return sorted(histogram)[-1][0]


async def _team_names(conn: AsyncConnection) -> dict[int, str]:
    return {r.id: r.name for r in await conn.execute(select(teams.c.id, teams.c.name))}


def _label(dimension: str, value: Any, team_names: dict[int, str]) -> Any:
    if dimension == "team":
        return team_names.get(value) if value else None
    if dimension == "type":
        return value or None
    return value


async def volume(conn: AsyncConnection, start: date, end: date, by: str, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Messages per direction, grouped in SQL by one dimension (hour and day in `zone`)."""
    totals: dict[Any, dict[str, int]] = defaultdict(lambda: {"inbound": 0, "outbound": 0, "note": 0})
    offset = _fixed_offset_hours(zone, start, end)
    names: dict[int, str] = {}
    if by == "hour" and offset is not None:
        # A zone whose offset doesn't change in the range (Asia/Shanghai, UTC): the hours are shifted and summed in
        # SQL, so a year's report reads 24 rows per direction instead of every hour of the year.
        lo = datetime.combine(start, datetime.min.time(), tzinfo=timezone.utc) - timedelta(hours=offset)
        hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc) - timedelta(hours=offset)
        c = report_hourly.c
        local_hour = (c.hour + (offset % 24) + 24) % 24
        rows = await conn.execute(
            select(local_hour, c.direction, func.sum(c.count))
            .where(and_(or_(c.day > lo.date().isoformat(), and_(c.day == lo.date().isoformat(), c.hour >= lo.hour)),
                        or_(c.day < hi.date().isoformat(), and_(c.day == hi.date().isoformat(), c.hour < hi.hour))))
            .group_by(local_hour, c.direction))
        for hour, direction, count in rows:
            totals[int(hour)][direction] = totals[int(hour)].get(direction, 0) + int(count)
    elif by in ("hour", "day"):
        # The UTC days either side too: a local day starts on the UTC day before (east) or after (west).
        rows = await conn.execute(
            select(report_hourly.c.day, report_hourly.c.hour, report_hourly.c.direction,
                   func.sum(report_hourly.c.count))
            .where(and_(report_hourly.c.day >= (start - timedelta(days=1)).isoformat(),
                        report_hourly.c.day <= (end + timedelta(days=1)).isoformat()))
            .group_by(report_hourly.c.day, report_hourly.c.hour, report_hourly.c.direction))
        for day, hour, direction, count in rows:
            local = datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc).astimezone(zone)
            if not start <= local.date() <= end:
                continue
            key = local.hour if by == "hour" else local.date().isoformat()
            totals[key][direction] = totals[key].get(direction, 0) + int(count)
    else:
        rows = await conn.execute(
            select(report_volume.c.value, report_volume.c.direction, func.sum(report_volume.c.count))
            .where(and_(report_volume.c.dimension == ("channel" if by == "direction" else by),
                        report_volume.c.day >= start.isoformat(), report_volume.c.day <= end.isoformat()))
            .group_by(report_volume.c.value, report_volume.c.direction))
        for value, direction, count in rows:
            key = direction if by == "direction" else _key(by, value)
            totals[key][direction] = totals[key].get(direction, 0) + int(count)
        names = await _team_names(conn) if by == "team" else {}
    out = [{by: _label(by, key, names), **counts, "total": sum(counts.values())} for key, counts in totals.items()]
    return sorted(out, key=lambda r: (r[by] is None, r[by] if by == "hour" else str(r[by])))


def _key(dimension: str, value: str) -> Any:
    if value == "":
        return None
    return int(value) if dimension == "team" else value


async def times(conn: AsyncConnection, start: date, end: date, metric: str, by: str) -> list[dict[str, Any]]:
    dimension = {"none": "all", "day": "all"}.get(by, by)
    key_column = report_times.c.day if by == "day" else report_times.c.value
    rows = await conn.execute(
        select(key_column, report_times.c.bucket, func.sum(report_times.c.count), func.sum(report_times.c.breached))
        .where(and_(report_times.c.metric == metric, report_times.c.dimension == dimension,
                    report_times.c.day >= start.isoformat(), report_times.c.day <= end.isoformat()))
        .group_by(key_column, report_times.c.bucket))
    names = await _team_names(conn)
    groups: dict[Any, list[tuple[int, int, int]]] = defaultdict(list)
    for key, upper, count, late in rows:
        groups[key if by == "day" else _key(dimension, key)].append((upper, int(count), int(late)))
    out = []
    for key, items in groups.items():
        histogram = [(upper, count) for upper, count, _ in items]
        count = sum(c for _, c in histogram)
        late = sum(late for _, _, late in items)
        median, p90 = quantile(histogram, 0.5), quantile(histogram, 0.9)
        out.append({by: _label(by, key, names) if by != "none" else None, "count": count,
                    "median_minutes": median, "p90_minutes": p90,
                    "precision_minutes": max(bucket_width(v) for v in (median, p90) if v is not None),
                    "breached": late, "attainment": round((count - late) / count, 4) if count else None})
    return sorted(out, key=lambda r: str(r[by]))


async def satisfaction(conn: AsyncConnection, start: datetime, end: datetime, by: str) -> list[dict[str, Any]]:
    dims = {"agent": satisfaction_ratings.c.agent_id, "team": satisfaction_ratings.c.team_id,
            "type": satisfaction_ratings.c.type, "channel": satisfaction_ratings.c.channel}
    column = dims.get(by)
    counts = [func.count(), func.sum(satisfaction_ratings.c.score)]
    scored = select(*(([column] if column is not None else []) + [satisfaction_ratings.c.score] + counts)).where(
        and_(satisfaction_ratings.c.created_at >= start, satisfaction_ratings.c.created_at < end))
    group = ([column] if column is not None else []) + [satisfaction_ratings.c.score]
    rows = await conn.execute(scored.group_by(*group))
    names = await _team_names(conn)
    agent_names = {r.id: r.name for r in await conn.execute(select(agents.c.id, agents.c.name))} if by == "agent" else {}
    groups: dict[Any, dict[int, int]] = defaultdict(dict)
    for row in rows:
        key = row[0] if column is not None else None
        groups[key][int(row[-3])] = int(row[-2])
    out = []
    for key, scores in groups.items():
        total = sum(scores.values())
        label = agent_names.get(key) if by == "agent" else _label(by, key, names)
        out.append({by: label, **({"agent_id": key} if by == "agent" else {}), "count": total,
                    "average": round(sum(s * c for s, c in scores.items()) / total, 3),
                    "satisfied_share": round(sum(c for s, c in scores.items() if s >= 4) / total, 4),
                    "scores": {str(s): scores.get(s, 0) for s in range(1, 6)}})
    return sorted(out, key=lambda r: str(r[by]))
