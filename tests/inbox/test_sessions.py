"""Issue #12 item 5 and #20 item 4: the browser's session cookie (HttpOnly, SameSite=Strict, Secure on https), CSRF
on cookie-authenticated changes, no token in URLs, first-frame auth on the events websocket, and an events socket
that closes when its session ends (logout, expiry, deactivation)."""
from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
import aiohttp
import pytest
from sqlalchemy import delete, select

from inbox.api import events_ws
from inbox.api.context import CTX
from inbox.api.live_sessions import SESSION_ENDED, end_agent_sessions
from inbox.config import InboxSettings, ServerSettings
from inbox.store.schema import api_tokens, teams
from tests.inbox.appserver import add_agent, running, settings_for, token_for

PASSWORD = "correct horse"
UI = {"X-Requested-With": "inbox"}


@pytest.fixture
async def db(engine, db_url: str) -> str:  # noqa: ANN001 - `engine` gives a fresh schema (SQLite and PostgreSQL)
    await add_agent(db_url, "ana@example.com")
    await add_agent(db_url, "boss@example.com", role="admin")
    return db_url


async def _cookie_login(http, email: str = "ana@example.com", headers: dict | None = None):  # noqa: ANN001, ANN202
    async with http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD, "session": "cookie"},
                         headers=UI if headers is None else headers) as r:
        return r.status, await r.json(), r.headers.getall("Set-Cookie", [])


def _session_cookie(set_cookies: list[str]):  # noqa: ANN202
    jar = SimpleCookie()
    for line in set_cookies:
        jar.load(line)
    return jar["inbox_session"]


async def _closed_with(ws, timeout: float = 10.0) -> int:  # noqa: ANN001
    """Read until the server closes the socket; the close code."""
    async def loop() -> int:
        while True:
            msg = await ws.receive()
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return ws.close_code
    return await asyncio.wait_for(loop(), timeout)


async def test_ui_sign_in_sets_an_httponly_strict_cookie_and_no_token_in_the_body(db: str) -> None:
    async with running(settings_for(db)) as (_, http):
        status, body, set_cookies = await _cookie_login(http)
        assert status == 200 and "token" not in body and body["agent"]["email"] == "ana@example.com"
        cookie = _session_cookie(set_cookies)
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
        assert not cookie["secure"]  # plain http here; see the https test
        assert int(cookie["max-age"]) > 0
        # The cookie alone is a session: any tab of the browser is signed in.
        async with http.get("/api/v1/me", headers={"Cookie": f"inbox_session={cookie.value}"}) as r:
            assert r.status == 200 and (await r.json())["agent"]["email"] == "ana@example.com"
        # Scripts keep getting a bearer token and no cookie.
        async with http.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": PASSWORD}) as r:
            assert r.status == 200 and (await r.json())["token"] and not r.headers.getall("Set-Cookie", [])


async def test_cookie_is_secure_when_the_public_url_is_https(db: str) -> None:
    settings = settings_for(db, server=ServerSettings(public_url="https://inbox.example.com"))
    async with running(settings) as (_, http):
        _, _, set_cookies = await _cookie_login(http)
        assert _session_cookie(set_cookies)["secure"]


async def test_cross_site_post_with_the_cookie_is_refused(db: str) -> None:
    async with running(settings_for(db)) as (server, http):
        _, _, set_cookies = await _cookie_login(http, "boss@example.com")
        cookie = {"Cookie": f"inbox_session={_session_cookie(set_cookies).value}"}
        hostile = [
            cookie,  # a plain cross-site form post: no custom header
            {**cookie, **UI, "Origin": "https://evil.example"},
            {**cookie, **UI, "Sec-Fetch-Site": "cross-site"},
        ]
        for i, headers in enumerate(hostile):
            async with http.post("/api/v1/teams", json={"name": f"evil{i}"}, headers=headers) as r:
                assert r.status == 403, (headers, await r.text())
                assert (await r.json())["error"] == "cross-site request refused"
        async with http.post("/api/v1/auth/logout", headers=cookie) as r:
            assert r.status == 403  # nor can another site sign the agent out
        async with server.app[CTX].engine.connect() as conn:
            assert (await conn.execute(select(teams.c.name))).all() == []
        # The UI itself (custom header, own origin) may.
        own = {**cookie, **UI, "Origin": str(server.make_url("")).rstrip("/")}
        async with http.post("/api/v1/teams", json={"name": "payments"}, headers=own) as r:
            assert r.status == 201, await r.text()


async def test_another_site_cannot_sign_a_browser_in(db: str) -> None:
    async with running(settings_for(db)) as (_, http):
        status, _, set_cookies = await _cookie_login(http, headers={"Origin": "https://evil.example"})
        assert status == 403 and not set_cookies
        status, _, set_cookies = await _cookie_login(http, headers={})
        assert status == 403 and not set_cookies


async def test_logout_by_cookie_ends_the_session_and_clears_the_cookie(db: str) -> None:
    async with running(settings_for(db)) as (_, http):
        _, _, set_cookies = await _cookie_login(http)
        cookie = {"Cookie": f"inbox_session={_session_cookie(set_cookies).value}"}
        async with http.post("/api/v1/auth/logout", headers={**cookie, **UI}) as r:
            assert r.status == 200
            cleared = _session_cookie(r.headers.getall("Set-Cookie"))
            assert cleared.value == "" and int(cleared["max-age"]) == 0
        async with http.get("/api/v1/me", headers=cookie) as r:
            assert r.status == 401


async def test_no_token_in_urls(db: str) -> None:
    async with running(settings_for(db)) as (_, http):
        token = await token_for(http, "ana@example.com")
        async with http.get(f"/api/v1/me?token={token}") as r:
            assert r.status == 401
        async with http.get(f"/api/v1/events?token={token}") as r:
            assert r.status == 400 and "URL" in (await r.json())["error"]
        async with http.get("/api/v1/events") as r:  # not an upgrade and no credential: nothing to wait for
            assert r.status == 401


async def test_events_first_frame_auth(db: str) -> None:
    async with running(settings_for(db)) as (server, http):
        token = await token_for(http, "ana@example.com")
        async with http.ws_connect("/api/v1/events") as ws:
            await ws.send_json({"type": "auth", "token": token})
            assert (await ws.receive_json(timeout=5))["type"] == "auth.ok"
            from inbox.events import Event
            server.app[CTX].events.publish(Event("conversation.updated", 1, None, {"type": "conversation.updated"}))
            assert (await ws.receive_json(timeout=5))["type"] == "conversation.updated"
        async with http.ws_connect("/api/v1/events") as ws:
            await ws.send_json({"type": "auth", "token": "not-a-token"})
            assert await _closed_with(ws) == SESSION_ENDED
        async with http.ws_connect("/api/v1/events") as ws:
            await ws.send_json({"type": "viewing", "conversation_id": 1})  # anything but auth first
            assert await _closed_with(ws) == SESSION_ENDED


async def test_events_socket_without_a_first_frame_closes(db: str, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(events_ws, "AUTH_TIMEOUT", 0.3)
    async with running(settings_for(db)) as (_, http):
        async with http.ws_connect("/api/v1/events") as ws:
            assert await _closed_with(ws) == SESSION_ENDED


async def test_events_by_cookie_and_origin(db: str) -> None:
    async with running(settings_for(db)) as (server, http):
        _, _, set_cookies = await _cookie_login(http)
        cookie = {"Cookie": f"inbox_session={_session_cookie(set_cookies).value}"}
        async with http.ws_connect("/api/v1/events", headers={**cookie, "Origin": str(server.make_url("")).rstrip("/")}):
            pass
        with pytest.raises(aiohttp.WSServerHandshakeError) as e:
            async with http.ws_connect("/api/v1/events", headers={**cookie, "Origin": "https://evil.example"}):
                pass
        assert e.value.status == 403


async def test_logout_closes_the_sessions_open_sockets_only(db: str) -> None:
    async with running(settings_for(db)) as (_, http):
        first, second = await token_for(http, "ana@example.com"), await token_for(http, "ana@example.com")
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {first}"}) as ws1, \
                http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {second}"}) as ws2:
            async with http.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"}) as r:
                assert r.status == 200
            assert await _closed_with(ws1) == SESSION_ENDED
            await ws2.send_json({"type": "viewing", "conversation_id": 1})
            with pytest.raises(asyncio.TimeoutError):
                await ws2.receive(timeout=0.5)  # still open: another session of the same agent
            assert not ws2.closed


async def test_deactivation_closes_the_agents_sockets(db: str) -> None:
    async with running(settings_for(db)) as (server, http):
        ana, boss = await token_for(http, "ana@example.com"), await token_for(http, "boss@example.com")
        async with http.get("/api/v1/me", headers={"Authorization": f"Bearer {ana}"}) as r:
            ana_id = (await r.json())["agent"]["id"]
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {ana}"}) as ws:
            async with http.patch(f"/api/v1/agents/{ana_id}", json={"active": False},
                                  headers={"Authorization": f"Bearer {boss}"}) as r:
                assert r.status == 200
            assert await _closed_with(ws) == SESSION_ENDED
        # The function other code calls (e.g. a future `inbox user disable` path inside the server) does the same.
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {boss}"}) as ws:
            me = await (await http.get("/api/v1/me", headers={"Authorization": f"Bearer {boss}"})).json()
            assert await end_agent_sessions(server.app, me["agent"]["id"]) == 1
            assert await _closed_with(ws) == SESSION_ENDED


async def test_expired_token_closes_the_socket(db: str) -> None:
    settings = settings_for(db, inbox=InboxSettings(token_ttl_hours=1.5 / 3600))  # 1.5 s
    async with running(settings) as (_, http):
        token = await token_for(http, "ana@example.com")
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {token}"}) as ws:
            assert await _closed_with(ws) == SESSION_ENDED


async def test_session_ended_elsewhere_is_noticed_by_the_recheck(db: str) -> None:
    """Another process (a second server, an `inbox` command) removed the token: the periodic re-check closes."""
    settings = settings_for(db, inbox=InboxSettings(session_recheck_seconds=0.2))
    async with running(settings) as (server, http):
        token = await token_for(http, "ana@example.com")
        async with http.ws_connect("/api/v1/events", headers={"Authorization": f"Bearer {token}"}) as ws:
            async with server.app[CTX].engine.begin() as conn:
                await conn.execute(delete(api_tokens))
            assert await _closed_with(ws) == SESSION_ENDED
