"""Who may call a route: every HTTP route and websocket declares it, so a test generated from the route table can
call each one as every kind of caller, and a route added without a declaration fails that test.

Levels (what the caller must be before the handler runs):
- ``public``: anyone (health, the login form, static files, the chat demo page).
- ``agent``: any signed-in, active agent; the handler still scopes what it returns to the agent's team.
- ``conversation``: a signed-in agent who may see the conversation named by ``{id}`` in the path (admins: all).
- ``admin``: a signed-in admin.
- ``channel``: the channel authenticates the caller itself (chat identity HMAC or visitor token, a webhook's
  secret); no agent credential is involved.
- ``agent_socket``: a signed-in agent on a websocket. A credential sent with the upgrade (header or session
  cookie) is checked here like ``agent``; a client that can send neither proves itself in the first frame, which
  the handler checks (no credential ever travels in the URL).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute, StaticResource
from sqlalchemy import select

from inbox.api.context import bearer, can_see, ctx, require_agent
from inbox.auth import Agent
from inbox.store.schema import conversations

Access = Literal["public", "agent", "conversation", "admin", "channel", "agent_socket"]
LEVELS: tuple[Access, ...] = ("public", "agent", "conversation", "admin", "channel", "agent_socket")
_ATTRIBUTE = "__inbox_access__"
H = TypeVar("H", bound=Callable[..., Any])


def access(level: Access) -> Callable[[H], H]:
    """Declare a handler's access level. Put it *below* the route decorator (it must see the bare handler)."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}; one of {', '.join(LEVELS)}")

    def mark(handler: H) -> H:
        setattr(handler, _ATTRIBUTE, level)
        return handler

    return mark


def access_of(handler: Any) -> Access | None:
    """The declared level of a handler, or None when it declares none."""
    return getattr(handler, _ATTRIBUTE, None)


# --- enforcement -----------------------------------------------------------------------------------------------
# Kept here, beside the declarations, so the table and what enforces it cannot drift apart. Handlers keep their own
# checks (defence in depth); this runs first and answers for every route the same way.

log = logging.getLogger(__name__)
# Ids in paths are positive database ids (64-bit on both stores): anything else names nothing, so it is a 404
# before any query runs (10**30 or "abc" must not reach the driver and come back as a 500).
_ID = re.compile(r"[0-9]{1,18}")
CALLER = web.RequestKey("inbox_caller", Agent)  # the agent the middleware authenticated


def route_access(route: AbstractRoute) -> Access | None:
    """The level a registered route declares; static files are public by their resource type."""
    if isinstance(route.resource, StaticResource):
        return "public"
    return access_of(route.handler)


def path_id(request: web.Request, key: str = "id") -> int:
    """The `{id}` of the path as an int, or 404 (the middleware has already refused malformed ones)."""
    raw = request.match_info.get(key, "")
    if not _ID.fullmatch(raw):
        raise web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")
    return int(raw)


def _refuse_undeclared(request: web.Request) -> web.HTTPForbidden:
    log.error("refused %s %s: its route declares no access level (add @access(...) to the handler)",
              request.method, request.path)
    return web.HTTPForbidden(text='{"error": "this route declares no access level"}', content_type="application/json")


def _not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json")


@web.middleware
async def enforce_access(request: web.Request, handler: Any) -> web.StreamResponse:
    """Authenticate by the route's declared level before its handler runs; fail closed on a missing declaration."""
    match = request.match_info
    if match.http_exception is not None:  # the router found no route (404/405): nothing to protect
        return await handler(request)
    level = route_access(match.route)
    if level is None:
        raise _refuse_undeclared(request)
    if "id" in match and not _ID.fullmatch(match["id"]):
        raise _not_found()
    if level in ("public", "channel"):
        return await handler(request)
    if level == "agent_socket" and not bearer(request):
        return await handler(request)  # first-frame authentication, done by the handler
    agent = await require_agent(request)  # 401 without a valid, unexpired token of an active agent
    request[CALLER] = agent
    if level == "admin" and not agent.is_admin:
        raise web.HTTPForbidden(text='{"error": "admins only"}', content_type="application/json")
    if level == "conversation" and not await _may_see_conversation(request, agent, int(match["id"])):
        # 404, not 403: another team's agent must not learn which conversation ids exist.
        raise web.HTTPNotFound(text='{"error": "no such conversation"}', content_type="application/json")
    return await handler(request)


async def _may_see_conversation(request: web.Request, agent: Agent, conversation_id: int) -> bool:
    async with ctx(request).engine.connect() as conn:
        row = (await conn.execute(select(conversations.c.team_id).where(conversations.c.id == conversation_id))).first()
    return row is not None and can_see(agent, row.team_id)
