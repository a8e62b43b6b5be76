"""In-app chat replies across processes: a worker sends, the customer's socket is open on some web process.

The in-app chat connector pushes a reply to the sockets it has, then calls its host's `relay`, which publishes the
frame on a Redis pub/sub channel; every process hands it to its own connector of that name. Pub/sub, not a stream:
a customer who is not connected anywhere sees the reply in the history their next socket gets. A failed publish
raises, so the outbox retries (the chat dedupes frames by message id).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from connectors.base import TransientError

log = logging.getLogger(__name__)


class ChatRelay:
    def __init__(self, url: str, prefix: str, process: str, connector: Callable[[str], Any]) -> None:
        import redis.asyncio as redis

        self.channel = f"{prefix}:chat"
        self.process = process
        self.connector = connector  # name -> the connector object running here (or None)
        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def relay_for(self, name: str) -> Callable[[str, dict[str, object]], Awaitable[None]]:
        async def relay(thread_key: str, frame: dict[str, object]) -> None:
            body = json.dumps({"from": self.process, "connector": name, "thread_key": thread_key, "frame": frame},
                              default=str)
            try:
                await self._redis.publish(self.channel, body)
            except Exception as error:  # noqa: BLE001 - the outbox retries it
                raise TransientError(f"chat relay unavailable ({type(error).__name__})") from None

        return relay

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="chat-relay")
        await asyncio.wait_for(self._ready.wait(), 10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._redis.aclose()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            await self._deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001
                log.warning("chat relay: Redis subscription failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(0.5)

    async def _deliver(self, data: str) -> None:
        try:
            body = json.loads(data)
            if body["from"] == self.process:
                return  # pushed to this process's sockets before publishing
            connector = self.connector(str(body["connector"]))
            if connector is not None and hasattr(connector, "push"):
                await connector.push(str(body["thread_key"]), body["frame"])
        except (ValueError, KeyError, TypeError):
            log.warning("chat relay: unreadable frame skipped")
