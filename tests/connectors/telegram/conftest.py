"""Fixtures: a running Bot API stand-in, and connectors pointed at it."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from connectors.telegram import TelegramConfig, TelegramConnector
from tests.connectors.lifecycle import running  # noqa: F401 - imported from here by the telegram tests
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.standin import BotApiStandIn, TgChat, TgUser

ALICE = TgUser(5123456789, "Alice", "Wong", username="alice_w", language_code="zh-hans")
BOB = TgUser(5987654321, "Bob", username=None)
GROUP = TgChat(-1001234567890, "supergroup", title="Wallet Community")


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    server = BotApiStandIn()
    await server.start()
    yield server
    await server.stop()


MakeConnector = Callable[..., TelegramConnector]


@pytest.fixture
def make_connector(standin: BotApiStandIn) -> MakeConnector:
    def make(host: MemoryHost, name: str = "wallet-bot", **overrides: object) -> TelegramConnector:
        settings: dict[str, object] = {"type": "telegram", "token": standin.token, "api_base": standin.base_url,
                                       "poll_timeout": 2}
        settings.update(overrides)
        return TelegramConnector(name, TelegramConfig.model_validate(settings), host)

    return make


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout: float = 5.0) -> None:
    """Wait (hang guard only) until `check` holds."""
    import asyncio
    import inspect

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
