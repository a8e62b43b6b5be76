"""The Redis Streams event bus (inbox.cluster.redis_bus) against the real Redis server: events published by one
process reach another's subscribers with their stream id, and a reconnect replays exactly what it missed."""
from __future__ import annotations

import asyncio

import redis.asyncio as redis

from inbox.cluster.redis_bus import RedisEventBus, parse_id
from inbox.events import Event
from tests.cluster_peers import redis_prefix, redis_url  # noqa: F401 - fixtures


def _event(n: int, team: int | None = None) -> Event:
    return Event("message.created", n, team, {"type": "message.created", "conversation_id": n, "n": n})


async def _get(sub, timeout: float = 5.0) -> Event:  # noqa: ANN001
    return await asyncio.wait_for(sub.get(), timeout)


async def test_events_cross_processes_and_replay(redis_url: str, redis_prefix: str) -> None:  # noqa: F811
    a, b = RedisEventBus(redis_url, redis_prefix), RedisEventBus(redis_url, redis_prefix)
    await a.start()
    await b.start()
    try:
        with b.subscribe() as sub_b, a.subscribe() as sub_a:
            a.publish(_event(1, team=7))
            got = await _get(sub_b)
            assert (got.type, got.conversation_id, got.team_id, got.payload["n"]) == ("message.created", 1, 7, 1)
            assert got.payload["event_id"] == (await _get(sub_a)).payload["event_id"]  # one id everywhere
            first = got.payload["event_id"]
            for n in (2, 3, 4):
                b.publish(_event(n))
            ids = [(await _get(sub_a)).payload["event_id"] for _ in range(3)]
        assert [parse_id(i) for i in ids] == sorted(parse_id(i) for i in ids)
        missed = await a.replay(first)
        assert [e.payload["n"] for e in missed] == [2, 3, 4] and [e.payload["event_id"] for e in missed] == ids
        assert await a.replay(ids[-1]) == []
        assert await a.replay("not-an-id") is None and await a.replay("1-2-3") is None
        # Trimmed past the socket's last id: part of what it missed is gone, it must reload.
        client = redis.Redis.from_url(redis_url)
        try:
            await client.xtrim(f"{redis_prefix}:events", maxlen=1, approximate=False)
        finally:
            await client.aclose()
        assert await a.replay(first) is None
        assert await a.replay(ids[-1]) == []  # the oldest entry left: nothing after it is missing
    finally:
        await a.stop()
        await b.stop()


async def test_publish_never_blocks_when_redis_is_gone(redis_prefix: str) -> None:  # noqa: F811
    bus = RedisEventBus("redis://127.0.0.1:1/0", redis_prefix)  # nothing listens on port 1
    bus.publish(_event(1))  # no start, no server: buffered, no exception
    assert len(bus._buffer) == 1
