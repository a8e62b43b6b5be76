"""The agent and admin web UI: a static single-page app (plain ES modules, no build step) plus the small APIs it
needs beyond the agent API (canned replies, connector forms, rules dry-run).

Authentication (sessions and CSRF): signing in from the UI sets an HttpOnly, SameSite=Strict session cookie (Secure
when public_url is https); the page never holds the token, every tab of the browser shares the one session, and
the events websocket is authenticated by the same cookie, so no credential is ever in a URL (or an access log).
A cookie travels with requests other sites make, so cookie-authenticated changes (POST/PUT/PATCH/DELETE) are
accepted only from our own pages: the UI sends `X-Requested-With: inbox` (a cross-site page cannot without a CORS
preflight, never granted here), Sec-Fetch-Site must not be cross-site and Origin, when sent, must be ours or in
server.allowed_origins (inbox.api.web_session). Scripts keep using `Authorization: Bearer`, which no browser adds
on its own. Logout (or expiry, or deactivation) closes the session's open event sockets.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from inbox.api.access import access
from inbox.ui import admin_extras, canned_api, connector_probe

STATIC = Path(__file__).with_name("static")


@access("public")
async def index(request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC / "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


def setup_ui(app: web.Application) -> None:
    """Register the UI page, its static files and its extra API routes on the application."""
    app.router.add_get("/", index)
    app.router.add_static("/ui/", STATIC)
    app.add_routes(canned_api.routes)
    app.add_routes(admin_extras.routes)
    app.add_routes(connector_probe.routes)
