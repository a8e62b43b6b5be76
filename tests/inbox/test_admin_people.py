"""Admin: password reset, deactivation ending sessions, team rename/delete, rules naming missing teams, and the
connector form's "test connection" — each attacked as a plain agent and with hostile input."""
from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from inbox.api.context import CTX
from inbox.config import RoutingSettings
from inbox.store.db import create_engine
from inbox.store.schema import agents, api_tokens, conversations, teams
from inbox.ui import connector_probe
from tests.inbox.appserver import add_agent, running, settings_for, token_for

RULES = Path(__file__).resolve().parents[2] / "inbox" / "defaults" / "rules.yaml"


@dataclass
class Env:
    server: object
    http: ClientSession
    admin: dict[str, str]
    ana: dict[str, str]

    @property
    def engine(self):  # noqa: ANN201
        return self.server.app[CTX].engine

    async def agent_id(self, email: str) -> int:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(agents.c.id).where(agents.c.email == email))).scalar_one()


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    """The app on SQLite and on PostgreSQL (a fresh schema per test)."""
    if db_url.startswith("postgresql"):
        engine = create_engine(db_url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
        await engine.dispose()
    await add_agent(db_url, "boss@example.com", role="admin")
    await add_agent(db_url, "ana@example.com", team="payments")
    await add_agent(db_url, "ben@example.com", team="payments")
    rules = tmp_path / "rules.yaml"
    shutil.copy(RULES, rules)
    async with running(settings_for(db_url, routing=RoutingSettings(rules=str(rules)))) as (server, http):
        yield Env(server, http, {"Authorization": f"Bearer {await token_for(http, 'boss@example.com')}"},
                  {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"})


ADMIN_ROUTES = [("post", "/api/v1/agents/{ben}/password", {"password": "new password 1"}),
                ("post", "/api/v1/agents/{ben}/deactivate", {}), ("post", "/api/v1/agents/{ben}/activate", {}),
                ("patch", "/api/v1/teams/{team}", {"name": "x"}), ("delete", "/api/v1/teams/{team}", None),
                ("get", "/api/v1/rules/team-check", None), ("post", "/api/v1/connectors/test", {"type": "webchat"})]


async def test_every_new_admin_route_refuses_agents_and_strangers(env: Env) -> None:
    ben = await env.agent_id("ben@example.com")
    async with env.engine.connect() as conn:
        team = (await conn.execute(select(teams.c.id))).scalar()
    for method, path, body in ADMIN_ROUTES:
        url = path.format(ben=ben, team=team)
        async with env.http.request(method, url, headers=env.ana, json=body) as r:
            assert r.status == 403, (method, url)
        async with env.http.request(method, url, json=body) as r:
            assert r.status == 401, (method, url)
    async with env.http.post(f"/api/v1/agents/{ben}/password", json={"password": "x" * 20}) as r:
        assert r.status == 401
    async with env.http.post("/api/v1/auth/login", json={"email": "ben@example.com", "password": "x" * 20}) as r:
        assert r.status == 401  # nothing changed


async def test_password_reset_sets_the_new_password_and_ends_sessions(env: Env) -> None:
    ben = await env.agent_id("ben@example.com")
    old = {"Authorization": f"Bearer {await token_for(env.http, 'ben@example.com')}"}
    for bad in ({"password": "short"}, {"password": 12345678}, {}, {"password": "x" * 1025}):
        async with env.http.post(f"/api/v1/agents/{ben}/password", headers=env.admin, json=bad) as r:
            assert r.status == 400, bad
    async with env.http.post("/api/v1/agents/99999/password", headers=env.admin, json={"password": "a" * 10}) as r:
        assert r.status == 404
    async with env.http.post("/api/v1/agents/abc/password", headers=env.admin, json={"password": "a" * 10}) as r:
        assert r.status == 404
    async with env.http.post(f"/api/v1/agents/{ben}/password", headers=env.admin,
                             json={"password": "a brand new one"}) as r:
        assert r.status == 200 and (await r.json())["sessions_ended"] == 1
    async with env.http.get("/api/v1/me", headers=old) as r:
        assert r.status == 401
    await token_for(env.http, "ben@example.com", "a brand new one")


async def test_deactivation_deletes_tokens_and_refuses_sign_in(env: Env) -> None:
    ben = await env.agent_id("ben@example.com")
    tokens = [await token_for(env.http, "ben@example.com") for _ in range(2)]
    async with env.http.post(f"/api/v1/agents/{ben}/deactivate", headers=env.admin) as r:
        assert r.status == 200 and (await r.json())["sessions_ended"] == 2
    async with env.engine.connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(api_tokens).where(
            api_tokens.c.agent_id == ben))).scalar_one()
    assert left == 0
    for token in tokens:
        async with env.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 401
    async with env.http.post("/api/v1/auth/login", json={"email": "ben@example.com", "password": "correct horse"}) as r:
        assert r.status == 401
    async with env.http.post(f"/api/v1/agents/{ben}/activate", headers=env.admin) as r:
        assert r.status == 200
    await token_for(env.http, "ben@example.com")
    boss = await env.agent_id("boss@example.com")
    async with env.http.post(f"/api/v1/agents/{boss}/deactivate", headers=env.admin) as r:
        assert r.status == 409  # not yourself (and not the last admin)


async def test_team_rename_and_delete(env: Env) -> None:
    async with env.http.post("/api/v1/teams", headers=env.admin, json={"name": "security"}) as r:
        assert r.status == 409  # serve created the teams its rules name on start
    async with env.engine.connect() as conn:
        security = (await conn.execute(select(teams.c.id).where(teams.c.name == "security"))).scalar_one()
    async with env.http.post("/api/v1/teams", headers=env.admin, json={"name": "empty"}) as r:
        empty = (await r.json())["team"]["id"]
    async with env.engine.connect() as conn:
        payments = (await conn.execute(select(teams.c.id).where(teams.c.name == "payments"))).scalar_one()
    for bad in ({"name": ""}, {"name": "  "}, {"name": 5}, {"name": "x" * 101}, {}):
        async with env.http.patch(f"/api/v1/teams/{security}", headers=env.admin, json=bad) as r:
            assert r.status == 400, bad
    async with env.http.patch(f"/api/v1/teams/{security}", headers=env.admin, json={"name": "payments"}) as r:
        assert r.status == 409
    async with env.http.patch(f"/api/v1/teams/{security}", headers=env.admin, json={"name": " Trust  and safety "}) as r:
        body = await r.json()
        assert body["team"]["name"] == "Trust and safety"
        assert "triage/security-to-security-team" in body["rules_naming_old_name"]
    async with env.http.get("/api/v1/rules/team-check", headers=env.admin) as r:
        problems = {p["team"]: p["problem"] for p in (await r.json())["problems"]}
    assert problems.get("security") == "missing" and "payments" not in problems
    # in use: refused with what uses it; move_to moves it
    async with env.http.delete(f"/api/v1/teams/{payments}", headers=env.admin) as r:
        assert r.status == 409 and (await r.json())["usage"]["agents"] == 2
    for bad in ("abc", str(payments), "-1", "9" * 30):
        async with env.http.delete(f"/api/v1/teams/{payments}?move_to={bad}", headers=env.admin) as r:
            assert 400 <= r.status < 500, bad
    async with env.http.delete(f"/api/v1/teams/{payments}?move_to={security}", headers=env.admin) as r:
        assert r.status == 200, await r.text()
    async with env.engine.connect() as conn:
        assert set((await conn.execute(select(agents.c.team_id).where(agents.c.role == "agent"))).scalars()) == {security}
        assert (await conn.execute(select(func.count()).select_from(conversations).where(
            conversations.c.team_id == payments))).scalar_one() == 0
    async with env.http.delete(f"/api/v1/teams/{empty}", headers=env.admin) as r:
        assert r.status == 200
    async with env.http.delete(f"/api/v1/teams/{empty}", headers=env.admin) as r:
        assert r.status == 404


@pytest.fixture
async def fake_telegram() -> AsyncIterator[dict]:
    state = {"delay": 0.0, "calls": []}

    async def handler(request: web.Request) -> web.Response:
        state["calls"].append(request.match_info["method"])
        await asyncio.sleep(state["delay"])
        if request.match_info["token"] != "123:good-token":
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        return web.json_response({"ok": True, "result": {"id": 123, "is_bot": True, "first_name": "Wallet",
                                                         "username": "wallet_help_bot"}})

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state["base"] = str(server.make_url("")).rstrip("/")
    try:
        yield state
    finally:
        await server.close()


async def test_test_connection_checks_credentials_without_saving_or_echoing_secrets(
        env: Env, fake_telegram: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    base = {"type": "telegram", "api_base": fake_telegram["base"]}
    async with env.http.post("/api/v1/connectors/test", headers=env.admin, json={**base, "token": "123:good-token"}) as r:
        body = await r.json()
    assert body == {"ok": True, "message": "signed in as @wallet_help_bot"}
    assert fake_telegram["calls"] == ["getMe"]  # nothing else: no webhook set or deleted
    async with env.http.post("/api/v1/connectors/test", headers=env.admin, json={**base, "token": "123:bad-secret"}) as r:
        body = await r.json()
    assert body["ok"] is False and body["kind"] == "AuthError" and "bad-secret" not in str(body)
    async with env.http.get("/api/v1/connectors", headers=env.admin) as r:
        assert [c["name"] for c in (await r.json())["connectors"]] == ["app-chat"]  # nothing was saved
    # an IMAP server that is not there: a clear failure, the password not repeated
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mail = {"type": "email", "imap": {"host": "127.0.0.1", "port": port, "username": "u", "password": "imap-pass-42",
                                      "security": "none", "timeout": 2},
            "smtp": {"host": "127.0.0.1", "from_address": "s@example.com"}}
    async with env.http.post("/api/v1/connectors/test", headers=env.admin, json=mail) as r:
        body = await r.json()
    assert r.status == 200 and body["ok"] is False and "imap-pass-42" not in str(body)
    # a server that never answers: the timeout ends the test
    monkeypatch.setattr(connector_probe, "PROBE_TIMEOUT_SECONDS", 0.5)
    fake_telegram["delay"] = 5
    async with env.http.post("/api/v1/connectors/test", headers=env.admin, json={**base, "token": "123:good-token"}) as r:
        body = await r.json()
    assert body["ok"] is False and "0.5 s" in body["error"]
    for bad in ({"type": "telegram"}, {"type": "fax"}, {"type": "telegram", "token": "x", "bogus": 1}, {}):
        async with env.http.post("/api/v1/connectors/test", headers=env.admin, json=bad) as r:
            assert r.status == 400, bad
    async with env.http.post("/api/v1/connectors/test", headers=env.admin, data=b"[]") as r:
        assert r.status == 400
    async with env.http.post("/api/v1/connectors/test", headers=env.admin, json={"type": "webchat"}) as r:
        assert (await r.json())["ok"] is True
