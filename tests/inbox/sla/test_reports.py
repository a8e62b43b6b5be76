"""Reports from the rollups, checked against a generated history whose answers this test works out itself from
the generator's facts (plain datetime arithmetic and sorting, not the tracker's business-time code)."""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta, timezone
from zoneinfo import ZoneInfo

from inbox.auth import create_agent
from inbox.events import EventBus
from inbox.sla import reports
from inbox.sla.rollup import bucket, bucket_width
from inbox.sla.tracker import SlaTracker
from tests.inbox.sla.dataset import generate, insert, resolve
from tests.inbox.sla.helpers import policies

ROUND_THE_CLOCK = {"policies": [{"name": "all", "calendar": "24/7", "first_response": "4h", "resolution": "24h"}]}
FROM, TO = date(2026, 10, 1), date(2027, 1, 31)


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


async def _build(engine):  # noqa: ANN001, ANN202
    agent = await create_agent(engine, "ana@example.com", "a long password", "agent")
    facts = await generate(engine, agent.id)
    tracker = SlaTracker(engine, EventBus(), policies(ROUND_THE_CLOCK))
    # Time passes a day per tick; each conversation is resolved (dated then) before the first tick after it.
    pending = sorted((f for f in facts if f.resolved_after is not None), key=lambda f: f.created_at + f.resolved_after)
    arriving = sorted(facts, key=lambda f: f.created_at)
    moment = min(f.created_at for f in facts)
    while moment < max(f.created_at for f in facts) + timedelta(days=4):
        moment += timedelta(days=1)
        while arriving and arriving[0].created_at <= moment:
            await insert(engine, arriving.pop(0))
        while pending and pending[0].created_at + pending[0].resolved_after <= moment:
            await resolve(engine, pending.pop(0))
        await tracker.tick(moment)
    return facts


async def test_volume_first_response_resolution_and_attainment_match_the_facts(engine) -> None:  # noqa: ANN001
    facts = await _build(engine)
    async with engine.connect() as conn:
        by_channel = {r["channel"]: r for r in await reports.volume(conn, FROM, TO, "channel", ZoneInfo("UTC"))}
        by_hour = {r["hour"]: r["total"] for r in await reports.volume(conn, FROM, TO, "hour", ZoneInfo("Asia/Shanghai"))}
        first = await reports.times(conn, FROM, TO, "first_response", "none")
        first_by_team = {r["team"]: r for r in await reports.times(conn, FROM, TO, "first_response", "team")}
        resolution = await reports.times(conn, FROM, TO, "resolution", "none")
    inbound = Counter()
    for f in facts:
        inbound[f.channel] += 1 + f.extra_inbound
    assert {c: r["inbound"] for c, r in by_channel.items()} == dict(inbound)
    assert {c: r["outbound"] for c, r in by_channel.items()} == dict(Counter(f.channel for f in facts))
    # Messages per Beijing hour, worked out from the facts' instants.
    sh = ZoneInfo("Asia/Shanghai")
    hours: Counter = Counter()
    for f in facts:
        hours[f.created_at.astimezone(sh).hour] += 1
        for k in range(f.extra_inbound):
            hours[(f.created_at + timedelta(minutes=1 + k)).astimezone(sh).hour] += 1
        hours[(f.created_at + f.reply_after).astimezone(sh).hour] += 1
    assert by_hour == dict(hours)
    waits = [f.reply_after / timedelta(minutes=1) for f in facts]
    [row] = first
    assert row["count"] == len(facts)
    for key, share in (("median_minutes", 0.5), ("p90_minutes", 0.9)):
        exact = nearest_rank(waits, share)
        assert row[key] - bucket_width(row[key]) < exact <= row[key], (key, exact, row[key])
    assert row["breached"] == sum(w > 240 for w in waits)
    assert row["attainment"] == round(sum(w <= 240 for w in waits) / len(waits), 4)
    for team, line in first_by_team.items():
        mine = [f.reply_after / timedelta(minutes=1) for f in facts if f.team == team]
        assert line["count"] == len(mine) and line["breached"] == sum(w > 240 for w in mine)
    done = [f.resolved_after / timedelta(minutes=1) for f in facts if f.resolved_after is not None]
    [res] = resolution
    assert res["count"] == len(done)
    assert res["breached"] == sum(d > 1440 for d in done)
    exact = nearest_rank(done, 0.5)
    assert res["median_minutes"] - bucket_width(res["median_minutes"]) < exact <= res["median_minutes"]


def test_buckets_hold_their_values() -> None:
    for minutes in (0.2, 1, 1.5, 119.9, 120, 121, 1439, 1441, 5000.5):
        upper = bucket(minutes)
        assert upper - bucket_width(upper) < minutes <= upper or (minutes <= 1 and upper == 1)


async def test_hours_in_a_zone_with_summer_time_match_the_facts(engine) -> None:  # noqa: ANN001
    """New York changes its offset on 2026-11-01, inside the report's range: the hours are shifted row by row."""
    facts = await _build(engine)
    ny = ZoneInfo("America/New_York")
    async with engine.connect() as conn:
        by_hour = {r["hour"]: r["total"] for r in await reports.volume(conn, FROM, TO, "hour", ny)}
        shanghai_days = {r["day"]: r["total"] for r in await reports.volume(conn, FROM, TO, "day", ZoneInfo("Asia/Shanghai"))}
    hours: Counter = Counter()
    days: Counter = Counter()
    for f in facts:
        moments = [f.created_at, *(f.created_at + timedelta(minutes=1 + k) for k in range(f.extra_inbound)),
                   f.created_at + f.reply_after]
        for m in moments:
            hours[m.astimezone(ny).hour] += 1
            days[m.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()] += 1
    assert by_hour == dict(hours)
    assert shanghai_days == dict(days)
