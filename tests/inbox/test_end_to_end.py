"""Issue #2's 'done when', through the real app on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import json
import uuid

from connectors.webchat.identity import user_hash
from tests.inbox.appserver import add_agent, running, settings_for, token_for


async def _recv(ws, kind: str, timeout: float = 5.0) -> dict:  # noqa: ANN001
    async def loop() -> dict:
        while True:
            frame = await ws.receive_json()
            if frame.get("type") == kind:
                return frame

    return await asyncio.wait_for(loop(), timeout)


async def test_customer_chat_agent_reply_restart(db_url, tmp_path) -> None:  # noqa: ANN001
    if db_url.startswith("postgresql"):
        from tests.conftest import create_engine, upgrade  # noqa: F401 - fresh schema for this test

        eng = create_engine(db_url)
        async with eng.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
        await upgrade(eng)
        await eng.dispose()
    await add_agent(db_url, "ana@example.com")
    settings = settings_for(db_url)
    ws_path = f"/chat/v1/ws?user_id=alice&user_hash={user_hash('app-secret', 'alice')}"
    client_id = str(uuid.uuid4())

    async with running(settings) as (server, http):
        async with http.ws_connect(ws_path) as chat:
            history = await _recv(chat, "history")
            assert history["messages"] == []
            await chat.send_json({"type": "message", "text": "我的提现还没到账 withdrawal pending", "client_id": client_id})
            ack = await _recv(chat, "ack")
            assert ack["client_id"] == client_id and isinstance(ack["id"], int)

            token = await token_for(http, "ana@example.com")
            auth = {"Authorization": f"Bearer {token}"}
            async with http.ws_connect("/api/v1/events", headers=auth) as events:
                async with http.get("/api/v1/conversations?status=open", headers=auth) as r:
                    convs = (await r.json())["conversations"]
                assert len(convs) == 1
                conv = convs[0]
                assert conv["ticket"].startswith("#") and conv["channel"] == "webchat"
                assert conv["visibility"] == "private" and conv["contact"]["identities"][0]["value"] == "alice"

                async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                     json={"text": f"We are checking it, ticket {conv['ticket']}"}, headers=auth) as r:
                    assert r.status == 201, await r.text()
                    body = await r.json()
                assert body["route"]["visibility"] == "private"
                # Arrival is what this test pins; how fast is measured by bench/pipeline.py, not here.
                reply = await _recv(chat, "message", timeout=10.0)
                assert reply["from"] == "agent" and conv["ticket"] in reply["text"]
                update = await _recv(events, "message.updated")
                assert update["message"]["status"] == "sent"

    # Restart: history intact, a resent client_id is not stored twice.
    async with running(settings) as (server, http):
        async with http.ws_connect(ws_path) as chat:
            history = await _recv(chat, "history")
            texts = [(m["from"], m["text"]) for m in history["messages"]]
            assert texts[0] == ("customer", "我的提现还没到账 withdrawal pending")
            assert texts[1][0] == "agent" and len(texts) == 2
            await chat.send_json({"type": "message", "text": "我的提现还没到账 withdrawal pending", "client_id": client_id})
            again = await _recv(chat, "ack")
            assert again["id"] == ack["id"]
        token = await token_for(http, "ana@example.com")
        async with http.get(f"/api/v1/conversations/{conv['id']}/messages",
                            headers={"Authorization": f"Bearer {token}"}) as r:
            msgs = (await r.json())["messages"]
        assert [m["direction"] for m in msgs] == ["inbound", "outbound"]


async def test_bad_frames_get_errors_and_socket_stays_open(engine, db_url) -> None:  # noqa: ANN001
    async with running(settings_for(db_url)) as (server, http):
        async with http.ws_connect(f"/chat/v1/ws?user_id=bob&user_hash={user_hash('app-secret', 'bob')}") as chat:
            await _recv(chat, "history")
            for bad in ("not json", "[1,2]", json.dumps({"type": "message"}), json.dumps({"type": "nope"}),
                        json.dumps({"type": "message", "text": "x" * 70_000, "client_id": "a"})):
                await chat.send_str(bad)
                frame = await _recv(chat, "error")
                assert frame["error"]
            await chat.send_json({"type": "message", "text": "still here", "client_id": "c1"})
            assert (await _recv(chat, "ack"))["client_id"] == "c1"


async def test_wrong_user_hash_is_refused_before_storing(engine, db_url) -> None:  # noqa: ANN001
    async with running(settings_for(db_url)) as (server, http):
        async with http.get("/chat/v1/ws?user_id=eve&user_hash=deadbeef") as r:
            assert r.status == 403
        async with http.get("/chat/v1/ws?visitor_token=forged.token") as r:
            assert r.status == 403
        await add_agent(db_url, "admin@example.com", role="admin")
        token = await token_for(http, "admin@example.com")
        async with http.get("/api/v1/conversations", headers={"Authorization": f"Bearer {token}"}) as r:
            assert (await r.json())["total"] == 0


async def test_api_requires_token(engine, db_url) -> None:  # noqa: ANN001
    async with running(settings_for(db_url)) as (server, http):
        for path in ("/api/v1/conversations", "/api/v1/me", "/api/v1/conversations/1/messages"):
            async with http.get(path) as r:
                assert r.status == 401
            async with http.get(path, headers={"Authorization": "Bearer nonsense"}) as r:
                assert r.status == 401
        async with http.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "wrong-pass"}) as r:
            assert r.status == 401


async def test_team_scoping(engine, db_url) -> None:  # noqa: ANN001
    await add_agent(db_url, "pay@example.com", team="payments")
    await add_agent(db_url, "sec@example.com", team="security")
    async with running(settings_for(db_url)) as (server, http):
        async with http.ws_connect(f"/chat/v1/ws?user_id=c1&user_hash={user_hash('app-secret', 'c1')}") as chat:
            await _recv(chat, "history")
            await chat.send_json({"type": "message", "text": "hi", "client_id": "1"})
            await _recv(chat, "ack")
        pay = {"Authorization": f"Bearer {await token_for(http, 'pay@example.com')}"}
        sec = {"Authorization": f"Bearer {await token_for(http, 'sec@example.com')}"}
        async with http.get("/api/v1/conversations", headers=pay) as r:
            [conv] = (await r.json())["conversations"]
        async with http.patch(f"/api/v1/conversations/{conv['id']}", json={"team": "payments"}, headers=pay) as r:
            assert r.status == 200
        async with http.get(f"/api/v1/conversations/{conv['id']}/messages", headers=sec) as r:
            assert r.status == 404  # not 403: another team's conversation ids don't leak
        async with http.get("/api/v1/conversations", headers=sec) as r:
            assert (await r.json())["total"] == 0
        async with http.get(f"/api/v1/conversations/{conv['id']}/messages", headers=pay) as r:
            assert r.status == 200


async def test_healthz_lists_connectors(engine, db_url) -> None:  # noqa: ANN001
    async with running(settings_for(db_url)) as (server, http):
        states = []
        for _ in range(50):  # "starting" first, "running" once start() returned
            async with http.get("/healthz") as r:
                body = await r.json()
            states.append(body["connectors"]["app-chat"]["state"])
            if states[-1] == "running":
                break
            await asyncio.sleep(0.1)
        assert body["status"] == "ok" and states[-1] == "running", states


async def test_every_acked_message_survives_a_stop_mid_stream(engine, db_url) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from inbox.store.schema import messages

    import dataclasses

    from connectors.webchat import WebchatConfig
    from connectors.webchat.limits import ChatLimits
    from inbox.config import ConnectorEntry

    acked: dict[str, int] = {}
    # One customer streams 150 messages at once: more than the chat's rate lets one customer store (the limits have
    # their own tests); what this checks is that whatever was acked survives the stop, so the limit is lifted here.
    chat_config = WebchatConfig(type="webchat", identity_secret="app-secret",
                                limits=ChatLimits(messages_per_minute=100_000, message_burst=10_000))
    settings = dataclasses.replace(settings_for(db_url), connectors=(ConnectorEntry("app-chat", chat_config),))
    async with running(settings) as (server, http):
        async with http.ws_connect(f"/chat/v1/ws?user_id=s1&user_hash={user_hash('app-secret', 's1')}") as chat:
            await _recv(chat, "history")

            async def reader() -> None:
                async for frame in chat:
                    body = frame.json()
                    if body.get("type") == "ack":
                        acked[body["client_id"]] = body["id"]

            task = asyncio.create_task(reader())
            for i in range(300):
                await chat.send_json({"type": "message", "text": f"stream {i}", "client_id": f"s{i}"})
                if i == 150:
                    await asyncio.sleep(0.2)
                    await server.close()  # the server stops while the client is still sending
                    break
            await asyncio.sleep(0.2)
            task.cancel()
    assert acked, "some messages must have been acked before the stop"
    async with engine.connect() as conn:
        stored = set((await conn.execute(select(messages.c.id))).scalars())
    assert set(acked.values()) <= stored
