"""Reports at scale (issue #17): every report must answer in under 1 s over 1,000,000 messages.

Builds a store with N messages (default 1,000,000: conversations of 10 messages over a year, 4 channels, 5 teams,
70% resolved, 30,000 ratings), lets the SLA tracker bring the rollups up to date as `inbox serve` would (timed:
the upkeep rate), then runs each report five times and prints the slowest answer beside the 1 s target. The raw
figure a report without rollups would need is printed too (one GROUP BY over the messages table).

    python -m bench.reports [--messages 1000000] [--db sqlite+aiosqlite:///path.db]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from inbox.events import EventBus
from inbox.sla import reports
from inbox.sla.policy import parse_policy_set
from inbox.sla.tracker import SlaTracker
from inbox.store import db
from inbox.store.schema import agents, contacts, conversations, messages, satisfaction_ratings, teams

TARGET_MS = 1000.0
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
CHANNELS = ("email", "telegram", "twitter", "webchat")
TYPES = ("deposit", "withdrawal", "account_access", "transaction", "payment", "fees", None)
POLICIES = {"calendars": {"beijing": {"timezone": "Asia/Shanghai", "weekly": {"mon-fri": "09:00-18:00"}}},
            "policies": [{"name": "normal", "calendar": "beijing", "first_response": "4h", "next_response": "8h",
                          "resolution": "40h"}]}
CHUNK = 20_000


async def build(engine, n_messages: int) -> None:  # noqa: ANN001
    rng = random.Random(17)
    per = 10
    n_conv = n_messages // per
    async with engine.begin() as conn:
        team_ids = [(await conn.execute(teams.insert().returning(teams.c.id), {"name": f"team-{i}"})).scalar_one()
                    for i in range(5)]
        agent_ids = [(await conn.execute(agents.insert().returning(agents.c.id), {
            "email": f"a{i}@example.com", "name": f"Agent {i}", "role": "agent", "password_hash": "x",
            "team_id": team_ids[i % 5], "active": True, "available": True, "created_at": START})).scalar_one()
            for i in range(20)]
    conv_rows, msg_rows, ratings = [], [], []
    async with engine.begin() as conn:
        await conn.execute(contacts.insert(), {"id": 1, "name": "c", "attributes": {}, "unreachable": False,
                                               "created_at": START})

    async def flush() -> None:
        async with engine.begin() as conn:
            for table, rows in ((conversations, conv_rows), (messages, msg_rows), (satisfaction_ratings, ratings)):
                for i in range(0, len(rows), CHUNK):
                    await conn.execute(table.insert(), rows[i:i + CHUNK])
        for rows in (conv_rows, msg_rows, ratings):
            rows.clear()

    rated = 0
    for cid in range(1, n_conv + 1):
        created = START + timedelta(seconds=rng.randrange(0, 360 * 86400))
        channel, type_, team = rng.choice(CHANNELS), rng.choice(TYPES), rng.choice(team_ids)
        agent = rng.choice(agent_ids)
        at = created
        for k in range(per):
            at += timedelta(minutes=rng.randrange(1, 600))
            msg_rows.append({"conversation_id": cid, "connector": channel, "direction": "inbound" if k % 2 == 0
                             else "outbound", "visibility": "private", "agent_id": None if k % 2 == 0 else agent,
                             "text": "t", "status": "sent", "attachments": [], "findings": [], "flags": [],
                             "created_at": at})
        resolved = rng.random() < 0.7
        done = at + timedelta(minutes=5)
        conv_rows.append({"id": cid, "connector": channel, "channel": channel, "thread_key": f"k{cid}",
                          "visibility": "private", "status": "resolved" if resolved else "open", "type": type_,
                          "type_reasons": [], "priority": "normal", "team_id": team, "assignee_id": agent,
                          "contact_id": 1, "message_count": per, "created_at": created,
                          "updated_at": done if resolved else at, "last_message_at": at,
                          "resolved_at": done if resolved else None})
        if resolved and rated < 30_000:
            rated += 1
            ratings.append({"conversation_id": cid, "score": rng.randint(1, 5), "channel": channel, "type": type_,
                            "team_id": team, "agent_id": agent, "created_at": done})
        if len(msg_rows) >= 100_000:
            await flush()
    await flush()


async def upkeep(engine, now: datetime) -> tuple[float, int]:  # noqa: ANN001
    policy_set = parse_policy_set(POLICIES, "config")

    async def load():  # noqa: ANN202
        return policy_set

    from inbox.sla.tracker import TickResult

    tracker = SlaTracker(engine, EventBus(), load)
    counted, started, last = 0, time.perf_counter(), -1
    while True:  # the reading half of a tick (rollups and clocks); firing the backlog's alerts is not timed here
        result = TickResult()
        await tracker.sync(now, policy_set, result)
        counted += result.counted_messages
        if result.counted_messages == 0 and result.refreshed == last:
            break
        last = result.refreshed
    return time.perf_counter() - started, counted


async def timed(label: str, run) -> float:  # noqa: ANN001
    worst = 0.0
    for _ in range(5):
        started = time.perf_counter()
        await run()
        worst = max(worst, (time.perf_counter() - started) * 1000)
    verdict = "ok" if worst < TARGET_MS else "TOO SLOW"
    print(f"  {label:<44} {worst:8.1f} ms   (target < {TARGET_MS:.0f} ms)  {verdict}")
    return worst


async def main(n_messages: int, url: str | None, reuse: bool = False) -> None:
    directory = tempfile.mkdtemp(prefix="bench-reports-")
    url = url or f"sqlite+aiosqlite:///{Path(directory) / 'inbox.db'}"
    engine = db.create_engine(url)
    await db.upgrade(engine)
    if not reuse:
        started = time.perf_counter()
        await build(engine, n_messages)
        print(f"store: {n_messages:,} messages in {n_messages // 10:,} conversations, built in "
              f"{time.perf_counter() - started:.0f} s ({engine.dialect.name})")
        seconds, counted = await upkeep(engine, START + timedelta(days=400))
        print(f"rollup upkeep by the SLA tracker: {counted:,} messages in {seconds:.1f} s "
              f"({counted / seconds:,.0f} messages/s, clocks of every conversation included)")
    else:
        async with engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(messages))).scalar_one()
        print(f"store: {count:,} messages, built by an earlier run ({url})")
    year = (date(2026, 1, 1), date(2026, 12, 31))
    zone = ZoneInfo("Asia/Shanghai")
    print("reports over the whole year (slowest of 5 runs):")
    worst = 0.0
    async with engine.connect() as conn:
        for by in ("channel", "type", "team", "hour"):
            worst = max(worst, await timed(f"volume by {by}", lambda by=by: reports.volume(conn, *year, by, zone)))
        for metric in ("first_response", "resolution"):
            for by in ("none", "team"):
                worst = max(worst, await timed(f"{metric} median/p90/attainment by {by}",
                                               lambda m=metric, b=by: reports.times(conn, *year, m, b)))
        lo, hi = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 1, tzinfo=timezone.utc)
        for by in ("agent", "team", "type"):
            worst = max(worst, await timed(f"satisfaction by {by}",
                                           lambda b=by: reports.satisfaction(conn, lo, hi, b)))
        started = time.perf_counter()
        await conn.execute(select(messages.c.direction, func.count()).group_by(messages.c.direction))
        raw = (time.perf_counter() - started) * 1000
    print(f"for reference, one GROUP BY over the messages table (what a report without rollups scans): {raw:.0f} ms")
    print(f"slowest report: {worst:.1f} ms; target < {TARGET_MS:.0f} ms: {'met' if worst < TARGET_MS else 'NOT met'}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="time the reports on the store --db names, as built")
    args = parser.parse_args()
    if args.reuse and not args.db:
        parser.error("--reuse needs --db")
    asyncio.run(main(args.messages, args.db, args.reuse))
