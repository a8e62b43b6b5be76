"""Benchmark (not a test): how fast polled updates reach host.deliver. Prints its figures.

    python -m tests.connectors.telegram.bench_latency [--messages 200] [--burst 2000]

Latency: per message, the time from the stand-in answering getUpdates to host.deliver receiving it (target: under
a second). Burst: updates queued while the connector was down, ingested after start (updates per second).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence

from connectors.telegram import TelegramConfig, TelegramConnector
from inbox.domain import InboundMessage
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.standin import BotApiStandIn, TgChat, TgUser


class TimingHost(MemoryHost):
    def __init__(self) -> None:
        super().__init__()
        self.delivered_at: dict[str, float] = {}

    async def deliver(
        self, messages: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None
    ) -> list[int | None]:
        now = time.monotonic()
        for m in messages:
            self.delivered_at.setdefault(m.provider_id, now)
        return await super().deliver(messages, checkpoint)


async def latency(count: int) -> list[float]:
    standin = BotApiStandIn()
    await standin.start()
    host = TimingHost()
    connector = TelegramConnector("bench", TelegramConfig(token=standin.token, api_base=standin.base_url), host)
    await connector.start()
    task = asyncio.create_task(connector.run())
    user = TgUser(5000001, "Bench")
    answered: dict[str, float] = {}
    try:
        for n in range(count):
            update = standin.inject_message(TgChat.private(user), user, f"message {n}")
            provider_id = f"{user.id}:{update['message']['message_id']}"
            await host.wait_for(n + 1, timeout=10)
            answered[provider_id] = next(t for t, batch in standin.answered_at if update["update_id"] in batch)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await connector.stop()
        await standin.stop()
    return [host.delivered_at[p] - answered[p] for p in answered]


async def burst(count: int) -> float:
    standin = BotApiStandIn()
    await standin.start()
    users = [TgUser(6000000 + n, f"U{n}") for n in range(50)]
    for n in range(count):
        standin.inject_message(TgChat.private(users[n % 50]), users[n % 50], f"queued {n}")
    host = MemoryHost()
    connector = TelegramConnector("bench", TelegramConfig(token=standin.token, api_base=standin.base_url), host)
    await connector.start()
    started = time.monotonic()
    task = asyncio.create_task(connector.run())
    try:
        await host.wait_for(count, timeout=120)
        elapsed = time.monotonic() - started
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await connector.stop()
        await standin.stop()
    return count / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000)
    args = parser.parse_args()
    samples = sorted(await latency(args.messages))
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(f"telegram getUpdates->deliver latency over {len(samples)} messages: "
          f"median {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
          f"max {samples[-1] * 1000:.1f} ms (target < 1000 ms)")
    rate = await burst(args.burst)
    print(f"telegram backlog ingest: {args.burst} queued updates at {rate:.0f} updates/s")


if __name__ == "__main__":
    asyncio.run(main())
