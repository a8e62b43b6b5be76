"""Login, logout, who am I, health, and the live events websocket."""
from __future__ import annotations

from aiohttp import web

from inbox.api.access import access
from inbox.api.context import bearer, ctx, json_error, read_json, require_agent
from inbox.api.events_ws import serve_events
from inbox.api.live_sessions import LIVE
from inbox.api.signin import agent_json as _agent_json
from inbox.api.signin import sign_in
from inbox.api.web_session import clear_session_cookie, is_https, origin_allowed  # noqa: F401 - origin_allowed: old home
from inbox.auth import logout
from inbox.teams import cached_team_warnings

routes = web.RouteTableDef()


@routes.get("/healthz")
@access("public")
async def healthz(request: web.Request) -> web.Response:
    app = ctx(request)
    body: dict[str, object] = {"status": "ok", "connectors": app.supervisor.health()}
    scanner = app.pipeline.image_scanner
    body["image_scanning"] = scanner.status() if scanner is not None else {"state": "off", "problems": ["not set up"]}
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
    # {"session": "cookie"} is the UI's sign-in: the token goes into an HttpOnly cookie, not into the page.
    return await sign_in(request, email, password, cookie=body.get("session") == "cookie")


@routes.post("/api/v1/auth/logout")
@access("agent")
async def logout_handler(request: web.Request) -> web.Response:
    await require_agent(request)
    app = ctx(request)
    ended = await logout(app.engine, bearer(request))
    await request.app[LIVE].end_token(ended)  # this session's open event sockets close now
    response = web.json_response({"ok": True})
    clear_session_cookie(response, is_https(app.settings.public_url))
    return response


@routes.get("/api/v1/me")
@access("agent")
async def me(request: web.Request) -> web.Response:
    return web.json_response({"agent": _agent_json(await require_agent(request))})


@routes.get("/api/v1/events")
@access("agent_socket")
async def events(request: web.Request) -> web.StreamResponse:
    return await serve_events(request)
