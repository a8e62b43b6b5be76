"""Agents attach files to replies (issue 18, part 3): upload, then name the upload in the reply. Who may upload,
what a made-up digest gets, files never going into a public thread, and a channel that cannot carry files failing
the reply clearly instead of sending it without them."""
from __future__ import annotations

import asyncio
import hashlib

import aiohttp
from sqlalchemy import select, update

from inbox.store.schema import conversations, messages
from tests.inbox.factories import chat


def _form(data: bytes, name: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return form


async def _upload(world, caller: str, cid: int, data: bytes, name: str = "statement.pdf"):  # noqa: ANN001, ANN202
    async with world.http.post(f"/api/v1/conversations/{cid}/attachments", data=_form(data, name),
                               headers=await world.headers(caller)) as r:
        return r.status, await r.json()


async def test_upload_is_for_agents_who_see_the_conversation(world) -> None:
    pdf = b"%PDF-1.4 statement"
    status, body = await _upload(world, "team_agent", world.conversation_id, pdf)
    assert status == 201 and body["attachment"]["blob"] == hashlib.sha256(pdf).hexdigest()
    assert body["attachment"]["content_type"] == "application/pdf" and body["attachment"]["name"] == "statement.pdf"
    assert (await _upload(world, "other_team_agent", world.conversation_id, pdf))[0] == 404
    assert (await _upload(world, "none", world.conversation_id, pdf))[0] == 401


async def test_a_reply_names_only_uploaded_files(world) -> None:
    cid = world.conversation_id
    headers = await world.headers("team_agent")
    for bad in ([{"blob": "0" * 64, "name": "x.pdf"}], [{"blob": "../../etc/passwd"}], "nope", [{}] * 6):
        async with world.http.post(f"/api/v1/conversations/{cid}/messages", headers=headers,
                                   json={"text": "see attached", "attachments": bad}) as r:
            assert r.status == 400, bad


async def test_files_on_a_public_conversation_go_privately_and_a_chat_reply_fails_clearly(world) -> None:
    from inbox.api.context import CTX

    [mid] = await world.server.app[CTX].pipeline.ingest([chat("public question", user="pub-1")])
    async with world.engine.begin() as conn:
        cid = (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == mid))).scalar_one()
        await conn.execute(update(conversations).where(conversations.c.id == cid).values(visibility="public"))
    _, uploaded = await _upload(world, "admin", cid, b"\x89PNG\r\n\x1a\nimage", "receipt.png")
    async with world.http.post(f"/api/v1/conversations/{cid}/messages", headers=await world.headers("admin"),
                               json={"text": "Your receipt", "attachments": [uploaded["attachment"]]}) as r:
        assert r.status == 201
        body = await r.json()
    assert body["route"]["visibility"] == "private"
    [entry] = body["message"]["attachments"]
    assert entry["name"] == "receipt.png" and entry["url"].endswith("/attachments/0")
    # The in-app chat cannot carry files yet: the reply fails with a reason instead of going out without them.
    for _ in range(100):
        async with world.engine.connect() as conn:
            row = (await conn.execute(select(messages.c.status, messages.c.error)
                                      .where(messages.c.id == body["message"]["id"]))).one()
        if row.status == "failed":
            break
        await asyncio.sleep(0.05)
    assert row.status == "failed" and "cannot send files" in row.error
