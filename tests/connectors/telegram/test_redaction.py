"""The bot token is in every Bot API URL: it must not reach logs or error texts."""
from __future__ import annotations

import logging

import pytest

from connectors.base import AuthError, TransientError
from connectors.telegram.errors import scrub
from inbox.domain import Channel, OutboundMessage
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.conftest import ALICE, running
from tests.connectors.telegram.standin import TgChat


def test_scrub_removes_tokens_from_urls() -> None:
    text = "POST http://127.0.0.1:9/bot7001234567:AAHdqTc-_x/getUpdates failed"
    assert scrub(text) == "POST http://127.0.0.1:9/bot<token>/getUpdates failed"
    assert scrub("token 12:abc leaked", "12:abc") == "token <token> leaked"


async def test_debug_logs_of_a_polling_session_hold_no_token(standin, make_connector, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    host = MemoryHost()
    connector = make_connector(host)
    async with running(connector):
        standin.inject_message(TgChat.private(ALICE), ALICE, "hi")
        [m] = await host.wait_for(1)
        await connector.send(OutboundMessage("k", m.connector, Channel.TELEGRAM, m.thread_key, m.visibility,
                                             m.sender, "hello", "#10001"))
    assert "getUpdates" in caplog.text and "sendMessage" in caplog.text  # the request log is there ...
    assert standin.token not in caplog.text  # ... without the token
    assert standin.token.split(":")[1] not in caplog.text


async def test_bad_token_error_holds_no_token(standin, make_connector, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    connector = make_connector(MemoryHost(), token="7001234567:AAFwrongwrongwrongwrongwrongwrong00")
    with pytest.raises(AuthError) as caught:
        await connector.start()
    await connector.stop()
    assert "AAFwrong" not in str(caught.value) and caught.value.__cause__ is None
    assert "AAFwrong" not in caplog.text


async def test_unreachable_api_is_transient_without_token(make_connector) -> None:
    connector = make_connector(MemoryHost(), api_base="http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(TransientError) as caught:
        await connector.start()
    await connector.stop()
    assert connector.config.token.get_secret_value() not in str(caught.value)
