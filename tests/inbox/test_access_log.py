"""Issue #12 item 5: the access log never holds a credential from a URL (chat identity, visitor token, private link
parameters, a token a careless client still puts in a URL), and `inbox serve` uses that access log."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from inbox import cli
from inbox.access_log import RedactingAccessLogger, redact_query_secrets
from inbox.app import build_app
from tests.inbox.appserver import settings_for

SECRETS = ["s3cr3t-token-value", "abcdef0123456789hash", "visitor.token.sig", "LINKVALUE42", "STARTVALUE77"]


async def test_access_log_redacts_query_credentials(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    server = TestServer(build_app(settings_for(f"sqlite+aiosqlite:///{tmp_path}/inbox.db")), host="127.0.0.1")
    await server.start_server(access_log_class=RedactingAccessLogger)
    try:
        async with ClientSession(base_url=str(server.make_url(""))) as http:
            urls = [
                f"/api/v1/events?token={SECRETS[0]}",
                f"/chat/v1/ws?user_id=alice&user_hash={SECRETS[1]}",
                f"/chat/v1/ws?visitor_token={SECRETS[2]}",
                f"/chat/demo?link={SECRETS[3]}&lang=en",
                f"/healthz?%73tart={SECRETS[4]}",  # percent-encoded key: the server reads it as `start`
            ]
            for url in urls:
                async with http.get(url, headers={"Referer": f"http://x/chat/demo?visitor_token={SECRETS[2]}"}) as r:
                    await r.read()
    finally:
        await server.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) >= len(urls)
    text = "\n".join(lines)
    for secret in SECRETS:
        assert secret not in text
    assert "user_id=alice" in text and "lang=en" in text  # only credentials are hidden
    assert "user_hash=***" in text and "token=***" in text


def test_redaction_keeps_other_parameters() -> None:
    line = 'GET /x?restart=1&tokens=2&start=SECRET&Token=T HTTP/1.1'
    assert redact_query_secrets(line) == 'GET /x?restart=1&tokens=2&start=***&Token=*** HTTP/1.1'


def test_serve_uses_the_redacting_access_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict = {}
    monkeypatch.setattr("aiohttp.web.run_app", lambda app, **kw: seen.update(kw))
    config = tmp_path / "inbox.yaml"
    config.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path}/inbox.db\n")
    assert cli.main(["--config", str(config), "serve"]) == 0
    assert seen["access_log_class"] is RedactingAccessLogger
