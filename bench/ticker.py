"""A connector with a real receive loop and a stored cursor, for the multi-process tests and `bench.soak`.

Its "provider" is a counter: message n of the loop is `tick-n`, delivered together with the checkpoint n (the same
transaction), so whichever process holds the lease resumes from the stored cursor and the numbers stored must be
1..N without a gap or a repeat. Its sends are appended, one line each (O_APPEND), to `sent_log`, so a reply sent
twice shows as a repeated line. Like email, Telegram and X it cannot take a reply twice (redelivery_safe False).
"""
from __future__ import annotations

import asyncio
import json
import os

from pydantic import Field

from connectors.base import Connector, ConnectorConfig
from connectors.registry import register
from inbox.domain import Channel, ContactIdentity, IdentityKind, InboundMessage, OutboundMessage, SendResult, \
    Visibility, utcnow


class TickerConfig(ConnectorConfig):
    type: str = "ticker"
    interval: float = Field(0.2, gt=0)
    threads: int = Field(5, ge=1)
    sent_log: str | None = None
    limit: int = Field(0, ge=0)  # stop producing after this many (0: no end)


@register
class TickerConnector(Connector):
    type_name = "ticker"
    config_model = TickerConfig
    config: TickerConfig

    async def run(self) -> None:
        n = int((await self.host.load_checkpoint()).get("n", "0"))
        while not self.config.limit or n < self.config.limit:
            n += 1
            user = f"t{n % self.config.threads}"
            message = InboundMessage(
                connector=self.name, channel=Channel.TELEGRAM, provider_id=f"tick-{n}", thread_key=f"tick:{user}",
                visibility=Visibility.PRIVATE, sender=ContactIdentity(IdentityKind.TELEGRAM, user, f"Ticker {user}"),
                text=f"tick {n}", sent_at=utcnow())
            await self.host.deliver([message], checkpoint={"n": str(n)})
            self.host.mark_synced()
            await asyncio.sleep(self.config.interval)
        await asyncio.Event().wait()

    async def send(self, message: OutboundMessage) -> SendResult:
        if self.config.sent_log:
            line = json.dumps({"key": message.idempotency_key, "message_id": message.message_id,
                               "pid": os.getpid()}) + "\n"
            fd = os.open(self.config.sent_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        return SendResult(provider_id=f"ticker-out:{message.idempotency_key}", sent_at=utcnow())
