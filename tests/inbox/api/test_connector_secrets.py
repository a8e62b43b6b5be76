"""A connector added in the admin UI keeps its secrets out of the logs like one from the config file (issue #12
item 10): a failing Telegram connector whose API echoes the request URL (`/bot<token>/getMe`) in its error body."""
from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.inbox.api.conftest import World

# Not Telegram's "<digits>:<chars>" shape: the Telegram package's own URL scrubbing does not recognise it.
TOKEN = "ui-added-bot-token-5f3a9c"
WEBHOOK_SECRET = "ui-added-webhook-secret-77d1"


async def _echoing_api() -> tuple[TestServer, list[str]]:
    """A Bot API stand-in that fails every call with an error page quoting the URL, as proxies do."""
    seen: list[str] = []

    async def fail(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.Response(status=502, text=f"bad gateway for {request.path}")

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", fail)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, seen


async def _health(world: World, headers: dict[str, str], name: str) -> dict[str, object]:
    async with world.http.get("/api/v1/connectors", headers=headers) as r:
        return next(c["health"] for c in (await r.json())["connectors"] if c["name"] == name)


@pytest.mark.parametrize("token", [TOKEN, f"123456:{TOKEN}"])
async def test_secrets_of_a_connector_added_in_the_ui_never_reach_the_logs(
        world: World, caplog: pytest.LogCaptureFixture, token: str) -> None:
    api, seen = await _echoing_api()
    headers = await world.headers("admin")
    body = {"type": "telegram", "token": token, "api_base": str(api.make_url("")).rstrip("/"),
            "mode": "webhook", "webhook_secret": WEBHOOK_SECRET, "webhook_url": "https://example.com/hook"}
    try:
        with caplog.at_level(logging.DEBUG):  # DEBUG too: drivers log statement parameters there
            async with world.http.put("/api/v1/connectors/tg-ui", json=body, headers=headers) as r:
                assert r.status == 201, await r.text()
                assert token not in await r.text()
            for _ in range(100):
                health = await _health(world, headers, "tg-ui")
                if health["state"] in ("backoff", "auth_failed"):
                    break
                await asyncio.sleep(0.05)
    finally:
        await api.close()
    assert health["state"] == "backoff" and "bad gateway" in str(health["last_error"])
    assert any(token in path for path in seen)  # the secret really was in the URL the error quoted
    written = caplog.text + "".join(f"{rec.getMessage()} {rec.exc_text or ''}" for rec in caplog.records)
    assert "bad gateway for /bot" in written  # the failure was logged ...
    assert token not in written and WEBHOOK_SECRET not in written  # ... without the secrets
    assert token not in str(health)
