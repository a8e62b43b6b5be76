"""Login, logout, who am I, health, and the live events websocket."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from inbox.api.access import access
from inbox.api.context import bearer, can_see, ctx, json_error, read_json, require_agent
from inbox.auth import agent_for_token, login, logout
from inbox.events import Event
from inbox.teams import cached_team_warnings

routes = web.RouteTableDef()


@routes.get("/healthz")
@access("public")
async def healthz(request: web.Request) -> web.Response:
    app = ctx(request)
    body: dict[str, object] = {"status": "ok", "connectors": app.supervisor.health()}
    if app.rules is not None:  # rules that route to a team nobody is in: said here too, not only in check-config
        body["warnings"] = await cached_team_warnings(app.engine, app.rules.current)
    return web.json_response(body)


@routes.post("/api/v1/auth/login")
@access("public")
async def login_handler(request: web.Request) -> web.Response:
    body = await read_json(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return json_error(400, "email and password are required")
    app = ctx(request)
    result = await login(app.engine, email, password, timedelta(hours=app.settings.inbox.token_ttl_hours))
    if result is None:
        return json_error(401, "wrong email or password")
    token, agent = result
    return web.json_response({"token": token, "agent": _agent_json(agent)})


@routes.post("/api/v1/auth/logout")
@access("agent")
async def logout_handler(request: web.Request) -> web.Response:
    await require_agent(request)
    await logout(ctx(request).engine, bearer(request))
    return web.json_response({"ok": True})


@routes.get("/api/v1/me")
@access("agent")
async def me(request: web.Request) -> web.Response:
    return web.json_response({"agent": _agent_json(await require_agent(request))})


def _agent_json(agent) -> dict[str, object]:  # noqa: ANN001
    return {"id": agent.id, "email": agent.email, "name": agent.name, "role": agent.role, "team_id": agent.team_id}


def origin_allowed(request: web.Request, allowed: tuple[str, ...]) -> bool:
    """Browsers send Origin on websocket upgrades: only our own origin (or configured ones) may open the feed."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser (scripts, tests): the token is the credential
    if origin in allowed:
        return True
    return urlsplit(origin).netloc == request.host


@routes.get("/api/v1/events")
@access("agent")
async def events(request: web.Request) -> web.StreamResponse:
    app = ctx(request)
    if not origin_allowed(request, app.settings.server.allowed_origins):
        return json_error(403, "origin not allowed")
    agent = await agent_for_token(app.engine, bearer(request))
    if agent is None:
        return json_error(401, "missing or invalid token")
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    app.sockets.add(ws)
    presence: dict[str, object] = {}
    with app.events.subscribe() as sub:
        async def pump() -> None:
            while True:
                event = await sub.get()
                if event.type == "mention" and event.payload.get("agent_id") != agent.id:
                    continue
                if can_see(agent, event.team_id):
                    await ws.send_json(event.payload if event.type != "resync" else {"type": "resync"})

        task = asyncio.create_task(pump())
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                # Agents tell each other who is viewing or typing on a conversation; relayed, never stored.
                with contextlib.suppress(ValueError, AttributeError, TypeError):
                    body = frame.json()
                    if body.get("type") in ("viewing", "typing", "left"):
                        cid = int(body["conversation_id"])
                        presence = {"type": "presence", "state": body["type"], "conversation_id": cid,
                                    "agent_id": agent.id, "agent": agent.name}
                        app.events.publish(Event("presence", cid, None, presence))
        finally:
            app.sockets.discard(ws)
            if presence and presence.get("state") != "left":
                # A closed tab or a crashed browser must not leave "X is viewing" behind on the others' screens.
                app.events.publish(Event("presence", presence["conversation_id"], None,  # type: ignore[arg-type]
                                         {**presence, "state": "left"}))
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    return ws
