"""Email connector speed against a real Dovecot.

1. Backlog import: N mails (default 10,000; a realistic mix of plain, GBK, HTML-only, attachments and replies)
   are put into a fresh Dovecot mailbox, then a connector's first start imports them into a counting sink.
   Prints messages/s from connector start to the last host.deliver.
2. IDLE push latency: with the connector idling, mails are appended one at a time, at random moments, from a
   second IMAP session; latency is APPEND sent -> the mail reaches host.deliver. Prints p50 / p99 / max.

Run: python bench/email_import.py [--count 10000] [--samples 100]
The lead reruns the same measurement through the real pipeline by swapping the sink for the real host.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.email import EmailConfig, EmailConnector
from inbox.domain import InboundMessage
from tests.connectors.email.dovecot import Dovecot


class CountingSink:
    """A MemoryHost-like host that keeps only what the bench needs: ids, arrival times, the checkpoint."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.arrived_at: dict[str, float] = {}
        self.checkpoint: dict[str, str] = {}
        self.event = asyncio.Event()

    async def deliver(self, messages: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None):
        now = time.perf_counter()
        for m in messages:
            if m.provider_id not in self.seen:
                self.seen.add(m.provider_id)
                self.arrived_at[m.provider_id] = now
        if checkpoint:
            self.checkpoint = {**self.checkpoint, **checkpoint}
        self.event.set()
        return list(range(len(messages)))

    async def load_checkpoint(self) -> dict[str, str]:
        return dict(self.checkpoint)

    async def save_checkpoint(self, checkpoint: dict[str, str]) -> None:
        self.checkpoint = {**self.checkpoint, **checkpoint}

    def mark_synced(self, next_allowed_at=None) -> None:
        pass

    def report_problem(self, message: str) -> None:
        print(f"  problem: {message}", file=sys.stderr)

    async def history(self, thread_key: str, limit: int = 50) -> list:
        return []

    async def wait_count(self, count: int, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.seen) < count:
            self.event.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"only {len(self.seen)} of {count} mails arrived")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.event.wait(), remaining)


def sample_mail(i: int) -> bytes:
    kind = i % 5
    head = (f"From: customer{i % 997}@customer.example\r\nTo: support@wallet.example\r\n"
            f"Message-ID: <bench-{i}@customer.example>\r\nDate: Mon, 03 Jun 2024 10:00:00 +0800\r\n")
    if kind == 0:
        return (head + f"Subject: Withdrawal {i} pending\r\n\r\nMy withdrawal {i} is pending since Monday.\r\n"
                * 1).encode()
    if kind == 1:
        return (head + "Subject: =?gb2312?B?s+TWtc60tb3Vyw==?=\r\nContent-Type: text/plain; charset=gb2312\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + f"充值未到账，订单号 {i}，请帮忙查询。\r\n".encode("gbk") * 5
    if kind == 2:
        return (head + f"Subject: Re: Swap failed {i}\r\nIn-Reply-To: <bench-{i - 1}@customer.example>\r\n"
                f"References: <bench-{i - 2}@customer.example> <bench-{i - 1}@customer.example>\r\n"
                "Content-Type: text/html; charset=utf-8\r\n\r\n"
                f"<html><body><p>The swap <b>{i}</b> failed again.</p><script>x()</script>"
                "<blockquote>On Monday support wrote: please retry</blockquote></body></html>\r\n").encode()
    if kind == 3:
        attachment = base64.encodebytes(bytes(range(256)) * 64).replace(b"\n", b"\r\n")  # 16 KB screenshot
        return (head + "Subject: screenshot\r\nMIME-Version: 1.0\r\n"
                'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n'
                f"see attached {i}\r\n--b1\r\nContent-Type: image/png; name=shot.png\r\n"
                "Content-Disposition: attachment; filename=shot.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                ).encode() + attachment + b"--b1--\r\n"
    return (head + f"Subject: KYC question {i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"How long does identity verification take? 身份认证要多久？\r\n\r\nOn Tue, support wrote:\r\n> wait\r\n"
            ).encode()


def config_for(dovecot: Dovecot, idle_recheck: float | None = None) -> EmailConfig:
    return EmailConfig.model_validate({
        "type": "email",
        "imap": {"host": dovecot.host, "port": dovecot.port, "username": dovecot.user,
                 "password": dovecot.password, "security": "none", "poll_interval": 3600,
                 **({"idle_recheck": idle_recheck} if idle_recheck else {})},
        "smtp": {"host": "127.0.0.1", "port": 25, "security": "none", "from_address": "support@wallet.example"},
        "backlog_days": 36500,
    })


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def bench(count: int, samples: int, idle_recheck: float | None) -> None:
    dovecot = Dovecot()
    dovecot.start()
    try:
        t = time.perf_counter()
        await asyncio.to_thread(dovecot.append_many, [sample_mail(i) for i in range(count)])
        print(f"setup: {count} mails appended to Dovecot in {time.perf_counter() - t:.1f} s")

        sink = CountingSink()
        connector = EmailConnector("bench-mail", config_for(dovecot, idle_recheck), sink)  # type: ignore[arg-type]
        started = time.perf_counter()
        await connector.start()
        task = asyncio.create_task(connector.run())
        try:
            await sink.wait_count(count, timeout=600)
            elapsed = max(sink.arrived_at.values()) - started
            print(f"backlog import: {count} mails in {elapsed:.2f} s = {count / elapsed:,.0f} messages/s "
                  f"(rejected {connector.rejected})")

            latencies: list[float] = []
            with dovecot.client() as client:
                await asyncio.sleep(0.5)  # connector is idling now
                for n in range(samples):
                    # mail arrives at a random moment, not in lock-step with the connector's IDLE cycle
                    await asyncio.sleep(random.uniform(0.1, 1.0))
                    mid = f"idle-{n}@customer.example"
                    raw = (f"From: idle@customer.example\r\nMessage-ID: <{mid}>\r\nSubject: ping {n}\r\n\r\n"
                           f"latency sample {n}\r\n").encode()
                    sent = time.perf_counter()
                    await asyncio.to_thread(client.append, "INBOX", raw)
                    await sink.wait_count(count + n + 1, timeout=30)
                    latencies.append(sink.arrived_at[mid] - sent)
            print(f"IDLE push latency over {samples} mails: p50 {pct(latencies, 50) * 1000:.0f} ms, "
                  f"p99 {pct(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
                  f"mean {statistics.mean(latencies) * 1000:.0f} ms")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await connector.stop()
    finally:
        dovecot.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--idle-recheck", type=float, default=None, help="override imap.idle_recheck (seconds)")
    args = parser.parse_args()
    asyncio.run(bench(args.count, args.samples, args.idle_recheck))


if __name__ == "__main__":
    main()
