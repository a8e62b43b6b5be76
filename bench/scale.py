"""Lists, counts and search at scale (issue #15): builds N messages through the real pipeline, then prints, per
query, p50/p95 through the agent API (the app `inbox serve` runs, over HTTP, as an agent of a team) beside a floor:
the same lookup done directly on the index or counter it uses, through the same driver. And the index's size.

    python -m bench.scale [--messages 1000000] [--store sqlite|postgresql] [--repeat 40] [--keep DIR]

The data: chat conversations of 5 messages on average (an eighth from email identities), Chinese and English
wallet-support phrasing where 提现 is in about a sixth of the messages and a rare English word in 1 of 20,000;
then, as agents would over months, half the conversations resolved, a third assigned, half routed to two teams
(plain UPDATEs: the counters follow through their triggers). PostgreSQL: $INBOX_BENCH_PG (default the test server's
`postgresql://postgres@127.0.0.1:5432/test`), in a database of its own, dropped at the end unless --keep.
Target: p95 < 50 ms for every query at 1,000,000 messages on both stores.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from inbox.domain import Channel, ContactIdentity, IdentityKind, InboundMessage, Visibility

ZH = ["我的提现一直显示处理中，已经两天了", "充值没有到账，请帮我查一下", "账户被冻结了怎么办", "转账失败但是钱被扣了",
      "登录的时候一直提示验证码错误", "手续费为什么收了两次"]
EN = ["My deposit has not arrived after 2 hours", "How do I bind a new bank card?",
      "Why was I charged a fee twice for one transfer?", "withdrawal pending since yesterday, please check",
      "I can't log in, the SMS code never comes", "the app says my payment failed but money is gone"]
RARE = "escrowed"  # a real word, in 1 of RARE_EVERY messages
RARE_EVERY = 20_000
TARGET_MS = 50.0


def _mix(i: int) -> int:
    """A fixed pseudo-random number per message index (splitmix64), so any slice can be generated on its own."""
    z = (i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def make_messages(lo: int, hi: int, conversations: int) -> list[InboundMessage]:
    t0 = datetime(2026, 6, 1, tzinfo=timezone.utc)
    out = []
    for i in range(lo, hi):
        r = _mix(i)
        c = r % conversations
        email = c % 8 == 0
        sender = ContactIdentity(IdentityKind.EMAIL, f"customer{c}@example.com", f"Customer {c}") if email else \
            ContactIdentity(IdentityKind.APP, f"user{c}", f"User {c}")
        text = (ZH if i % 2 else EN)[(r >> 32) % 6] + f" (order {(r >> 40) % 10**6})"
        if i % RARE_EVERY == RARE_EVERY // 2:
            text += f" — funds {RARE} by the merchant"
        out.append(InboundMessage(
            connector="app-chat", channel=Channel.WEBCHAT, provider_id=f"m{i}", thread_key=f"app:{c}",
            visibility=Visibility.PRIVATE, sender=sender, text=text, sent_at=t0 + timedelta(seconds=i * 10)))
    return out


async def build(url: str, n: int, conversations: int, batch: int) -> float:
    """Through the pipeline (dedupe → contact → thread → persist with the index), batch by batch; msg/s."""
    from inbox.config import InboxSettings
    from inbox.events import EventBus
    from inbox.pipeline.core import Pipeline
    from inbox.store.db import create_engine, upgrade

    engine = create_engine(url)
    await upgrade(engine)
    p = Pipeline(engine, EventBus(), [], InboxSettings(batch_size=batch))
    await p.start()
    elapsed, step = 0.0, 100_000
    for lo in range(0, n, step):  # generated in slices: 1M InboundMessages at once is gigabytes
        msgs = make_messages(lo, min(n, lo + step), conversations)
        start = time.perf_counter()
        await asyncio.gather(*(p.ingest(msgs[i : i + batch]) for i in range(0, len(msgs), batch)))
        elapsed += time.perf_counter() - start
        print(f"  built {lo + len(msgs):,}/{n:,} messages ({(lo + len(msgs)) / elapsed:,.0f} msg/s)", flush=True)
    await p.stop()
    await engine.dispose()
    return n / elapsed


async def agent_work(url: str, conversations: int) -> None:
    """Months of agents' work in a few statements: resolved, assigned, routed to teams."""
    from sqlalchemy import text

    from inbox.auth import create_agent
    from inbox.store.db import create_engine

    engine = create_engine(url)
    red = await create_agent(engine, "red@example.com", "bench-password", "agent", team="red")
    await create_agent(engine, "blue@example.com", "bench-password", "agent", team="blue")
    async with engine.begin() as conn:
        teams = dict((await conn.execute(text("SELECT name, id FROM teams"))).all())
        await conn.execute(text("UPDATE conversations SET status = 'resolved' WHERE id % 2 = 0"))
        await conn.execute(text("UPDATE conversations SET assignee_id = :a WHERE id % 3 = 0"), {"a": red.id})
        await conn.execute(text("UPDATE conversations SET team_id = :t WHERE id % 4 = 1"), {"t": teams["red"]})
        await conn.execute(text("UPDATE conversations SET team_id = :t WHERE id % 4 = 3"), {"t": teams["blue"]})
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def _timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float]:
    await fn()  # warm
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


async def measure(url: str, repeat: int) -> tuple[list[tuple[str, float, float, float, float]], int]:
    from aiohttp import ClientSession
    from aiohttp.test_utils import TestServer
    from sqlalchemy import text

    from inbox.app import build_app
    from inbox.config import DatabaseSettings, Settings
    from inbox.store.db import create_engine
    from inbox.store.search import FTS_TABLE, PG_TABLE, index_size_bytes, match_param
    from inbox.store.search_tokens import parse_query

    engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        ticket_id = (await conn.execute(text("SELECT max(id) FROM conversations"))).scalar_one() // 2
        index_bytes = await index_size_bytes(conn)
    email = "customer800@example.com"
    since = "2026-06-02T00:00:00+00:00"

    def search_floor(q: str) -> Callable[[], Awaitable[Any]]:
        m = match_param(engine.dialect.name, parse_query(q))
        sql = (f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m ORDER BY rowid DESC LIMIT 50" if sqlite
               else f"SELECT message_id FROM {PG_TABLE} WHERE tsv @@ CAST(:m AS tsquery) "
                    "ORDER BY message_id DESC LIMIT 50")
        return lambda: _sql(engine, sql, {"m": m})

    page = ("SELECT id FROM conversations WHERE status = 'open' {extra} "
            "ORDER BY last_message_at DESC, id DESC LIMIT 50")
    cases: list[tuple[str, dict[str, str], Callable[[], Awaitable[Any]]]] = [
        ("open conversations, first page", {"status": "open"}, lambda: _sql(engine, page.format(extra=""), {})),
        ("sidebar counts", {}, lambda: _sql(engine, "SELECT team_key, assignee_key, n FROM conversation_counts "
                                                    "WHERE status = 'open'", {})),
        ("unassigned view", {"status": "open", "view": "unassigned"},
         lambda: _sql(engine, page.format(extra="AND assignee_id IS NULL"), {})),
        ("search 提现", {"status": "open", "q": "提现"}, search_floor("提现")),
        (f"search rare word ({RARE})", {"status": "open", "q": RARE}, search_floor(RARE)),
        ("search #ticket", {"q": f"#{ticket_id + 10000}"},
         lambda: _sql(engine, "SELECT id FROM conversations WHERE id = :i", {"i": ticket_id})),
        ("search contact email", {"q": email},
         lambda: _sql(engine, "SELECT contact_id FROM contact_identities WHERE value = :v", {"v": email})),
        ("search 提现 + filters", {"q": "提现", "status": "resolved", "view": "mine", "channel": "webchat",
                                  "since": since}, search_floor("提现")),
    ]
    app = build_app(Settings(source="bench", database=DatabaseSettings(url=url)))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    results = []
    try:
        async with ClientSession(base_url=str(server.make_url(""))) as http:
            async with http.post("/api/v1/auth/login", json={"email": "red@example.com",
                                                             "password": "bench-password"}) as r:
                auth = {"Authorization": f"Bearer {(await r.json())['token']}"}
            for name, params, floor in cases:
                path = "/api/v1/conversations/counts" if name == "sidebar counts" else "/api/v1/conversations"

                async def call(path: str = path, params: dict[str, str] = params) -> None:
                    async with http.get(path, params=params, headers=auth) as r:
                        assert r.status == 200, await r.text()
                        await r.read()
                api = await _timed(call, repeat)
                direct = await _timed(floor, repeat)
                results.append((name, *api, *direct))
    finally:
        await server.close()
        await engine.dispose()
    return results, index_bytes


async def _sql(engine: Any, sql: str, params: dict[str, Any]) -> None:
    from sqlalchemy import text

    async with engine.connect() as conn:
        (await conn.execute(text(sql), params)).all()


def report(store: str, n: int, rate: float, results: list[tuple[str, float, float, float, float]],
           index_bytes: int) -> str:
    lines = [f"bench.scale: {n:,} messages on {store}; built through the pipeline at {rate:,.0f} msg/s "
             f"(index kept); search index {index_bytes / 2**20:,.1f} MiB",
             f"{'query':34} {'API p50':>9} {'API p95':>9} {'floor p50':>10} {'floor p95':>10}  target p95 < 50 ms"]
    for name, p50, p95, f50, f95 in results:
        lines.append(f"{name:34} {p50:8.1f}ms {p95:8.1f}ms {f50:9.1f}ms {f95:9.1f}ms  "
                     f"{'ok' if p95 < TARGET_MS else 'MISSED'}")
    return "\n".join(lines)


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(os.environ.get("INBOX_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run(store: str, n: int, conversations: int, batch: int, repeat: int, keep: str | None) -> str:
    scratch = None
    if store == "sqlite":
        scratch = None if keep else tempfile.TemporaryDirectory()
        url = f"sqlite+aiosqlite:///{keep or scratch.name}/scale.db"
        dbname = None
    else:
        dbname = f"inbox_scale_{uuid.uuid4().hex[:8]}"
        await _pg_admin(f'CREATE DATABASE "{dbname}"')
        base = os.environ.get("INBOX_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]
        url = f"{base}/{dbname}".replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        rate = await build(url, n, conversations, batch)
        await agent_work(url, conversations)
        results, index_bytes = await measure(url, repeat)
        return report(store, n, rate, results, index_bytes)
    finally:
        if dbname and not keep:
            await _pg_admin(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        if scratch is not None:
            scratch.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--conversations", type=int, default=0, help="default: messages / 5")
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--keep", help="SQLite: a directory to build in and keep; PostgreSQL: keep the database")
    args = ap.parse_args()
    print(asyncio.run(run(args.store, args.messages, args.conversations or max(1, args.messages // 5), args.batch,
                          args.repeat, args.keep)))


if __name__ == "__main__":
    main()
