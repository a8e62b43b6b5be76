"""Webhook mode: setWebhook at start, the server routes POST /webhooks/telegram/<name> to handle_http."""
from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from connectors.base import PermanentError
from connectors.telegram import TelegramConnector
from inbox.domain import InboundMessage, Visibility
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.conftest import ALICE, BOB, GROUP
from tests.connectors.telegram.standin import TgChat

SECRET = "wh_Secret-0123456789abcdef"


class FlakyHost(MemoryHost):
    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.failures = failures

    async def deliver(
        self, messages: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None
    ) -> list[int | None]:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database unavailable")
        return await super().deliver(messages, checkpoint)


@pytest.fixture
async def webhook_server():
    """The lead's routing in miniature: POST /webhooks/telegram/<name> -> connector.handle_http."""
    connectors: dict[str, TelegramConnector] = {}

    async def route(request: web.Request) -> web.StreamResponse:
        connector = connectors.get(request.match_info["name"])
        if connector is None:
            raise web.HTTPNotFound()
        return await connector.handle_http(request)

    app = web.Application()
    app.router.add_route("*", "/webhooks/telegram/{name}", route)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, connectors
    await server.close()


async def webhook_connector(standin, make_connector, webhook_server, host) -> TelegramConnector:
    server, connectors = webhook_server
    connector = make_connector(host, mode="webhook", webhook_secret=SECRET,
                               webhook_url=str(server.make_url("/webhooks/telegram/wallet-bot")))
    connectors["wallet-bot"] = connector
    await connector.start()
    return connector


async def test_start_registers_the_webhook_with_its_secret(standin, make_connector, webhook_server) -> None:
    connector = await webhook_connector(standin, make_connector, webhook_server, MemoryHost())
    try:
        assert standin.webhook is not None
        assert standin.webhook.url.endswith("/webhooks/telegram/wallet-bot")
        assert standin.webhook.secret_token == SECRET
        await connector.run()  # push-only: returns at once
    finally:
        await connector.stop()


async def test_pushed_updates_are_delivered_then_acknowledged(standin, make_connector, webhook_server) -> None:
    host = MemoryHost()
    connector = await webhook_connector(standin, make_connector, webhook_server, host)
    standin.inject_message(TgChat.private(ALICE), ALICE, "where is my deposit")
    standin.inject_join(GROUP, BOB)
    standin.inject_message(GROUP, BOB, "withdrawal rejected?")
    standin.inject({"message": "junk"})
    async with aiohttp.ClientSession() as session:
        statuses = await standin.push_webhook(session)
    await connector.stop()
    assert statuses == [200, 200, 200, 200]
    assert [(m.text, m.visibility) for m in host.messages] == [
        ("where is my deposit", Visibility.PRIVATE), ("withdrawal rejected?", Visibility.PUBLIC)]
    assert standin.pending == []


async def test_wrong_secret_is_refused_and_not_logged(standin, make_connector, webhook_server, caplog) -> None:
    host = MemoryHost()
    connector = await webhook_connector(standin, make_connector, webhook_server, host)
    standin.inject_message(TgChat.private(ALICE), ALICE, "hello")
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as session:
        wrong = await standin.push_webhook(session, secret="not-the-secret")
        missing = await session.post(str(webhook_server[0].make_url("/webhooks/telegram/wallet-bot")), json={})
    await connector.stop()
    assert wrong == [403] and missing.status == 403
    assert host.messages == []
    assert "refused" in caplog.text
    assert SECRET not in caplog.text and "not-the-secret" not in caplog.text


async def test_storage_failure_answers_500_so_telegram_retries(standin, make_connector, webhook_server) -> None:
    host = FlakyHost(failures=1)
    connector = await webhook_connector(standin, make_connector, webhook_server, host)
    standin.inject_message(TgChat.private(ALICE), ALICE, "do not lose me")
    async with aiohttp.ClientSession() as session:
        first = await standin.push_webhook(session)
        second = await standin.push_webhook(session)
    await connector.stop()
    assert first == [500] and second == [200]
    assert [m.text for m in host.messages] == ["do not lose me"]


async def test_body_that_is_not_json_is_skipped(standin, make_connector, webhook_server) -> None:
    host = MemoryHost()
    connector = await webhook_connector(standin, make_connector, webhook_server, host)
    async with aiohttp.ClientSession() as session:
        response = await session.post(str(webhook_server[0].make_url("/webhooks/telegram/wallet-bot")),
                                      data=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    await connector.stop()
    assert response.status == 200 and host.messages == [] and host.problems


async def test_polling_connector_has_no_webhook_endpoint(standin, make_connector, webhook_server) -> None:
    server, connectors = webhook_server
    connectors["wallet-bot"] = make_connector(MemoryHost())
    async with aiohttp.ClientSession() as session:
        response = await session.post(str(server.make_url("/webhooks/telegram/wallet-bot")), json={})
    assert response.status == 404


async def test_webhook_mode_without_url_fails_clearly(standin, make_connector) -> None:
    connector = make_connector(MemoryHost(), mode="webhook", webhook_secret=SECRET)
    with pytest.raises(PermanentError, match="webhook_url"):
        await connector.start()
    await connector.stop()
