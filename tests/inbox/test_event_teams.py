"""Issue #12 item 6: an agent of team B receives nothing about team A's conversations over the events websocket (auto
-replies, guard notices, presence), and cannot announce presence on a conversation it may not see."""
from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inbox.api.context import CTX
from inbox.config import RoutingSettings
from inbox.domain import Channel, ContactIdentity, IdentityKind, InboundMessage, Visibility
from tests.inbox.appserver import add_agent, running, settings_for, token_for

SEED = "abandon amount liar amount expire adjust cage candy arch gather drum buyer"  # valid BIP-39 checksum
RULES = """
version: 1
teams:
  alpha: []
  beta: []
groups:
  - name: triage
    match: all
    rules:
      - name: telegram-to-alpha
        when: {connector: wallet-bot, first_message: true}
        then:
          - assign: {team: alpha}
          - auto_reply: {text: "Thanks, your ticket is {ticket}"}
"""


def _public_post(text: str) -> InboundMessage:
    return InboundMessage(
        connector="wallet-bot", channel=Channel.TELEGRAM, provider_id=str(uuid.uuid4()), thread_key="chat:-1001",
        visibility=Visibility.PUBLIC, sender=ContactIdentity(IdentityKind.TELEGRAM, "777", "Bob", "bobby"),
        text=text, sent_at=datetime.now(UTC))


async def _frames(ws, seconds: float) -> list[dict[str, Any]]:  # noqa: ANN001
    """Everything the socket receives within `seconds` (the quiet side of the test must stay quiet)."""
    out: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            out.append(await ws.receive_json(timeout=left))
        except asyncio.TimeoutError:
            break
    return out


async def _setup(tmp_path: Path):  # noqa: ANN202
    db = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(db, "anna@example.com", team="alpha")
    await add_agent(db, "bert@example.com", team="beta")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    return settings_for(db, routing=RoutingSettings(rules=str(rules)))


async def test_other_team_gets_no_auto_reply_guard_notice_or_presence(tmp_path: Path) -> None:
    async with running(await _setup(tmp_path)) as (server, http):
        anna, bert = await token_for(http, "anna@example.com"), await token_for(http, "bert@example.com")
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {anna}"}) as ws_a, \
                http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {bert}"}) as ws_b:
            ids = await server.app[CTX].pipeline.ingest([_public_post(f"my wallet is empty, words: {SEED}")])
            assert ids[0] is not None
            seen_a = await _frames(ws_a, 3.0)
            replies = [f["message"] for f in seen_a if f["type"] == "message.created"
                       and f["message"]["direction"] == "outbound"]
            texts = " | ".join(m["text"] for m in replies)
            assert "your ticket is #" in texts  # the auto-reply, with its ticket number
            assert len(replies) >= 2, texts  # and the guard's notice/private message about the posted phrase
            conversation_id = next(f["conversation_id"] for f in seen_a if f["type"] == "message.created")

            # Presence on that conversation: anna's is relayed to her team only; bert's is dropped.
            await ws_a.send_json({"type": "viewing", "conversation_id": conversation_id})
            await ws_b.send_json({"type": "typing", "conversation_id": conversation_id})
            await ws_b.send_json({"type": "viewing", "conversation_id": 999_999})  # no such conversation
            seen_b = await _frames(ws_b, 2.0)
            assert seen_b == [], seen_b  # nothing at all about team alpha's conversation
            seen_a = await _frames(ws_a, 1.0)
            assert not [f for f in seen_a if f["type"] == "presence"], seen_a  # bert's fake typing never arrived


async def test_presence_reaches_the_conversations_team(tmp_path: Path) -> None:
    settings = await _setup(tmp_path)
    db = settings.database.url
    await add_agent(db, "ada@example.com", team="alpha")
    async with running(settings) as (server, http):
        anna, ada = await token_for(http, "anna@example.com"), await token_for(http, "ada@example.com")
        await server.app[CTX].pipeline.ingest([_public_post("where is my deposit?")])
        async with http.get("/api/v1/conversations", headers={"Authorization": f"Bearer {anna}"}) as r:
            conversation_id = (await r.json())["conversations"][0]["id"]
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {anna}"}) as ws_a, \
                http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {ada}"}) as ws_d:
            await ws_a.send_json({"type": "typing", "conversation_id": conversation_id})
            frame = await ws_d.receive_json(timeout=5)
            assert frame == {"type": "presence", "state": "typing", "conversation_id": conversation_id,
                             "agent_id": frame["agent_id"], "agent": "anna"}


async def test_moving_an_agent_to_another_team_changes_their_open_feed_at_once(tmp_path: Path) -> None:
    settings = await _setup(tmp_path)
    await add_agent(settings.database.url, "boss@example.com", role="admin")
    async with running(settings) as (server, http):
        bert, boss = await token_for(http, "bert@example.com"), await token_for(http, "boss@example.com")
        async with http.get("/api/v1/me", headers={"Authorization": f"Bearer {bert}"}) as r:
            bert_id = (await r.json())["agent"]["id"]
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {bert}"}) as ws_b:
            await server.app[CTX].pipeline.ingest([_public_post("first, while bert is in beta")])
            assert await _frames(ws_b, 1.5) == []
            async with http.patch(f"/api/v1/agents/{bert_id}", json={"team": "alpha"},
                                  headers={"Authorization": f"Bearer {boss}"}) as r:
                assert r.status == 200
            await server.app[CTX].pipeline.ingest([_public_post("second, now bert is in alpha")])
            texts = [f["message"]["text"] for f in await _frames(ws_b, 2.0) if f["type"] == "message.created"]
            assert "second, now bert is in alpha" in texts
