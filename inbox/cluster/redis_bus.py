"""The event bus across processes: one Redis Stream every process appends to and reads from.

`publish` stays synchronous (the pipeline and outbox call it after commit): events go into a local buffer that one
task appends with XADD, pipelined. One reader task per process follows the stream with XREAD and hands every entry,
its own included, to this process's subscribers, so all agents on all processes see one order. Each event carries
its stream id as `event_id`; a socket that reconnects with `last_event_id` gets what it missed by XRANGE
(`replay`) instead of a full reload, or `resync` when the stream no longer goes back that far.

Redis down: publishers never block (the buffer is bounded; what overflows is dropped and every subscriber is told to
resync once Redis is back). The stream is trimmed to about `maxlen` entries (MAXLEN ~).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque

from inbox.events import Event, EventBus

log = logging.getLogger(__name__)
MAX_BUFFER = 50_000
REPLAY_LIMIT = 5_000  # more missed than this: a reload is cheaper than replaying


def parse_id(value: str) -> tuple[int, int] | None:
    """A stream id `ms-seq` as a comparable pair; None for anything else (client input)."""
    ms, sep, seq = value.partition("-")
    if not sep or not ms.isdigit() or not seq.isdigit() or len(value) > 40:
        return None
    return int(ms), int(seq)


def _encode(event: Event) -> dict[str, str]:
    return {"e": json.dumps({"type": event.type, "conversation_id": event.conversation_id, "team_id": event.team_id,
                             "payload": event.payload, "at": time.time()}, separators=(",", ":"), default=str)}


def _decode(entry_id: str, fields: dict[str, str]) -> tuple[Event, float]:
    body = json.loads(fields["e"])
    payload = body["payload"]
    if isinstance(payload, dict) and body["type"] != "resync":
        payload = {**payload, "event_id": entry_id}
    return Event(body["type"], body["conversation_id"], body["team_id"], payload), float(body.get("at") or 0)


class RedisEventBus(EventBus):
    def __init__(self, url: str, prefix: str, *, maxlen: int = 100_000) -> None:
        super().__init__()
        import redis.asyncio as redis

        self.key = f"{prefix}:events"
        self.maxlen = maxlen
        self._redis = redis.Redis.from_url(url, decode_responses=True, health_check_interval=30)
        self._reader = redis.Redis.from_url(url, decode_responses=True, socket_timeout=None)
        self._buffer: deque[Event] = deque()
        self._dropped = False
        self._pending = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.last_id = "$"
        self.lag_seconds = 0.0  # publish → delivery here, of the last event read (for /metrics)
        self.delivered = 0

    @property
    def has_subscribers(self) -> bool:
        return True  # another process's agents may be listening

    async def start(self) -> None:
        await self._redis.ping()  # fail at start-up, with the reason, rather than at the first event
        last = await self._redis.xrevrange(self.key, count=1)
        self.last_id = last[0][0] if last else "0-0"
        self._tasks = [asyncio.create_task(self._write(), name="events:xadd"),
                       asyncio.create_task(self._read(), name="events:xread")]

    async def stop(self) -> None:
        for _ in range(50):  # what was published before stopping still goes out (a second at most)
            if not self._buffer:
                break
            await asyncio.sleep(0.02)
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for client in (self._redis, self._reader):
            with contextlib.suppress(Exception):
                await client.aclose()

    def publish(self, event: Event) -> None:
        if len(self._buffer) >= MAX_BUFFER:
            self._dropped = True
            return
        self._buffer.append(event)
        self._pending.set()

    async def _write(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            while self._buffer:
                batch = [self._buffer.popleft() for _ in range(min(len(self._buffer), 500))]
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for event in batch:
                            pipe.xadd(self.key, _encode(event), maxlen=self.maxlen, approximate=True)
                        await pipe.execute()
                except Exception as error:  # noqa: BLE001 - Redis away: keep the events, try again shortly
                    log.warning("events: Redis append failed (%s); retrying", type(error).__name__)
                    self._buffer.extendleft(reversed(batch))
                    await asyncio.sleep(0.5)
                    continue
            if self._dropped:
                self._dropped = False
                self._buffer.append(Event("resync", None))
                self._pending.set()

    async def _read(self) -> None:
        while True:
            try:
                found = await self._reader.xread({self.key: self.last_id}, count=1000, block=5000)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001
                log.warning("events: Redis read failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(0.5)
                continue
            now = time.time()
            for _stream, entries in found or ():
                for entry_id, fields in entries:
                    self.last_id = entry_id
                    try:
                        event, at = _decode(entry_id, fields)
                    except (ValueError, KeyError, TypeError):
                        log.warning("events: unreadable stream entry %s skipped", entry_id)
                        continue
                    self.lag_seconds = max(0.0, now - at) if at else 0.0
                    self.delivered += 1
                    super().publish(event)

    async def replay(self, after: str) -> list[Event] | None:
        """Events after `after` (a stream id a socket received), oldest first; None: too old or too many."""
        mark = parse_id(after)
        if mark is None:
            return None
        if await self._trimmed_after(mark):
            return None  # part of what it missed is gone: it must reload
        entries = await self._redis.xrange(self.key, min=f"({after}", count=REPLAY_LIMIT + 1)
        if len(entries) > REPLAY_LIMIT:
            return None
        out: list[Event] = []
        for entry_id, fields in entries:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                out.append(_decode(entry_id, fields)[0])
        return out

    async def _trimmed_after(self, mark: tuple[int, int]) -> bool:
        """Whether an entry newer than `mark` may be gone: deleted (Redis 7 keeps the newest deleted id; trimming
        does not set it), or the oldest entry left is newer than the mark (then the one right after the mark may
        have been trimmed; a reload is the safe answer)."""
        try:
            info = await self._redis.xinfo_stream(self.key)
        except Exception:  # noqa: BLE001 - no stream yet: nothing was ever trimmed
            return False
        deleted = parse_id(str(info.get("max-deleted-entry-id") or "0-0")) or (0, 0)
        first = info.get("first-entry")
        oldest = parse_id(first[0]) if first else None
        return deleted > mark or (oldest is not None and oldest > mark)
