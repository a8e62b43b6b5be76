"""A webchat connector on a real aiohttp server, for the tests that attack its socket and visitor endpoint."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from connectors.webchat import WebchatConfig, WebchatConnector
from tests.connectors.memory_host import MemoryHost

SECRET = "shared-with-the-wallet-backend"


@dataclass
class Chat:
    connector: WebchatConnector
    host: MemoryHost
    server: TestServer
    http: ClientSession

    def url(self, path: str = "/chat/v1/ws") -> str:
        return str(self.server.make_url(path))


@contextlib.asynccontextmanager
async def serving(**config: object) -> AsyncIterator[Chat]:
    host = MemoryHost()
    connector = WebchatConnector("app-chat", WebchatConfig(type="webchat", identity_secret=SECRET, **config), host)
    await connector.start()
    app = web.Application()
    app.router.add_route("*", "/chat/v1/{tail}", connector.handle_http)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as http:
            yield Chat(connector, host, server, http)
    finally:
        await connector.stop()
        await server.close()
