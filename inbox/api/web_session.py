"""The browser's session: an HttpOnly, SameSite=Strict cookie set at login, and what makes it safe to accept.

The UI never holds the token (script cannot read the cookie), every tab of the browser shares the one session, and
nothing travels in a URL. Scripts keep sending `Authorization: Bearer`.

A cookie rides along on requests other sites make, so a cookie-authenticated request that changes anything must
prove it comes from our own pages: it carries the UI's custom header (a cross-site page can only send one after a
CORS preflight, which this server never grants), the browser does not call it cross-site (Sec-Fetch-Site), and its
Origin, when sent, is ours or one in server.allowed_origins. SameSite=Strict already keeps the cookie off
cross-site requests in current browsers; these checks do not depend on it.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

COOKIE = "inbox_session"
UI_HEADER = "X-Requested-With"
UI_HEADER_VALUE = "inbox"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def origin_allowed(request: web.Request, allowed: tuple[str, ...]) -> bool:
    """Browsers send Origin on websocket upgrades and unsafe requests: only our own origin (or configured ones)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser (scripts, tests): nothing is riding on someone else's credential
    if origin in allowed:
        return True
    return urlsplit(origin).netloc == request.host


def from_our_pages(request: web.Request, allowed: tuple[str, ...]) -> bool:
    if request.headers.get(UI_HEADER) != UI_HEADER_VALUE:
        return False
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return False
    return origin_allowed(request, allowed)


def refuse_cross_site() -> web.HTTPForbidden:
    return web.HTTPForbidden(text='{"error": "cross-site request refused"}', content_type="application/json")


def cookie_token(request: web.Request, allowed: tuple[str, ...]) -> str:
    """The session cookie's token ('' without one); an unsafe request that is not from our pages is refused."""
    token = request.cookies.get(COOKIE, "")
    if token and request.method not in SAFE_METHODS and not from_our_pages(request, allowed):
        raise refuse_cross_site()
    return token


def is_https(public_url: str) -> bool:
    return urlsplit(public_url).scheme == "https"


def set_session_cookie(response: web.StreamResponse, token: str, max_age: int, secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="Strict", secure=secure)


def clear_session_cookie(response: web.StreamResponse, secure: bool) -> None:
    response.del_cookie(COOKIE, path="/", httponly=True, samesite="Strict", secure=secure)
