"""Hostile input on every route of the table: malformed or huge ids, bad query values, JSON of the wrong shape.
The answer may be any 4xx (or a success that changed nothing harmful); never a 500 (issue #12 item 10)."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from sqlalchemy import select

from inbox.store.schema import conversation_tags, conversations
from tests.inbox.api.conftest import World

HOSTILE_IDS = ("abc", str(10**30), "-1", "0", "1.5", "1e3", "0x10", "٣", "²", "9223372036854775808", "%00",
               "99999999999999999")
HOSTILE_NAMES = ("x" * 500, "..", "%00", "a b", "名字", "-lead")
HOSTILE_QUERIES: tuple[dict[str, str], ...] = (
    {"limit": "-1"}, {"limit": str(10**30)}, {"limit": "abc"}, {"limit": "1" * 5000}, {"offset": str(10**30)},
    {"offset": "-5"}, {"assignee": str(10**30)}, {"assignee": "²"}, {"assignee": "-1"}, {"status": "open,,<x>"},
    {"q": "%_\\'\""}, {"q": "#1" + "0" * 40}, {"view": "nonsense"}, {"tag": "x" * 5000}, {"team": "\x00"},
    {"reveal": "1"}, {"type": "a,b,c"}, {"connector": "../../etc"}, {"q": "a\x00"}, {"\x00": "1"},
    # Search and cursors (issue #15): query-language syntax, forged cursors, dates.
    {"q": 'body:"x" OR NEAR(a b) NOT *'}, {"q": "')|!('a':* <-> \\"}, {"q": "提" * 5000}, {"q": "a " * 3000},
    {"cursor": "x"}, {"cursor": "9" * 40 + ".1"}, {"q": "abc", "cursor": "m" + "9" * 40}, {"q": "abc", "cursor": "1.1"},
    {"since": "x"}, {"until": "9999-99-99"}, {"since": "2026-01-01T00:00:00+99:00"}, {"before": "-1"},
    {"limit": "0", "before": "1"}, {"before": str(10**30)},
)
NESTED = b"[" * 100_000 + b"]" * 100_000
RAW_BODIES: tuple[bytes, ...] = (NESTED, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, b"5", b'"text"', b"null", b"[]",
                                 b"{", b"\xff\xfe", b'{"email": "' + b"9" * 5000 + b'"}')
JSON_BODIES: tuple[Any, ...] = (
    {"add_tags": 5}, {"remove_tags": 5}, {"add_tags": [1, {}]}, {"add_tags": "abc"}, {"assignee_id": 10**30},
    {"assignee_id": -1}, {"assignee_id": "1"}, {"assignee_id": True}, {"team": 5}, {"team": ["x"]}, {"status": []},
    {"status": 5}, {"priority": {}}, {"type": {"a": 1}}, {"snooze_until": 5},
    {"snooze_until": "2030-01-01T00:00:00"}, {"snooze_until": "9999-12-31T23:59:59-14:00"}, {"snooze_until": "x"},
    {"text": 5}, {"text": {"a": 1}}, {"text": ""}, {"private_note": {}, "text": "x", "visibility": []},
    {"email": {}, "password": []}, {"email": "a@b.c", "password": "long enough!", "name": {}, "team": []},
    {"available": "x"}, {"role": 5}, {"active": None}, {"name": 10**30},
    {"shortcut": 5, "title": [], "text": {}}, {"shortcut": "s", "title": "t", "text": "x", "language": {}},
    {"type": 5}, {"type": "webchat", "identity_secret": 5}, {"type": "nope"}, {"channel": [], "text": "x"},
    {"visibility": {}, "text": "x"}, {"rules_text": 5, "text": "x"}, {"text": "x" * 60_000}, {"name": ""},
    {"name": "x" * 10_000}, {"type": "x" * 1_000}, {"team": "x" * 1_000}, {"add_tags": ["x" * 1_000]},
    {"email": "a@b.c", "password": "long enough!", "name": "x" * 1_000, "team": "y" * 1_000},
    {"text": "a\x00b"}, {"name": "\x00"}, {"add_tags": ["\x00"]}, {"\x00": 1}, {"shortcut": "s\x00", "title": "t",
                                                                         "text": "x"},
)


def _fill(path: str, world: World, **override: str) -> str:
    values = {"id": str(world.conversation_id), "name": "hostile-connector", "type": "webchat", "tail": "ws",
              **override}
    for key, value in values.items():
        path = path.replace("{" + key + "}", value)
    return path


def _targets(world: World) -> list[tuple[str, str]]:
    """(method, canonical path) of every route a request body or query can reach (not static files or sockets)."""
    out = []
    for route in world.server.app.router.routes():
        canonical = route.resource.canonical if route.resource is not None else ""
        if route.method == "HEAD" or isinstance(route.resource, web.StaticResource) or "{tail}" in canonical \
                or canonical == "/api/v1/events":
            continue
        out.append((route.method, canonical))
    return out


async def _send(world: World, method: str, path: str, admin: dict[str, str], **kwargs: Any) -> int:
    headers = await world.headers("admin") if path.endswith("/logout") else admin
    async with world.http.request(method, path, headers={**headers, **kwargs.pop("headers", {})}, **kwargs) as r:
        await r.read()
        return r.status


async def test_no_input_makes_any_route_fail_with_500(world: World) -> None:
    admin = await world.headers("admin")
    errors: list[str] = []
    sent = 0
    for method, canonical in _targets(world):
        attempts: list[tuple[str, dict[str, Any]]] = []
        for key, hostile in (("{id}", HOSTILE_IDS), ("{name}", HOSTILE_NAMES), ("{type}", HOSTILE_NAMES)):
            if key in canonical:
                attempts += [(_fill(canonical, world, **{key[1:-1]: value}), {}) for value in hostile]
        path = _fill(canonical, world)
        if method == "GET":
            attempts += [(path, {"params": query}) for query in HOSTILE_QUERIES]
        if method in ("POST", "PUT", "PATCH"):
            attempts += [(path, {"data": raw, "headers": {"Content-Type": "application/json"}}) for raw in RAW_BODIES]
            attempts += [(path, {"json": body}) for body in JSON_BODIES]
        for target, kwargs in attempts:
            status = await _send(world, method, target, admin, **kwargs)
            sent += 1
            if status >= 500:
                shown = {k: (v if len(json.dumps(v, default=str)) < 80 else "<long>") for k, v in kwargs.items()}
                errors.append(f"{method} {target[:80]} {shown}: {status}")
    assert errors == [], "\n".join(errors)
    assert sent > 500


async def test_limit_below_one_cannot_bypass_the_cap(world: World) -> None:
    headers = await world.headers("admin")
    for limit in ("-1", "0"):
        async with world.http.get("/api/v1/conversations", params={"limit": limit}, headers=headers) as r:
            assert r.status == 400
    async with world.http.get("/api/v1/conversations", params={"limit": "100000"}, headers=headers) as r:
        assert r.status == 200  # above the cap: served, at most 200 rows


async def test_wrong_types_in_a_conversation_change_are_a_400_and_change_nothing(world: World) -> None:
    async def state() -> tuple[Any, ...]:
        async with world.engine.connect() as conn:
            row = (await conn.execute(select(conversations).where(conversations.c.id == world.conversation_id))).one()
            tags = (await conn.execute(select(conversation_tags.c.tag)
                                       .where(conversation_tags.c.conversation_id == row.id))).scalars().all()
        return row.status, row.assignee_id, row.team_id, row.snoozed_until, sorted(tags)

    before = await state()
    headers = await world.headers("team_agent")
    for body in ({"add_tags": 5}, {"status": "resolved", "add_tags": [1]}, {"remove_tags": 5},
                 {"assignee_id": 10**30}, {"assignee_id": "1"}, {"team": 5},
                 {"snooze_until": "9999-12-31T23:59:59-14:00"}):
        async with world.http.patch(f"/api/v1/conversations/{world.conversation_id}", json=body, headers=headers) as r:
            assert r.status == 400, (body, await r.text())
    assert await state() == before


async def test_deeply_nested_json_on_login_is_a_400(world: World) -> None:
    async with world.http.post("/api/v1/auth/login", data=NESTED, headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
