"""kill -9 of `inbox serve` right after the customer's chat received a reply (issue #12 item 9, as reported: "5/5
runs when the kill followed the frame"). Whatever the kill interrupted, after a restart the reply is sent, shown once
in the customer's history, and never marked failed. A real process, SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.webchat.identity import user_hash
from inbox.store.schema import messages
from tests.inbox.appserver import add_agent

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(config: Path, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "inbox.cli", "serve", "--config", str(config)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _ready(http: aiohttp.ClientSession, base: str, proc: subprocess.Popen) -> None:
    for _ in range(600):
        assert proc.poll() is None, "inbox serve exited"
        try:
            async with http.get(f"{base}/healthz") as r:
                if r.status == 200 and (await r.json())["connectors"]["app-chat"]["state"] == "running":
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("inbox serve did not become ready")


async def test_kill_right_after_the_frame_never_loses_the_reply(engine: AsyncEngine, db_url: str,
                                                                 tmp_path: Path) -> None:
    await add_agent(db_url, "ana@example.com")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp_path / "inbox.yaml"
    config.write_text(f"database: {{url: '{db_url}'}}\nserver: {{host: 127.0.0.1, port: {port}}}\n"
                      "connectors:\n  app-chat: {type: webchat, identity_secret: app-secret}\n"
                      # no rules, so no auto-replies: the agent's replies are all the thread holds
                      "routing: {rules: false}\n", encoding="utf-8")
    ws_url = f"{base}/chat/v1/ws?user_id=alice&user_hash={user_hash('app-secret', 'alice')}"
    replies: list[int] = []
    async with aiohttp.ClientSession() as http:
        for round_no in range(ROUNDS):
            proc = _start(config, tmp_path)
            try:
                await _ready(http, base, proc)
                async with http.post(f"{base}/api/v1/auth/login",
                                     json={"email": "ana@example.com", "password": "correct horse"}) as r:
                    auth = {"Authorization": f"Bearer {(await r.json())['token']}"}
                async with http.ws_connect(ws_url) as ws:
                    await ws.receive_json()  # history
                    await ws.send_json({"type": "message", "text": f"question {round_no}",
                                        "client_id": str(uuid.uuid4())})
                    await ws.receive_json()  # ack
                    async with http.get(f"{base}/api/v1/conversations", headers=auth) as r:
                        [conv] = (await r.json())["conversations"]
                    async with http.post(f"{base}/api/v1/conversations/{conv['id']}/messages",
                                         json={"text": f"answer {round_no}"}, headers=auth) as r:
                        assert r.status == 201
                    while (frame := await ws.receive_json(timeout=10))["type"] != "message":
                        pass
                    proc.send_signal(signal.SIGKILL)  # the moment the customer has the frame
                    replies.append(frame["id"])
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait(timeout=30)

        proc = _start(config, tmp_path)
        try:
            await _ready(http, base, proc)
            for _ in range(100):
                async with engine.connect() as conn:
                    rows = {r.id: r for r in await conn.execute(select(messages).where(messages.c.id.in_(replies)))}
                if all(r.status != "queued" for r in rows.values()):
                    break
                await asyncio.sleep(0.1)
            async with http.ws_connect(ws_url) as ws:
                history = (await ws.receive_json())["messages"]
        finally:
            proc.kill()
            proc.wait(timeout=30)
    assert [(rows[i].status, rows[i].error) for i in replies] == [("sent", None)] * ROUNDS
    shown = [m["id"] for m in history if m["from"] == "agent"]
    assert shown == replies  # each reply once, in order
