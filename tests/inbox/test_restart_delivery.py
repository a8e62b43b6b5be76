"""Issue #12 item 9 through the real app, on SQLite and PostgreSQL: a process killed between pushing a reply and
marking it sent. The in-app chat gets it again (its client dedupes by message id) and it stays in the customer's
history; another channel shows the agent an interrupted reply, never resends it by itself, and the agent can resend.
"""
from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.webchat.identity import user_hash
from inbox.api.context import CTX
from inbox.config import ConnectorEntry
from inbox.domain import Channel, IdentityKind
from inbox.outbox import INTERRUPTED
from inbox.store.schema import messages, outbox
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.inbox.factories import chat
from tests.inbox.scripted_connector import ScriptedConfig, ScriptedConnector

WS = f"/chat/v1/ws?user_id=alice&user_hash={user_hash('app-secret', 'alice')}"


async def _frames(ws: Any, seconds: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                out.append(await ws.receive_json())
    except TimeoutError:
        return out


async def _message(http: Any, auth: dict[str, str], cid: int, mid: int, until: set[str]) -> dict[str, Any]:
    for _ in range(200):
        async with http.get(f"/api/v1/conversations/{cid}/messages", headers=auth) as r:
            [m] = [m for m in (await r.json())["messages"] if m["id"] == mid]
        if m["status"] in until:
            return m
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {mid} stayed {m['status']}")


async def _crash_after_push(engine: AsyncEngine, *message_ids: int) -> None:
    """What kill -9 right after the provider call leaves: the outbox row `sending`, the message not marked sent."""
    async with engine.begin() as conn:
        await conn.execute(update(outbox).where(outbox.c.message_id.in_(message_ids))
                           .values(state="sending", attempts=1))
        await conn.execute(update(messages).where(messages.c.id.in_(message_ids))
                           .values(status="queued", provider_id=None, sent_at=None))


async def test_killed_between_push_and_sent(engine: AsyncEngine, db_url: str) -> None:
    ScriptedConnector.reset()
    await add_agent(db_url, "ana@example.com")
    settings = settings_for(db_url, connectors=(ConnectorEntry("tg", ScriptedConfig()),))
    async with running(settings) as (server, http):
        auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        await server.app[CTX].pipeline.ingest([chat("deposit missing", "zoe", connector="tg",
                                                     channel=Channel.TELEGRAM, kind=IdentityKind.TELEGRAM,
                                                     thread_key="chat:zoe")])
        async with http.ws_connect(WS) as ws:
            await ws.receive_json()  # history
            await ws.send_json({"type": "message", "text": "withdrawal pending", "client_id": str(uuid.uuid4())})
            assert (await ws.receive_json())["type"] == "ack"
            async with http.get("/api/v1/conversations", headers=auth) as r:
                convs = {c["channel"]: c["id"] for c in (await r.json())["conversations"]}
            replies = {}
            for channel, text in (("webchat", "It is on its way"), ("telegram", "We credited it")):
                async with http.post(f"/api/v1/conversations/{convs[channel]}/messages", json={"text": text},
                                     headers=auth) as r:
                    assert r.status == 201
                    replies[channel] = (await r.json())["message"]["id"]
                await _message(http, auth, convs[channel], replies[channel], {"sent"})
            pushed = [f for f in await _frames(ws, 0.5) if f.get("type") == "message" and f.get("from") == "agent"]
            assert [f["id"] for f in pushed] == [replies["webchat"]]  # the customer saw it before the "crash"
    assert len(ScriptedConnector.sent) == 1
    await _crash_after_push(engine, *replies.values())

    async with running(settings) as (server, http):
        auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        async with http.ws_connect(WS) as ws:
            frames = await _frames(ws, 1.0)
            chat_reply = await _message(http, auth, convs["webchat"], replies["webchat"], {"sent", "failed"})
            frames += await _frames(ws, 0.5)
        assert chat_reply["status"] == "sent" and chat_reply["error"] is None
        # The client shows a message once per id (history, then live frames): the re-push adds no copy.
        seen = [m["id"] for f in frames if f["type"] == "history" for m in f["messages"]] + [
            f["id"] for f in frames if f["type"] == "message"]
        assert replies["webchat"] in seen
        async with http.ws_connect(WS) as ws:
            history = (await ws.receive_json())["messages"]
        assert [m["id"] for m in history].count(replies["webchat"]) == 1

        tg = await _message(http, auth, convs["telegram"], replies["telegram"], {"sent", "failed"})
        assert tg["status"] == "failed" and tg["error"] == INTERRUPTED and "interrupted" in tg["flags"]
        await asyncio.sleep(0.5)
        assert len(ScriptedConnector.sent) == 1  # not resent by itself

        # The agent checked Telegram and resends; a second press finds nothing to resend.
        url = f"/api/v1/conversations/{convs['telegram']}/messages/{replies['telegram']}/resend"
        async with http.post(url, headers=auth) as r:
            assert r.status == 200, await r.text()
        tg = await _message(http, auth, convs["telegram"], replies["telegram"], {"sent", "failed"})
        assert tg["status"] == "sent" and "interrupted" not in tg["flags"]
        assert [m.text for m in ScriptedConnector.sent] == ["We credited it", "We credited it"]
        async with http.post(url, headers=auth) as r:
            assert r.status == 409
        async with http.post(f"/api/v1/conversations/{convs['webchat']}/messages/{replies['telegram']}/resend",
                             headers=auth) as r:
            assert r.status == 404  # a message of another conversation
        async with http.post(f"/api/v1/conversations/{convs['telegram']}/messages/abc/resend", headers=auth) as r:
            assert r.status == 404
        async with http.post(url) as r:
            assert r.status == 401
    async with engine.connect() as conn:
        attempts = (await conn.execute(select(outbox.c.attempts).where(
            outbox.c.message_id == replies["webchat"]))).scalar_one()
    assert attempts == 2  # pushed before the crash, re-pushed once after


async def test_resend_only_for_those_who_may_see_the_reply(engine: AsyncEngine, db_url: str) -> None:
    from inbox.domain import Visibility, utcnow
    from inbox.replies import enqueue_reply
    from inbox.store.schema import conversations, teams

    ScriptedConnector.reset()
    await add_agent(db_url, "bea@example.com", team="blue")
    await add_agent(db_url, "rex@example.com", team="red")
    settings = settings_for(db_url, connectors=(ConnectorEntry("tg", ScriptedConfig()),))
    async with running(settings) as (server, http):
        [inbound] = await server.app[CTX].pipeline.ingest([chat("deposit missing", "zoe", connector="tg",
                                                                channel=Channel.TELEGRAM, kind=IdentityKind.TELEGRAM,
                                                                thread_key="chat:zoe")])
        async with engine.begin() as conn:
            cid = (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == inbound))).scalar()
            blue = (await conn.execute(select(teams.c.id).where(teams.c.name == "blue"))).scalar_one()
            await conn.execute(update(conversations).where(conversations.c.id == cid).values(team_id=blue))
            reply = (await enqueue_reply(conn, cid, "We credited it", Visibility.PRIVATE, utcnow())).message_id
            await conn.execute(update(outbox).where(outbox.c.message_id == reply).values(state="failed"))
            await conn.execute(update(messages).where(messages.c.id == reply).values(status="failed", error="x"))
        rex = {"Authorization": f"Bearer {await token_for(http, 'rex@example.com')}"}
        bea = {"Authorization": f"Bearer {await token_for(http, 'bea@example.com')}"}
        base = f"/api/v1/conversations/{cid}/messages"
        async with http.post(f"{base}/{reply}/resend", headers=rex) as r:
            assert r.status == 404  # another team's agent: not told the conversation exists
        for bad in (str(inbound), "99999999999999999999999", "-1", "0"):
            async with http.post(f"{base}/{bad}/resend", headers=bea) as r:
                assert r.status == 404, bad  # a customer's message, ids that can't exist: no 500
        assert ScriptedConnector.sent == []
        async with http.post(f"{base}/{reply}/resend", headers=bea) as r:
            assert r.status == 200
        await _message(http, bea, cid, reply, {"sent"})
    assert [m.text for m in ScriptedConnector.sent] == ["We credited it"]
