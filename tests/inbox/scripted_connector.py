"""A connector whose outcomes a test scripts: it drives the outbox and supervisor through every error class.
Real connectors are tested against their real (or wire-faithful) peers in tests/connectors/."""
from __future__ import annotations

import asyncio
from collections import deque
from typing import ClassVar

from pydantic import SecretStr

from connectors.base import Connector, ConnectorConfig
from connectors.registry import register
from inbox.domain import OutboundMessage, SendResult, utcnow


class ScriptedConfig(ConnectorConfig):
    type: str = "scripted"
    token: SecretStr = SecretStr("")


@register
class ScriptedConnector(Connector):
    type_name = "scripted"
    config_model = ScriptedConfig
    # Per connector name: what send() does next (an exception to raise, or None for success), what start/run raise.
    send_script: ClassVar[dict[str, deque]] = {}
    start_errors: ClassVar[dict[str, deque]] = {}
    run_errors: ClassVar[dict[str, deque]] = {}
    sent: ClassVar[list[OutboundMessage]] = []
    hidden: ClassVar[list[str]] = []

    async def start(self) -> None:
        errors = self.start_errors.get(self.name)
        if errors:
            raise errors.popleft()

    async def run(self) -> None:
        errors = self.run_errors.get(self.name)
        if errors:
            await asyncio.sleep(0.01)
            raise errors.popleft()

    async def send(self, message: OutboundMessage) -> SendResult:
        script = self.send_script.get(self.name)
        if script:
            outcome = script.popleft()
            if outcome is not None:
                raise outcome
        self.sent.append(message)
        return SendResult(provider_id=f"out-{len(self.sent)}", sent_at=utcnow())

    async def hide_public(self, ref) -> None:  # noqa: ANN001
        self.hidden.append(ref.provider_id)

    def private_link(self, token: str) -> str | None:
        return f"https://example.invalid/start?t={token}"

    @classmethod
    def reset(cls) -> None:
        cls.send_script.clear()
        cls.start_errors.clear()
        cls.run_errors.clear()
        cls.sent.clear()
        cls.hidden.clear()
