"""`--role`: what each process runs, what a single-process database refuses, and what cannot cross processes."""
from __future__ import annotations

import asyncio

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from inbox.app import build_app
from inbox.cluster.roles import Role, cluster_problems, process_name
from inbox.cluster.runtime import CLUSTER
from inbox.store.schema import messages, outbox
from tests.inbox.appserver import add_agent, settings_for, token_for
from tests.inbox.test_agent_secrets import SECRET_REPLIES, _chat_conversation
from tests.inbox.test_cli import _own_home, run  # noqa: F401 - the CLI fixture: a home of its own


def test_sqlite_refuses_web_and_worker(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\n")
    for role in ("web", "worker"):
        r = run("check-config", "--config", str(cfg), "--role", role)
        assert r.returncode == 2 and "SQLite is single-process" in r.stderr and "database.url" in r.stderr
        served = run("serve", "--config", str(cfg), "--role", role, "--port", "0")
        assert served.returncode == 2 and "SQLite is single-process" in served.stderr
    ok = run("check-config", "--config", str(cfg))
    assert ok.returncode == 0 and "processes: one (SQLite is single-process" in ok.stdout


def test_postgresql_allows_every_role_and_says_redis_is_missing(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text("database: {url: 'postgresql+asyncpg://postgres@127.0.0.1:5432/nowhere'}\n"
                   "redis: {url: 'redis://:hunter2-redis@127.0.0.1:6379/0'}\n")
    r = run("check-config", "--config", str(cfg), "--role", "web")
    assert r.returncode == 0, r.stderr
    assert "one or several" in r.stdout and "hunter2-redis" not in r.stdout + r.stderr
    cfg.write_text("database: {url: 'postgresql+asyncpg://postgres@127.0.0.1:5432/nowhere'}\n")
    r = run("check-config", "--config", str(cfg), "--role", "worker")
    assert r.returncode == 0 and "redis.url: not set" in r.stderr


def test_process_names_differ_per_incarnation(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("INBOX_PROCESS_NAME", "worker-1")
    a, b = process_name(Role.WORKER), process_name(Role.WORKER)
    assert a.startswith("worker-1#") and a != b  # a restart never renews its predecessor's claims
    assert Role.WEB.clustered and not Role.ALL.clustered and not Role.WEB.runs_outbox


async def test_web_role_runs_no_outbox_and_refuses_secret_replies(engine, db_url: str) -> None:  # noqa: ANN001
    if engine.dialect.name != "postgresql":
        assert cluster_problems(settings_for(db_url), Role.WEB)
        pytest.skip("web/worker need PostgreSQL")
    await add_agent(db_url, "ana@example.com")
    settings = settings_for(db_url, guard={"kinds": {"otp": {"outbound_private": "allow"}}})
    server = TestServer(build_app(settings, Role.WEB), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession(base_url=str(server.make_url(""))) as http:
            assert server.app[CLUSTER].role == Role.WEB
            auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
            ws, conv = await _chat_conversation(http, auth)  # the chat runs on web processes
            async with engine.connect() as conn:
                before = (await conn.execute(select(func.count()).select_from(messages))).scalar_one()
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"text": SECRET_REPLIES["otp"]}, headers=auth) as r:
                assert r.status == 409
                body = await r.json()
            assert "never stored" in body["error"] and "--role all" in body["error"]
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"text": "We are checking your wallet."}, headers=auth) as r:
                assert r.status == 201
            await asyncio.sleep(1.5)  # a dispatcher would have sent it by now
            async with engine.connect() as conn:
                after = (await conn.execute(select(func.count()).select_from(messages))).scalar_one()
                states = (await conn.execute(select(outbox.c.state))).scalars().all()
            assert after == before + 1  # the refused reply left nothing behind
            assert states == ["queued"]  # a web process sends nothing: workers do
            await ws.close()
    finally:
        await server.close()


async def test_chat_processes_starting_together_share_one_visitor_key(engine) -> None:  # noqa: ANN001
    """Two web processes' chat connectors starting at the same moment: a visitor token issued by one is valid on
    the other (before, each could keep the key it generated while the other's overwrote it)."""
    from connectors.webchat import WebchatConfig, WebchatConnector
    from inbox.events import EventBus
    from inbox.pipeline.core import Pipeline
    from inbox.supervisor import Health, PipelineHost

    barrier = asyncio.Barrier(4)

    class Together(PipelineHost):
        async def load_checkpoint(self):  # noqa: ANN202 - every process reads before any writes
            found = await super().load_checkpoint()
            await barrier.wait()
            return found

    hosts = [Together("app-chat", Pipeline(engine, EventBus()), engine, Health(), str) for _ in range(4)]
    chats = [WebchatConnector("app-chat", WebchatConfig(type="webchat"), h) for h in hosts]
    await asyncio.gather(*(c.start() for c in chats))
    assert len({c._visitor_key for c in chats}) == 1


def test_serve_says_plainly_when_redis_is_unreachable(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "inbox.yaml"
    cfg.write_text(f"database: {{url: 'sqlite+aiosqlite:///{tmp_path}/i.db'}}\n"
                   "redis: {url: 'redis://:pw-secret-42@127.0.0.1:1/0'}\n")
    r = run("serve", "--config", str(cfg), "--port", "0")
    assert r.returncode == 2 and "cannot reach Redis" in r.stderr
    assert "Traceback" not in r.stderr and "pw-secret-42" not in r.stdout + r.stderr
