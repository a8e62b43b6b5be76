"""The access log of `inbox serve` never shows a private-link token (the chat page and socket carry it in the URL)."""
from __future__ import annotations

import logging

from inbox.cli import setup_logging
from inbox.private_links import new_token
from tests.inbox.appserver import running, settings_for


async def test_access_log_redacts_link_tokens(engine, db_url, capsys) -> None:  # noqa: ANN001
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    token = new_token()
    try:
        setup_logging(None, "INFO")
        async with running(settings_for(db_url)) as (server, http):
            async with http.get(f"/chat/demo?link={token}") as r:
                assert r.status == 200
            async with http.ws_connect(f"/chat/v1/ws?name=x&link={token}") as ws:
                await ws.receive_json()
        for h in root.handlers:
            h.flush()
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    err = capsys.readouterr().err
    assert "/chat/demo?link=[private link]" in err and "&link=[private link]" in err  # the requests were logged...
    assert token not in err  # ...without the token


def test_redaction_leaves_other_lines_alone() -> None:
    from inbox.private_links import RedactLinkTokens

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /api/v1/conversations?limit=%d&starting=%s",
                               (5, "now"), None)
    assert RedactLinkTokens().filter(record) and record.getMessage() == "GET /api/v1/conversations?limit=5&starting=now"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET %s", ("https://t.me/bot?start=AbC_12-xyz",), None)
    assert RedactLinkTokens().filter(record) and record.getMessage() == "GET https://t.me/bot?start=[private link]"
