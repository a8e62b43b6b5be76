"""Signing in: the throttle in front of the password check, the audit of failures, the token or session cookie."""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

from aiohttp import web

from inbox.api.context import ctx, json_error
from inbox.api.login_throttle import LoginThrottle
from inbox.api.web_session import from_our_pages, is_https, refuse_cross_site, set_session_cookie
from inbox.auth import Agent, login
from inbox.config import InboxSettings
from inbox.domain import utcnow
from inbox.store.schema import audit

log = logging.getLogger(__name__)
THROTTLE = web.AppKey("inbox_login_throttle", LoginThrottle)
_EMAIL_SHAPE = re.compile(r"[^@\s]{1,100}@[^@\s]{1,150}")


def login_throttle(settings: InboxSettings) -> LoginThrottle:
    return LoginThrottle.from_limits(settings.login_failures_per_account, settings.login_failures_per_address,
                                     settings.login_failure_window_seconds)


def agent_json(agent: Agent) -> dict[str, object]:
    return {"id": agent.id, "email": agent.email, "name": agent.name, "role": agent.role, "team_id": agent.team_id}


async def sign_in(request: web.Request, email: str, password: str, cookie: bool) -> web.Response:
    app = ctx(request)
    allowed = app.settings.server.allowed_origins
    if cookie and not from_our_pages(request, allowed):
        raise refuse_cross_site()  # another site must not sign a visitor in to an account of its choosing
    throttle = request.app[THROTTLE]
    account, address = email.strip().lower()[:320], request.remote or "unknown"
    wait = throttle.retry_after(account, address)
    if wait:
        if throttle.first_refusal(account, address, wait):
            await _audit(app.engine, account, "login_throttled", f"from {address}; retry after {wait} s")
        await asyncio.sleep(min(wait, app.settings.inbox.login_refusal_delay_seconds))
        return web.json_response({"error": "too many failed sign-ins; try again later", "retry_after": wait},
                                 status=429, headers={"Retry-After": str(wait)})
    stamps = throttle.begin(account, address)
    result = await login(app.engine, email, password, timedelta(hours=app.settings.inbox.token_ttl_hours))
    if result is None:
        await _audit(app.engine, account, "login_failed", f"from {address}")
        return json_error(401, "wrong email or password")
    throttle.succeeded(account, address, stamps)
    token, agent = result
    if not cookie:
        return web.json_response({"token": token, "agent": agent_json(agent)})
    response = web.json_response({"agent": agent_json(agent)})
    set_session_cookie(response, token, int(app.settings.inbox.token_ttl_hours * 3600),
                       secure=is_https(app.settings.public_url))
    return response


async def _audit(engine, account: str, action: str, detail: str) -> None:  # noqa: ANN001 - AsyncEngine
    """Who tried, from where; never the password. Something that is not an email (a password typed into the
    email field, say) is not written either."""
    actor = account if _EMAIL_SHAPE.fullmatch(account) else "(not an email address)"
    try:
        async with engine.begin() as conn:
            await conn.execute(audit.insert(), {"at": utcnow(), "actor": actor[:200], "action": action,
                                                "conversation_id": None, "detail": detail})
    except Exception:  # noqa: BLE001 - a failed audit write must not turn a 401 into a 500
        log.exception("could not audit %s", action)
