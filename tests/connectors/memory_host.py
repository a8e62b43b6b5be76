"""An in-memory ConnectorHost: what the contract suite and connector unit tests hand a connector."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from inbox.domain import InboundMessage


@dataclass
class StoredItem:
    id: int
    text: str
    direction: str
    created_at: datetime
    provider_id: str | None


class MemoryHost:
    def __init__(self) -> None:
        self.messages: list[InboundMessage] = []
        self._ids: dict[tuple[str, str], int] = {}
        self.checkpoint: dict[str, str] = {}
        self.synced = 0
        self.next_allowed_at: datetime | None = None
        self.problems: list[str] = []
        self._arrived = asyncio.Condition()

    async def deliver(
        self, messages: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None
    ) -> list[int | None]:
        ids: list[int | None] = []
        for m in messages:
            key = (m.connector, m.provider_id)
            if key not in self._ids:
                self._ids[key] = len(self._ids) + 1
                self.messages.append(m)
            ids.append(self._ids[key])
        if checkpoint is not None:
            self.checkpoint = {**self.checkpoint, **checkpoint}
        async with self._arrived:
            self._arrived.notify_all()
        return ids

    async def load_checkpoint(self) -> dict[str, str]:
        return dict(self.checkpoint)

    async def save_checkpoint(self, checkpoint: dict[str, str]) -> None:
        self.checkpoint = {**self.checkpoint, **checkpoint}

    def mark_synced(self, next_allowed_at: datetime | None = None) -> None:
        self.synced += 1
        self.next_allowed_at = next_allowed_at

    def report_problem(self, message: str) -> None:
        self.problems.append(message)

    async def history(self, thread_key: str, limit: int = 50) -> list[StoredItem]:
        items = [
            StoredItem(self._ids[(m.connector, m.provider_id)], m.text, "inbound", m.sent_at, m.provider_id)
            for m in self.messages
            if m.thread_key == thread_key
        ]
        return items[-limit:]

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[InboundMessage]:
        """Wait until at least `count` distinct messages arrived; fail loudly on timeout."""
        async def _enough() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.messages) >= count)

        await asyncio.wait_for(_enough(), timeout)
        return list(self.messages)
