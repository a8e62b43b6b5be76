"""Frames whose text no database can hold (lone surrogates, which JSON can carry as "\\ud800") get a clear error
frame, not an endless "not stored, please resend"; the socket stays open. Through the real app, on both databases."""
from __future__ import annotations

import json

from connectors.webchat.identity import user_hash
from tests.inbox.appserver import running, settings_for


async def test_unstorable_text_and_client_ids_get_a_clear_error(engine, db_url: str) -> None:  # noqa: ANN001
    async with running(settings_for(db_url)) as (server, http):
        url = f"/chat/v1/ws?user_id=alice&user_hash={user_hash('app-secret', 'alice')}"
        async with http.ws_connect(url) as ws:
            assert (await ws.receive_json(timeout=10))["type"] == "history"
            for text, client_id in (("lone \\ud800 surrogate", "c1"), ("fine", "id \\udfff")):
                await ws.send_str(f'{{"type": "message", "text": "{text}", "client_id": "{client_id}"}}')
                frame = await ws.receive_json(timeout=10)
                assert frame["type"] == "error", frame
                assert "valid Unicode" in frame["error"], frame
            await ws.send_str(json.dumps({"type": "message", "text": "still here", "client_id": "ok"}))
            assert (await ws.receive_json(timeout=10))["type"] == "ack"
