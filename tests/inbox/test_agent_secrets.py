"""Secrets typed by agents (issue #12 item 7), through the real app on SQLite and PostgreSQL.

A reply carrying a secret-tier item is refused (422, the kind named, nothing stored, nothing sent) unless the admin's
guard policy allows that kind, and then it is sent as typed but stored masked. Notes, tags and canned replies are
masked at rest like inbound text. Every check ends by reading every table, the audit and the published events.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from mnemonic import Mnemonic
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.webchat.identity import user_hash
from inbox.api.context import CTX
from inbox.store.db import create_engine
from inbox.store.schema import metadata
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.ui.helpers import recv, telegram_public

SEED = Mnemonic("english").generate(128)  # a fresh, checksum-valid BIP-39 phrase each run
CARD = "4111 1111 1111 1111"  # Visa's Luhn-valid test number
OTP = "482913"
PASSWORD = "Lina@2023xyz"
SECRET_REPLIES = {
    "seed_phrase": f"To restore the wallet use your recovery phrase {SEED}",
    "card_number": f"The card number on file is {CARD}, expiry 12/29",
    "otp": f"Your verification code is {OTP}",
    "password": f"I reset it: your new password: {PASSWORD}",
}


def secret_pieces() -> list[str]:
    words = SEED.split()
    return [" ".join(words[i:i + 3]) for i in range(0, len(words) - 2, 3)] + [
        CARD, CARD.replace(" ", ""), OTP, PASSWORD]


async def dump_everything(db_url: str) -> str:
    """Every row of every table, as text: what a database dump would show."""
    engine = create_engine(db_url)
    try:
        out = []
        async with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in await conn.execute(select(table)):
                    out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
        return "\n".join(out)
    finally:
        await engine.dispose()


def assert_no_secret(text: str, where: str) -> None:
    for piece in secret_pieces():
        assert piece not in text, f"{piece!r} found in {where}"


async def _chat_conversation(http: Any, auth: dict[str, str], user: str = "alice") -> tuple[Any, dict[str, Any]]:
    ws = await http.ws_connect(f"/chat/v1/ws?user_id={user}&user_hash={user_hash('app-secret', user)}")
    await recv(ws, "history")
    await ws.send_json({"type": "message", "text": "I cannot open my wallet", "client_id": str(uuid.uuid4())})
    await recv(ws, "ack")
    async with http.get("/api/v1/conversations", headers=auth) as r:
        [conv] = [c for c in (await r.json())["conversations"] if c["contact"]["identities"][0]["value"] == user]
    return ws, conv


def _drain(sub: Any) -> str:
    out = []
    while not sub.queue.empty():
        out.append(json.dumps(sub.queue.get_nowait().payload, ensure_ascii=False))
    return "\n".join(out)


async def test_replies_with_a_secret_are_refused_and_nothing_is_stored(engine: AsyncEngine, db_url: str) -> None:
    await add_agent(db_url, "ana@example.com")
    async with running(settings_for(db_url)) as (server, http):
        auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        events = server.app[CTX].events.subscribe()
        ws, conv = await _chat_conversation(http, auth)
        for kind, text in SECRET_REPLIES.items():
            for extra in ({}, {"visibility": "private"}):
                async with http.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": text, **extra},
                                     headers=auth) as r:
                    body = await r.json()
                    assert r.status == 422, (kind, body)
                assert kind in body["error"] and body["kinds"] == [kind] and "Nothing was stored" in body["error"]
                assert_no_secret(json.dumps(body), f"the refusal of {kind}")
            async with http.post(f"/api/v1/conversations/{conv['id']}/preview", json={"text": text},
                                 headers=auth) as r:
                route = (await r.json())["route"]
            assert route["refused"] is True and route["refused_kinds"] == [kind] and kind in route["refusal"]
        # A clean reply still goes; the customer's socket never saw a refused one.
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": "We are checking"},
                             headers=auth) as r:
            assert r.status == 201
        frame = await recv(ws, "message")
        assert frame["text"] == "We are checking"
        async with http.get(f"/api/v1/conversations/{conv['id']}/messages", headers=auth) as r:
            assert [m["text"] for m in (await r.json())["messages"] if m["direction"] == "outbound"] == [
                "We are checking"]
        async with http.get(f"/api/v1/conversations/{conv['id']}/audit", headers=auth) as r:
            refusals = [a for a in (await r.json())["audit"] if a["action"] == "reply_refused"]
        assert len(refusals) == 8 and {a["detail"] for a in refusals} == {f"kinds: {k}" for k in SECRET_REPLIES}
        await ws.close()
        assert_no_secret(_drain(events), "published events")
    assert_no_secret(await dump_everything(db_url), "the database")


async def test_public_thread_reply_with_a_secret_is_refused_too(engine: AsyncEngine, db_url: str) -> None:
    await add_agent(db_url, "ana@example.com")
    async with running(settings_for(db_url)) as (server, http):
        auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        await server.app[CTX].pipeline.ingest([telegram_public("my withdrawal is stuck")])
        async with http.get("/api/v1/conversations", headers=auth) as r:
            [conv] = (await r.json())["conversations"]
        assert conv["visibility"] == "public"
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                             json={"text": SECRET_REPLIES["seed_phrase"]}, headers=auth) as r:
            assert r.status == 422 and (await r.json())["kinds"] == ["seed_phrase"]
        # Personal and linkable items keep the public -> private move.
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                             json={"text": "Your transfer 0x" + "cd" * 32 + " is confirmed"}, headers=auth) as r:
            assert r.status == 201 and (await r.json())["route"]["visibility"] == "private"
    assert_no_secret(await dump_everything(db_url), "the database")


async def test_notes_tags_and_canned_replies_are_masked_at_rest(engine: AsyncEngine, db_url: str) -> None:
    await add_agent(db_url, "ana@example.com")
    async with running(settings_for(db_url)) as (server, http):
        auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        events = server.app[CTX].events.subscribe()
        ws, conv = await _chat_conversation(http, auth)
        note = f"customer pasted {SEED} and card {CARD}; code {OTP} — told them to move funds"
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                             json={"text": note, "private_note": True}, headers=auth) as r:
            assert r.status == 201
            stored = (await r.json())["message"]
        assert "[seed_phrase removed]" in stored["text"] and "[card_number removed]" in stored["text"]
        assert "told them to move funds" in stored["text"]
        assert {f["kind"] for f in stored["findings"]} >= {"seed_phrase", "card_number"}

        async with http.patch(f"/api/v1/conversations/{conv['id']}",
                              json={"add_tags": [f"seed {SEED}", f"card {CARD}", "vip"]}, headers=auth) as r:
            assert r.status == 200
            tags = (await r.json())["conversation"]["tags"]
        assert "vip" in tags and any("[seed_phrase removed]" in t for t in tags)
        async with http.patch(f"/api/v1/conversations/{conv['id']}",
                              json={"remove_tags": [f"seed {SEED}"]}, headers=auth) as r:
            assert r.status == 200

        canned = {"shortcut": "pw", "title": f"temp password: {PASSWORD}", "language": "en",
                  "text": f"Your temporary password: {PASSWORD} and the code is {OTP}"}
        async with http.post("/api/v1/canned-replies", json=canned, headers=auth) as r:
            assert r.status == 201
            created = (await r.json())["canned_reply"]
        assert "[password removed]" in created["text"]
        async with http.put(f"/api/v1/canned-replies/{created['id']}", json={**canned, "text": SECRET_REPLIES[
                "seed_phrase"]}, headers=auth) as r:
            assert r.status == 200 and "[seed_phrase removed]" in (await r.json())["canned_reply"]["text"]
        await ws.close()
        assert_no_secret(_drain(events), "published events")
    assert_no_secret(await dump_everything(db_url), "the database")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_admin_allowed_kind_is_sent_as_typed_and_stored_masked(engine: AsyncEngine, db_url: str) -> None:
    await add_agent(db_url, "ana@example.com")
    settings = settings_for(db_url, guard={"kinds": {"otp": {"outbound_private": "allow"}}})
    async with running(settings) as (server, http):
        auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        events = server.app[CTX].events.subscribe()
        ws, conv = await _chat_conversation(http, auth)
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                             json={"text": SECRET_REPLIES["otp"]}, headers=auth) as r:
            assert r.status == 201, await r.text()
            body = await r.json()
        assert body["message"]["text"] == "Your verification code is [otp removed]"
        assert body["route"]["stored_masked"] == ["otp"]
        frame = await recv(ws, "message")
        assert frame["text"] == SECRET_REPLIES["otp"]  # the customer gets what the agent typed
        for _ in range(100):
            async with http.get(f"/api/v1/conversations/{conv['id']}/messages", headers=auth) as r:
                [reply] = [m for m in (await r.json())["messages"] if m["direction"] == "outbound"]
            if reply["status"] == "sent":
                break
            await asyncio.sleep(0.05)
        assert reply["status"] == "sent" and "masked_secret" in reply["flags"]
        # Only the allowed kind: a seed phrase is still refused.
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                             json={"text": SECRET_REPLIES["seed_phrase"]}, headers=auth) as r:
            assert r.status == 422
        # A reply stored masked cannot be resent from the database: the typed text was never stored.
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages/{reply['id']}/resend",
                             headers=auth) as r:
            assert r.status == 409
        await ws.close()
        assert_no_secret(_drain(events), "published events")
    assert_no_secret(await dump_everything(db_url), "the database")
