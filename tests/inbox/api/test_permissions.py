"""The permission table, generated from the app's own routes (issue #12: "one permission table").

Every route of `build_app` must declare its access level (inbox.api.access); a route added without one fails
`test_every_route_declares_who_may_call_it`. Then every route is called as five callers: an admin, an agent of the
conversation's team, an agent of another team, no token, an expired token, and the answer must match the level.
Routes listed in SAMPLES are called with a body that makes the allowed callers succeed (2xx); a route without a sample
is still called (empty body) and must at least refuse the callers its level refuses.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update
from aiohttp import web
from aiohttp.test_utils import TestServer

from inbox.api.access import Access, route_access
from inbox.app import build_app
from inbox.auth import create_agent
from inbox.domain import Visibility, utcnow
from inbox.replies import enqueue_reply
from inbox.store.schema import conversations, messages, outbox, teams
from tests.inbox.api.conftest import PASSWORD, RULES, World
from tests.inbox.appserver import settings_for

CALLERS = ("admin", "team_agent", "other_team_agent", "none", "expired")


@dataclass(frozen=True)
class Call:
    path: str
    body: Any = None
    websocket: bool = False


Sample = Callable[[World], Awaitable[Call]]


def fixed(path: str, body: Any = None, websocket: bool = False) -> Sample:
    async def make(world: World) -> Call:
        return Call(path, body, websocket)

    return make


def conv(tail: str = "", body: Any = None) -> Sample:
    async def make(world: World) -> Call:
        return Call(f"/api/v1/conversations/{world.conversation_id}{tail}", body)

    return make


async def conv_probe(world: World) -> Call:
    return Call(f"/test/probe/conversations/{world.conversation_id}")


async def _new_agent(world: World) -> Call:
    return Call("/api/v1/agents", {"email": f"new{world.next()}@example.com", "password": "a long password"})


async def _patch_agent(world: World) -> Call:
    return Call(f"/api/v1/agents/{world.agent_ids['team_agent']}", {"available": True})


async def _throwaway_agent(world: World, tail: str, body: Any = None) -> Call:
    """An agent made for one call: a password reset or deactivation must not end the callers' own sessions."""
    agent = await create_agent(world.engine, f"temp{world.next()}@example.com", PASSWORD, "agent")
    return Call(f"/api/v1/agents/{agent.id}{tail}", body)


async def _reset_password(world: World) -> Call:
    return await _throwaway_agent(world, "/password", {"password": "another long password"})


async def _deactivate(world: World) -> Call:
    return await _throwaway_agent(world, "/deactivate", {})


async def _activate(world: World) -> Call:
    return await _throwaway_agent(world, "/activate", {})


async def _team(world: World, body: Any = None, query: str = "") -> Call:
    async with world.engine.begin() as conn:
        team_id = (await conn.execute(teams.insert().returning(teams.c.id),
                                      {"name": f"spare-{world.next()}"})).scalar_one()
    return Call(f"/api/v1/teams/{team_id}{query}", body)


async def _rename_team(world: World) -> Call:
    return await _team(world, {"name": f"renamed-{world.next()}"})


async def _delete_team(world: World) -> Call:
    return await _team(world)


async def _contact(world: World, tail: str = "", body: Any = None) -> Call:
    async with world.engine.connect() as conn:
        contact_id = (await conn.execute(select(conversations.c.contact_id).where(
            conversations.c.id == world.conversation_id))).scalar_one()
    return Call(f"/api/v1/contacts/{contact_id}{tail}", body)


async def _get_contact(world: World) -> Call:
    return await _contact(world)


async def _resend(world: World) -> Call:
    """A reply that failed: the one thing resend accepts."""
    async with world.engine.begin() as conn:
        queued = await enqueue_reply(conn, world.conversation_id, "Checking", Visibility.PRIVATE, utcnow(),
                                     agent_id=world.agent_ids["team_agent"])
        await conn.execute(update(outbox).where(outbox.c.id == queued.outbox_id).values(state="failed"))
        await conn.execute(update(messages).where(messages.c.id == queued.message_id).values(status="failed"))
    return Call(f"/api/v1/conversations/{world.conversation_id}/messages/{queued.message_id}/resend", {})


async def _new_team(world: World) -> Call:
    return Call("/api/v1/teams", {"name": f"team-{world.next()}"})


async def _put_connector(world: World) -> Call:
    return Call(f"/api/v1/connectors/perm-chat-{world.next()}",
                {"type": "webchat", "identity_secret": "a-long-identity-secret"})


def _canned_body(world: World) -> dict[str, str]:
    return {"shortcut": f"perm-{world.next()}", "title": "Thanks", "text": "Thank you for waiting."}


async def _new_canned(world: World) -> Call:
    return Call("/api/v1/canned-replies", _canned_body(world))


async def _replace_canned(world: World) -> Call:
    return Call(f"/api/v1/canned-replies/{await world.canned_reply_of('team_agent')}", _canned_body(world))


async def _delete_canned(world: World) -> Call:
    return Call(f"/api/v1/canned-replies/{await world.canned_reply_of('team_agent')}")


_RULES_TEXT = {"text": RULES.read_text(encoding="utf-8")}
SAMPLES: dict[tuple[str, str], Sample] = {
    ("GET", "/healthz"): fixed("/healthz"),
    ("POST", "/api/v1/auth/login"): fixed("/api/v1/auth/login", {"email": "boss@example.com", "password": PASSWORD}),
    ("POST", "/api/v1/auth/logout"): fixed("/api/v1/auth/logout"),
    ("GET", "/api/v1/me"): fixed("/api/v1/me"),
    ("GET", "/api/v1/events"): fixed("/api/v1/events", websocket=True),
    ("GET", "/api/v1/agents"): fixed("/api/v1/agents"),
    ("POST", "/api/v1/agents"): _new_agent,
    ("PATCH", "/api/v1/agents/{id}"): _patch_agent,
    ("GET", "/api/v1/teams"): fixed("/api/v1/teams"),
    ("POST", "/api/v1/teams"): _new_team,
    ("GET", "/api/v1/connectors"): fixed("/api/v1/connectors"),
    ("PUT", "/api/v1/connectors/{name}"): _put_connector,
    ("DELETE", "/api/v1/connectors/{name}"): fixed("/api/v1/connectors/perm-gone"),
    ("GET", "/api/v1/rules"): fixed("/api/v1/rules"),
    ("POST", "/api/v1/rules/validate"): fixed("/api/v1/rules/validate", _RULES_TEXT),
    ("PUT", "/api/v1/rules"): fixed("/api/v1/rules", _RULES_TEXT),
    ("POST", "/api/v1/rules/dry-run"): fixed("/api/v1/rules/dry-run", {"text": "my account was hacked"}),
    ("GET", "/api/v1/connector-types"): fixed("/api/v1/connector-types"),
    ("GET", "/api/v1/conversations"): fixed("/api/v1/conversations"),
    ("GET", "/api/v1/conversations/counts"): fixed("/api/v1/conversations/counts"),
    ("GET", "/api/v1/conversations/{id}"): conv(),
    ("GET", "/api/v1/conversations/{id}/messages"): conv("/messages"),
    ("POST", "/api/v1/conversations/{id}/messages"): conv("/messages", {"text": "a note", "private_note": True}),
    ("POST", "/api/v1/conversations/{id}/preview"): conv("/preview", {"text": "hello"}),
    ("PATCH", "/api/v1/conversations/{id}"): conv("", {"add_tags": ["checked"]}),
    ("GET", "/api/v1/conversations/{id}/audit"): conv("/audit"),
    ("GET", "/api/v1/canned-replies"): fixed("/api/v1/canned-replies"),
    ("POST", "/api/v1/canned-replies"): _new_canned,
    ("PUT", "/api/v1/canned-replies/{id}"): _replace_canned,
    ("DELETE", "/api/v1/canned-replies/{id}"): _delete_canned,
    # Channel routes: the chat identity is wrong (anonymous visitors are a feature, so "no credential" is not it).
    ("*", "/chat/v1/{tail}"): fixed("/chat/v1/ws?user_id=u1&user_hash=00", websocket=True),
    ("POST", "/webhooks/{type}/{name}"): fixed("/webhooks/telegram/not-configured", {}),
    ("GET", "/chat/demo"): fixed("/chat/demo"),
    # The probes of conftest.add_probes: handlers without checks of their own, so only the middleware refuses.
    ("GET", "/test/probe/admin"): fixed("/test/probe/admin"),
    ("GET", "/test/probe/conversations/{id}"): conv_probe,
    ("GET", "/"): fixed("/"),
    # Admin: agents and teams (issue #20), each on a throwaway so the callers' own sessions survive.
    ("POST", "/api/v1/agents/{id}/password"): _reset_password,
    ("POST", "/api/v1/agents/{id}/deactivate"): _deactivate,
    ("POST", "/api/v1/agents/{id}/activate"): _activate,
    ("PATCH", "/api/v1/teams/{id}"): _rename_team,
    ("DELETE", "/api/v1/teams/{id}"): _delete_team,
    ("GET", "/api/v1/rules/team-check"): fixed("/api/v1/rules/team-check"),
    ("GET", "/api/v1/contacts/{id}"): _get_contact,
    # Service levels (issue #17)
    ("GET", "/api/v1/sla/policies"): fixed("/api/v1/sla/policies"),
    ("PUT", "/api/v1/sla/policies"): fixed("/api/v1/sla/policies", {"policies": [
        {"name": "all", "first_response": "4h"}]}),
    ("DELETE", "/api/v1/sla/policies"): fixed("/api/v1/sla/policies"),
    ("POST", "/api/v1/conversations/{id}/follow-up"): conv("/follow-up", {"in_days": 3, "note": "call back"}),
    ("GET", "/rate"): fixed("/rate?token=whatever"),
    ("POST", "/rate"): fixed("/rate", {"token": "forged", "score": 5}),  # no such request: 404 for everyone
    ("GET", "/api/v1/reports/volume"): fixed("/api/v1/reports/volume?by=hour&tz=Asia/Shanghai"),
    ("GET", "/api/v1/reports/times"): fixed("/api/v1/reports/times?metric=resolution&by=team"),
    ("GET", "/api/v1/reports/satisfaction"): fixed("/api/v1/reports/satisfaction?by=agent"),
    ("POST", "/api/v1/conversations/{id}/messages/{message_id}/resend"): _resend,
}
# Where a handler refuses more than its level does (defence in depth): expected status per caller.
HANDLER_RULES: dict[tuple[str, str], dict[str, int]] = {
    ("PATCH", "/api/v1/agents/{id}"): {"other_team_agent": 403},  # only yourself, unless admin
    ("PUT", "/api/v1/canned-replies/{id}"): {"other_team_agent": 403},  # only its author or an admin
    ("DELETE", "/api/v1/canned-replies/{id}"): {"other_team_agent": 403},
    # A contact is seen by whoever may see one of its conversations: here only team red's (404, as conversations).
    ("GET", "/api/v1/contacts/{id}"): {"other_team_agent": 404},
}
EXPECTED: dict[Access, dict[str, str | int]] = {
    "public": {c: "ok" for c in CALLERS},
    "agent": {"admin": "ok", "team_agent": "ok", "other_team_agent": "ok", "none": 401, "expired": 401},
    "conversation": {"admin": "ok", "team_agent": "ok", "other_team_agent": 404, "none": 401, "expired": 401},
    "admin": {"admin": "ok", "team_agent": 403, "other_team_agent": 403, "none": 401, "expired": 401},
    "channel": {c: "refused" for c in CALLERS},
    # The events socket: a credential with the upgrade is checked like "agent"; with none the socket opens and the
    # first frame must prove the caller (here a wrong token: closed with 4401, counted as 401).
    "agent_socket": {"admin": "ok", "team_agent": "ok", "other_team_agent": "ok", "none": 401, "expired": 401},
}
SESSION_ENDED = 4401


def _routes(app: web.Application) -> list[tuple[str, str, web.AbstractRoute]]:
    """(method, canonical path, route) of every callable route; HEAD shares its GET's handler and declaration."""
    return [(r.method, r.resource.canonical, r) for r in app.router.routes()
            if r.method != "HEAD" and r.resource is not None]


def _fallback(world: World, method: str, canonical: str, route: web.AbstractRoute) -> Call:
    if isinstance(route.resource, web.StaticResource):
        directory = Path(route.resource.get_info()["directory"])
        first = min(p.name for p in directory.iterdir() if p.is_file())
        return Call(f"{canonical}/{first}")
    fill = {"id": str(world.conversation_id), "name": "app-chat", "type": "webchat", "tail": "ws",
            "message_id": "1", "identity_id": "1", "merge_id": "1"}
    path = canonical
    for key, value in fill.items():
        path = path.replace("{" + key + "}", value)
    return Call(path)


async def _status(world: World, method: str, call: Call, caller: str, level: Access | None = None) -> int:
    headers = await world.headers(caller)
    if call.websocket:
        try:
            async with world.http.ws_connect(call.path, headers=headers) as ws:
                if level == "agent_socket" and caller == "none":
                    await ws.send_json({"type": "auth", "token": "not-a-token"})
                    frame = await ws.receive(timeout=10)
                    return 401 if frame.type == aiohttp.WSMsgType.CLOSE and frame.data == SESSION_ENDED else 101
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as e:
            return e.status
    kwargs = {"json": call.body} if call.body is not None else {}
    async with world.http.request("GET" if method == "*" else method, call.path, headers=headers, **kwargs) as r:
        await r.read()
        return r.status


def _matches(want: str | int, status: int, strict: bool, level: Access) -> bool:
    if want == "ok":
        if strict:
            return 200 <= status < 300 or status == 101
        return status < 500 and status not in (401, 403) and not (level == "conversation" and status == 404)
    if want == "refused":
        return 400 <= status < 500
    return status == want


def test_every_route_declares_who_may_call_it(tmp_path: Path) -> None:
    app = build_app(settings_for(f"sqlite+aiosqlite:///{tmp_path}/inbox.db"))
    undeclared = [f"{r.method} {r.resource.canonical}" for r in app.router.routes() if route_access(r) is None]
    assert undeclared == [], "routes without @access(level): " + ", ".join(undeclared)
    assert len(list(app.router.routes())) > 30  # the table really was read
    # A route naming a conversation must check the caller may see it; "agent" there would let any team in.
    for r in app.router.routes():
        if r.resource is not None and r.resource.canonical.startswith("/api/v1/conversations/{id}"):
            assert route_access(r) == "conversation", f"{r.method} {r.resource.canonical}"


async def test_every_route_answers_every_caller_as_its_level_says(world: World) -> None:
    failures, called = [], 0
    for method, canonical, route in _routes(world.server.app):
        level = route_access(route)
        assert level is not None, f"{method} {canonical} declares no access level"
        sample = SAMPLES.get((method, canonical))
        expected = {**EXPECTED[level], **HANDLER_RULES.get((method, canonical), {})}
        for caller in CALLERS:
            call = await sample(world) if sample else _fallback(world, method, canonical, route)
            status = await _status(world, method, call, caller, level)
            called += 1
            strict = sample is not None or isinstance(route.resource, web.StaticResource)
            if not _matches(expected[caller], status, strict, level):
                failures.append(f"{method} {call.path} as {caller} ({level}): {status}, expected {expected[caller]}")
    assert failures == [], "\n".join(failures)
    assert called >= 5 * len(SAMPLES)


async def test_a_route_without_a_declaration_is_refused_and_logged(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    async def forgotten(request: web.Request) -> web.Response:
        return web.json_response({"leaked": True})

    app = build_app(settings_for(f"sqlite+aiosqlite:///{tmp_path}/inbox.db"))
    app.router.add_get("/api/v1/forgotten", forgotten)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession(base_url=str(server.make_url(""))) as http:
            with caplog.at_level(logging.ERROR, logger="inbox.api.access"):
                async with http.get("/api/v1/forgotten") as r:
                    assert r.status == 403
                    assert "leaked" not in await r.text()
    finally:
        await server.close()
    assert any("declares no access level" in rec.getMessage() and "/api/v1/forgotten" in rec.getMessage()
               for rec in caplog.records)


async def test_the_chat_socket_refuses_a_caller_without_a_chat_identity_whatever_agent_token(world: World) -> None:
    """A connector without anonymous visitors: no signed user id, no socket (an agent's token is no chat identity)."""
    for caller in CALLERS:
        status = await _status(world, "GET", Call("/chat/v1/ws?connector=members-chat", websocket=True), caller)
        assert status == 403, caller
