"""In-process event bus: the pipeline and the outbox publish, agent websockets subscribe.

A slow subscriber never stalls publishers: its queue is bounded and, when full, it is told to resync.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Event:
    type: str  # message.created | message.updated | conversation.created | conversation.updated | resync
    conversation_id: int | None
    team_id: int | None = None  # the conversation's team, so team-scoped agents only receive their own
    payload: dict[str, object] = field(default_factory=dict)  # JSON-ready body sent as-is to websockets


class Subscription:
    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.overflowed = False

    async def get(self) -> Event:
        return await self.queue.get()

    def close(self) -> None:
        self._bus._subscribers.discard(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()

    def subscribe(self, maxsize: int = 10000) -> Subscription:
        sub = Subscription(self, maxsize)
        self._subscribers.add(sub)
        return sub

    @property
    def has_subscribers(self) -> bool:
        """Publishers may skip building payloads nobody will read (backlog imports, benchmarks, CLI runs)."""
        return bool(self._subscribers)

    def publish(self, event: Event) -> None:
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                # Drop the backlog and ask the client to reload rather than block the pipeline.
                sub.overflowed = True
                while not sub.queue.empty():
                    sub.queue.get_nowait()
                sub.queue.put_nowait(Event("resync", None))

    def publish_many(self, events: list[Event]) -> None:
        for e in events:
            self.publish(e)
