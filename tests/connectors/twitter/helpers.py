"""Shared bits for the X connector tests: a host that records each delivery, and running a connector for a while."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from inbox.domain import InboundMessage
from tests.connectors.memory_host import MemoryHost
from tests.connectors.lifecycle import running  # noqa: F401 - the helper these tests import from here


@dataclass(frozen=True)
class Delivery:
    provider_ids: tuple[str, ...]
    checkpoint: dict[str, str] | None


class RecordingHost(MemoryHost):
    """MemoryHost that also keeps every deliver() call, so 'repeats nothing' can be checked (MemoryHost dedupes)."""

    def __init__(self) -> None:
        super().__init__()
        self.deliveries: list[Delivery] = []

    async def deliver(
        self, messages: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None
    ) -> list[int | None]:
        self.deliveries.append(Delivery(tuple(m.provider_id for m in messages), checkpoint))
        return await super().deliver(messages, checkpoint)

    def delivered_ids(self) -> list[str]:
        return [pid for d in self.deliveries for pid in d.provider_ids]


async def wait_until(predicate, timeout: float = 5.0, step: float = 0.02) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)
