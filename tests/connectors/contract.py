"""The contract every connector passes. A connector's test module subclasses `ConnectorContract` (name it
`Test<Type>Contract`) and implements the four peer hooks against its real or wire-faithful peer.

What it pins down: start/run deliver normalized messages with channel, visibility, provider id and thread key;
re-delivery of the same provider message keeps its provider id (so ingest is idempotent); send returns the
provider's id and the peer got the text; bad credentials are an AuthError; stop is safe twice and after a
failed start.
"""
from __future__ import annotations

import abc
import asyncio

import pytest

from connectors.base import AuthError, Connector
from inbox.domain import Channel, InboundMessage, OutboundMessage, Visibility
from tests.connectors.lifecycle import running
from tests.connectors.memory_host import MemoryHost


class ConnectorContract(abc.ABC):
    channel: Channel

    @abc.abstractmethod
    async def make_connector(self, host: MemoryHost, *, bad_credentials: bool = False) -> Connector:
        """A connector wired to this test's peer."""

    @abc.abstractmethod
    async def inject_inbound(self, text: str) -> None:
        """Make the peer hold one new customer message with this text."""

    @abc.abstractmethod
    def outbound_for(self, received: InboundMessage, text: str) -> OutboundMessage:
        """A reply to `received` as the dispatcher would build it."""

    @abc.abstractmethod
    async def sent_texts(self) -> list[str]:
        """Texts the peer received from the connector."""

    # ---- helpers ---------------------------------------------------------------------------------------------

    # ---- the contract ---------------------------------------------------------------------------------------------

    async def test_inbound_is_normalized(self) -> None:
        host = MemoryHost()
        connector = await self.make_connector(host)
        await self.inject_inbound("my deposit has not arrived")
        async with running(connector):
            messages = await host.wait_for(1, timeout=10)
        m = messages[0]
        assert m.connector == connector.name
        assert m.channel == self.channel
        assert isinstance(m.visibility, Visibility)
        assert m.provider_id and m.thread_key
        assert "deposit has not arrived" in m.text
        assert m.sent_at.tzinfo is not None

    async def test_redelivery_keeps_provider_id(self) -> None:
        """A restart without a saved checkpoint may see the message again; its provider id must not change."""
        host = MemoryHost()
        await self.inject_inbound("withdrawal pending for two days")
        first = await self.make_connector(host)
        async with running(first):
            before = await host.wait_for(1, timeout=10)
        fresh = MemoryHost()
        second = await self.make_connector(fresh)
        async with running(second):
            after = await fresh.wait_for(1, timeout=10)
        assert {m.provider_id for m in after} <= {m.provider_id for m in before} | {m.provider_id for m in after}
        assert before[0].provider_id in {m.provider_id for m in after}

    async def test_send_returns_provider_id(self) -> None:
        host = MemoryHost()
        connector = await self.make_connector(host)
        await self.inject_inbound("how do I bind a card")
        async with running(connector):
            [received] = await host.wait_for(1, timeout=10)
            result = await connector.send(self.outbound_for(received, "Go to Settings > Cards. Ticket #10001"))
        assert result.provider_id
        assert any("Go to Settings > Cards" in t for t in await self.sent_texts())

    async def test_bad_credentials_are_auth_error(self) -> None:
        host = MemoryHost()
        connector = await self.make_connector(host, bad_credentials=True)
        with pytest.raises(AuthError):
            await connector.start()
            await asyncio.wait_for(connector.run(), timeout=10)
        await connector.stop()

    async def test_stop_is_idempotent(self) -> None:
        host = MemoryHost()
        connector = await self.make_connector(host)
        await connector.stop()  # before start
        await connector.start()
        await connector.stop()
        await connector.stop()
