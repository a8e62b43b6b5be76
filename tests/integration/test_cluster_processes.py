"""Issue #19 end to end: 2 web + 2 worker `inbox serve` processes on PostgreSQL + Redis, loopback, free ports.

What an agent, a customer and an on-call engineer would see: events stored by one process reach sockets on another
(and never another team's agent), a reconnecting socket gets what it missed, the in-app chat customer on one web
process gets the reply a worker sent, and a SIGKILLed worker's connector is taken over from its stored cursor within
15 s with nothing lost or stored twice.
"""
from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from sqlalchemy import func, select

from bench.cluster import IDENTITY_SECRET, LocalCluster
from connectors.webchat.identity import user_hash
from inbox.store.db import create_engine
from inbox.store.schema import conversations, messages
from tests.cluster_peers import pg_url, redis_url  # noqa: F401 - fixtures




async def _login(http: aiohttp.ClientSession, base: str, email: str) -> str:
    async with http.post(f"{base}/api/v1/auth/login", json={"email": email, "password": "correct horse battery"}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["token"]


async def _agent_socket(http: aiohttp.ClientSession, base: str, token: str, last: str | None = None):  # noqa: ANN202
    url = f"{base}/api/v1/events" + (f"?last_event_id={last}" if last else "")
    return await http.ws_connect(url, headers={"Authorization": f"Bearer {token}"})


async def _next(ws, kind: str, timeout: float = 10.0, where=lambda f: True) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        frame = await ws.receive_json(timeout=max(0.05, deadline - time.monotonic()))
        if frame.get("type") == kind and where(frame):
            return frame


async def _tick_count(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(messages).where(
                messages.c.connector == "ticks"))).scalar_one()
    finally:
        await engine.dispose()


async def _frames_for(ws, seconds: float) -> list[dict]:  # noqa: ANN001
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            out.append(await ws.receive_json(timeout=max(0.05, deadline - time.monotonic())))
        except asyncio.TimeoutError:
            break
    return out


@pytest.fixture
async def cluster(tmp_path, pg_url, redis_url):  # noqa: ANN001, ANN201, F811
    c = LocalCluster(tmp_path, pg_url, redis_url, ticker={"interval": 0.1, "threads": 3})
    r = c.cli("db", "upgrade")
    assert r.returncode == 0, r.stderr
    for email, role, team in (("admin@x.test", "admin", None), ("alpha@x.test", "agent", "alpha"),
                              ("beta@x.test", "agent", "beta")):
        args = ["user", "add", email, "--role", role, "--password-stdin"] + (["--team", team] if team else [])
        r = c.cli(*args, stdin="correct horse battery\n")
        assert r.returncode == 0, r.stderr
    try:
        yield c
    finally:
        c.stop_all()
        await c.cleanup_redis()


async def test_two_web_two_workers(cluster: LocalCluster, pg_url: str) -> None:  # noqa: F811
    web1, web2 = cluster.start("web-1", "web"), cluster.start("web-2", "web")
    w1, w2 = cluster.start("worker-1", "worker"), cluster.start("worker-2", "worker")
    for p in (web1, web2, w1, w2):
        await cluster.wait_healthy(p)
    async with aiohttp.ClientSession() as http:
        admin = await _login(http, web1.url, "admin@x.test")
        alpha = await _login(http, web1.url, "alpha@x.test")
        beta = await _login(http, web2.url, "beta@x.test")
        admin_ws = await _agent_socket(http, web1.url, admin)
        customer = await http.ws_connect(
            f"{web2.url}/chat/v1/ws?user_id=cust-1&user_hash={user_hash(IDENTITY_SECRET, 'cust-1')}")
        assert (await customer.receive_json())["type"] == "history"

        # Stored by web-2, seen on web-1.
        await customer.send_json({"type": "message", "text": "my withdrawal is pending", "client_id": "c-1"})
        ack = await _next(customer, "ack")
        created = await _next(admin_ws, "message.created", where=lambda f: f["message"]["id"] == ack["id"])
        conversation_id = created["conversation_id"]
        assert created["event_id"]

        # The conversation goes to team alpha: alpha's agent (web-1) gets its events, beta's (web-2) nothing.
        async with http.patch(f"{web1.url}/api/v1/conversations/{conversation_id}", json={"team": "alpha"},
                              headers={"Authorization": f"Bearer {admin}"}) as r:
            assert r.status == 200, await r.text()
        alpha_ws = await _agent_socket(http, web1.url, alpha)
        beta_ws = await _agent_socket(http, web2.url, beta)
        await customer.send_json({"type": "message", "text": "still pending, tx 0xabc", "client_id": "c-2"})
        ack2 = await _next(customer, "ack")
        await _next(alpha_ws, "message.created", where=lambda f: f["message"]["id"] == ack2["id"])
        seen_by_beta = [f for f in await _frames_for(beta_ws, 1.5) if f.get("conversation_id") == conversation_id]
        assert seen_by_beta == []

        # The admin's socket drops; what happens meanwhile is replayed on reconnect (no resync).
        last = (await _next(admin_ws, "message.created",
                            where=lambda f: f["message"]["id"] == ack2["id"]))["event_id"]
        await admin_ws.close()
        await customer.send_json({"type": "message", "text": "hello?", "client_id": "c-3"})
        ack3 = await _next(customer, "ack")
        admin_ws = await _agent_socket(http, web2.url, admin, last=last)
        replayed = await _next(admin_ws, "message.created", where=lambda f: f["message"]["id"] == ack3["id"])
        assert replayed["event_id"] > last

        # Beta replaying from the start of the stream still gets nothing of alpha's conversation.
        beta_again = await _agent_socket(http, web1.url, beta, last="0-0")
        assert [f for f in await _frames_for(beta_again, 1.0) if f.get("conversation_id") == conversation_id] == []

        # The reply goes from web-1's API through a worker; the customer's socket is on web-2.
        async with http.post(f"{web1.url}/api/v1/conversations/{conversation_id}/messages",
                             json={"text": "Your withdrawal was released, ticket in your mail."},
                             headers={"Authorization": f"Bearer {alpha}"}) as r:
            assert r.status == 201, await r.text()
            reply_id = (await r.json())["message"]["id"]
        pushed = await _next(customer, "message", timeout=15, where=lambda f: f.get("from") == "agent")
        assert pushed["id"] == reply_id and pushed["text"].startswith("Your withdrawal")
        for ws in (admin_ws, alpha_ws, beta_ws, beta_again, customer):
            await ws.close()

        # Connector failover: whoever holds the ticker's receive loop is killed; the other takes over < 15 s.
        health = (await cluster.wait_healthy(w1))["connectors"]["ticks"]["receive_loop"]
        holder_name = health["holder"].split("#")[0]
        holder, other = (w1, w2) if holder_name == "worker-1" else (w2, w1)
        assert holder_name in ("worker-1", "worker-2")
        web_health = await cluster.wait_healthy(web1)
        assert "ticks" not in web_health["connectors"]  # a web process runs no receive loop
        other_before = (await cluster.wait_healthy(other))["connectors"]["ticks"]["receive_loop"]
        assert other_before["here"] is False and other_before["holder"].split("#")[0] == holder.name
        await asyncio.sleep(1.0)
        cluster.kill(holder)
        killed_at = time.monotonic()
        at_kill = await _tick_count(pg_url)
        while True:
            h = (await cluster.wait_healthy(other))["connectors"]["ticks"]["receive_loop"]
            if h["here"]:
                break
            assert time.monotonic() - killed_at < 15, f"no takeover: {h}"
            await asyncio.sleep(0.2)
        failover = time.monotonic() - killed_at
        await asyncio.sleep(1.5)  # the new holder delivers a few more from the stored cursor

    engine = create_engine(pg_url)
    try:
        async with engine.connect() as conn:
            ticks = (await conn.execute(select(messages.c.provider_id).where(messages.c.connector == "ticks"))).scalars().all()
            chat_conversations = (await conn.execute(select(func.count()).select_from(conversations).where(
                conversations.c.connector == "app-chat"))).scalar_one()
    finally:
        await engine.dispose()
    numbers = sorted(int(p.split("-")[1]) for p in ticks)
    assert len(numbers) > at_kill + 5, "the new holder did not go on from the stored cursor"
    assert numbers == list(range(1, len(numbers) + 1)), "a tick was lost or stored twice"
    assert len(numbers) > 10
    assert chat_conversations == 1
    print(f"failover {failover:.2f}s, {len(numbers)} ticks, {at_kill} at the kill")
