"""What handlers share: the running services, and how a request proves who it is."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.api.hygiene import refuse_nul
from inbox.api.web_session import cookie_token
from inbox.auth import Agent, agent_for_token
from inbox.config import Settings
from inbox.events import EventBus
from inbox.outbox import OutboxDispatcher
from inbox.pipeline.core import Pipeline
from inbox.supervisor import Supervisor


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    events: EventBus
    pipeline: Pipeline
    supervisor: Supervisor
    dispatcher: OutboxDispatcher
    rules: Any = None  # routing.rules.RulesHolder when routing is configured
    guard_policy: Any = None  # routing.guard.GuardPolicy
    config_connectors: set[str] = field(default_factory=set)  # names from the config file (not editable in the UI)
    sockets: set[Any] = field(default_factory=set)  # open agent event websockets, closed on shutdown


CTX = web.AppKey("inbox_context", AppContext)
AGENT = "inbox_agent"


def ctx(request: web.Request) -> AppContext:
    return request.app[CTX]


def json_error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def bearer(request: web.Request) -> str:
    """The request's token: `Authorization: Bearer` (scripts), else the UI's session cookie, which an unsafe
    request may only use from our own pages (CSRF; see web_session). Never from the URL: URLs end up in logs."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return cookie_token(request, ctx(request).settings.server.allowed_origins)


async def require_agent(request: web.Request) -> Agent:
    agent = await agent_for_token(ctx(request).engine, bearer(request))
    if agent is None:
        raise web.HTTPUnauthorized(
            text='{"error": "missing or invalid token"}', content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return agent


async def require_admin(request: web.Request) -> Agent:
    agent = await require_agent(request)
    if not agent.is_admin:
        raise web.HTTPForbidden(text='{"error": "admins only"}', content_type="application/json")
    return agent


async def read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes ([[[[...]]]])
        raise web.HTTPBadRequest(text='{"error": "body is not JSON"}', content_type="application/json") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error": "body must be a JSON object"}', content_type="application/json")
    return refuse_nul(body)


def can_see(agent: Agent, team_id: int | None) -> bool:
    """With teams set, an agent sees unassigned-team conversations and their own team's; admins see all."""
    return agent.is_admin or agent.team_id is None or team_id is None or team_id == agent.team_id
