"""The in-app chat connector against a real aiohttp server and websocket client (no peer to fake: it is ours)."""
from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from connectors.base import Connector
from connectors.webchat import WebchatConfig, WebchatConnector
from connectors.webchat.identity import user_hash
from inbox.domain import Channel, InboundMessage, OutboundMessage, Visibility
from tests.connectors.contract import ConnectorContract
from tests.connectors.memory_host import MemoryHost

SECRET = "shared-with-the-wallet-backend"


class TestWebchatContract(ConnectorContract):
    channel = Channel.WEBCHAT

    @pytest.fixture(autouse=True)
    async def _peers(self):  # noqa: ANN202
        self.frames: list[tuple[str, str]] = []  # (text, client_id) the customer sends
        self.received: list[str] = []  # what the customer's socket got from agents
        self._tasks: list[asyncio.Task] = []
        self._servers: list[TestServer] = []
        yield
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            await server.close()

    async def make_connector(self, host: MemoryHost, *, bad_credentials: bool = False) -> Connector:
        connector = WebchatConnector("app-chat", WebchatConfig(type="webchat", identity_secret=SECRET), host)
        app = web.Application()
        app.router.add_route("*", "/chat/v1/{tail}", connector.handle_http)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        self._servers.append(server)
        self._tasks.append(asyncio.create_task(self._customer(server, bad_credentials)))
        return connector

    async def _customer(self, server: TestServer, bad: bool) -> None:
        digest = "0" * 64 if bad else user_hash(SECRET, "alice")
        async with ClientSession() as http:
            while True:  # the connector may not have started yet: like an app, retry until it answers
                try:
                    ws = await http.ws_connect(server.make_url(f"/chat/v1/ws?user_id=alice&user_hash={digest}"))
                    break
                except Exception:  # noqa: BLE001
                    await asyncio.sleep(0.05)
            sent = 0
            async with ws:
                while True:
                    while sent < len(self.frames):
                        text, client_id = self.frames[sent]
                        await ws.send_json({"type": "message", "text": text, "client_id": client_id})
                        sent += 1
                    with contextlib.suppress(asyncio.TimeoutError):
                        frame = await ws.receive_json(timeout=0.05)
                        if frame.get("type") == "message":
                            self.received.append(frame["text"])

    async def inject_inbound(self, text: str) -> None:
        self.frames.append((text, str(uuid.uuid4())))

    def outbound_for(self, received: InboundMessage, text: str) -> OutboundMessage:
        return OutboundMessage(
            idempotency_key=uuid.uuid4().hex, connector=received.connector, channel=Channel.WEBCHAT,
            thread_key=received.thread_key, visibility=Visibility.PRIVATE, recipient=received.sender, text=text,
            ticket="#10001", message_id=7,
        )

    async def sent_texts(self) -> list[str]:
        for _ in range(100):
            if self.received:
                break
            await asyncio.sleep(0.02)
        return self.received

    async def test_bad_credentials_are_auth_error(self) -> None:
        """The chat has no credentials of its own to lose; its equivalent: a wrong user_hash is refused (403)
        before anything is stored."""
        host = MemoryHost()
        connector = WebchatConnector("app-chat", WebchatConfig(type="webchat", identity_secret=SECRET), host)
        await connector.start()
        app = web.Application()
        app.router.add_route("*", "/chat/v1/{tail}", connector.handle_http)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            async with ClientSession() as http:
                async with http.get(server.make_url("/chat/v1/ws?user_id=alice&user_hash=" + "0" * 64)) as r:
                    assert r.status == 403
        finally:
            await server.close()
            await connector.stop()
        assert host.messages == []
