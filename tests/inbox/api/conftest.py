"""One running app with the callers a permission test needs: an admin, an agent of the team that owns a
conversation, an agent of another team; tokens are minted straight into api_tokens (valid or already expired)."""
from __future__ import annotations

import contextlib
import itertools
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.webchat import WebchatConfig
from inbox.api.access import access
from inbox.api.context import CTX
from inbox.app import build_app
from inbox.auth import create_agent, token_hash
from inbox.config import ConnectorEntry, RoutingSettings
from inbox.domain import utcnow
from inbox.store.schema import api_tokens, canned_replies, conversations, messages, teams
from tests.inbox.appserver import settings_for
from tests.inbox.factories import chat

RULES = Path(__file__).resolve().parents[3] / "inbox" / "defaults" / "rules.yaml"
PASSWORD = "correct horse"


@dataclass
class World:
    server: Any  # aiohttp TestServer running build_app
    http: Any  # ClientSession on it
    engine: AsyncEngine
    agent_ids: dict[str, int]  # caller name -> agents.id: admin, team_agent (team red), other_team_agent (blue)
    conversation_id: int  # a conversation of team red
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next(self) -> int:
        return next(self._seq)

    async def token(self, caller: str, *, expired: bool = False) -> str:
        """A fresh bearer token (so a logout call only ends its own session)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(api_tokens.insert(), {
                "token_hash": token_hash(token), "agent_id": self.agent_ids[caller], "created_at": now,
                "expires_at": now - timedelta(minutes=1) if expired else now + timedelta(hours=1)})
        return token

    async def headers(self, caller: str) -> dict[str, str]:
        """Authorization for a caller: admin, team_agent, other_team_agent, none, expired (an admin's, expired)."""
        if caller == "none":
            return {}
        token = await self.token("admin", expired=True) if caller == "expired" else await self.token(caller)
        return {"Authorization": f"Bearer {token}"}

    async def canned_reply_of(self, caller: str) -> int:
        async with self.engine.begin() as conn:
            return (await conn.execute(canned_replies.insert().returning(canned_replies.c.id), {
                "shortcut": f"sample-{self.next()}", "title": "Sample", "text": "Hello", "language": None,
                "created_by": self.agent_ids[caller], "created_at": utcnow()})).scalar_one()


@pytest.fixture
async def world(engine: AsyncEngine, db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    ids = {}
    for caller, email, role, team in (("admin", "boss@example.com", "admin", None),
                                      ("team_agent", "ana@example.com", "agent", "red"),
                                      ("other_team_agent", "bob@example.com", "agent", "blue")):
        ids[caller] = (await create_agent(engine, email, PASSWORD, role, team=team)).id
    rules = tmp_path / "rules.yaml"
    shutil.copy(RULES, rules)
    members_only = ConnectorEntry("members-chat", WebchatConfig(type="webchat", identity_secret="members-secret",
                                                                allow_visitors=False))
    app = build_app(settings_for(db_url, routing=RoutingSettings(rules=str(rules)), connectors=(members_only,)))
    add_probes(app)
    async with serving(app) as (server, http):
        [message_id] = await server.app[CTX].pipeline.ingest([chat("where is my withdrawal?", user="cust-1")])
        async with engine.begin() as conn:
            cid = (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == message_id))).scalar_one()
            red = (await conn.execute(select(teams.c.id).where(teams.c.name == "red"))).scalar_one()
            await conn.execute(update(conversations).where(conversations.c.id == cid).values(team_id=red))
        yield World(server, http, engine, ids, cid)



@access("admin")
async def _admin_probe(request: web.Request) -> web.Response:
    return web.json_response({"probe": "admin"})


@access("conversation")
async def _conversation_probe(request: web.Request) -> web.Response:
    return web.json_response({"probe": "conversation"})


def add_probes(app: web.Application) -> None:
    """Routes whose handlers check nothing themselves: only the access middleware stands between them and a caller,
    so the permission test proves the middleware (the real handlers also check, as defence in depth)."""
    app.router.add_get("/test/probe/admin", _admin_probe)
    app.router.add_get("/test/probe/conversations/{id}", _conversation_probe)


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[tuple[TestServer, ClientSession]]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession(base_url=str(server.make_url(""))) as http:
            yield server, http
    finally:
        await server.close()
