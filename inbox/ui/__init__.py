"""The agent and admin web UI: a static single-page app (plain ES modules, no build step) plus the small APIs it
needs beyond the agent API (canned replies, connector forms, rules dry-run).

Authentication choice (CSRF): the UI keeps the bearer token in sessionStorage and sends it in an Authorization
header with JSON fetches. No cookie is ever set, so a cross-site form post carries no credential and there is no
CSRF surface; the login <form> is handled in script and posts JSON, so it is not a usable cross-site target either.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from inbox.ui import admin_extras, canned_api, connector_probe

STATIC = Path(__file__).with_name("static")


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
