"""In-app chat uploads (issue 18, part 1): an authenticated upload bound to the chat identity, then a frame that
references it. Attacks: no identity, a wrong hash, another customer's upload id, an oversized file, an expired id."""
from __future__ import annotations

import uuid

import aiohttp

from connectors.webchat.identity import user_hash
from inbox.attachments import limits
from inbox.domain import Channel
from tests.connectors.webchat.serving import SECRET, serving


def _form(data: bytes, name: str = "shot.png", kind: str = "image/png") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=kind)
    return form


def _who(user: str) -> dict[str, str]:
    return {"user_id": user, "user_hash": user_hash(SECRET, user)}


async def _upload(chat, user: str, data: bytes, **kw) -> tuple[int, dict]:  # noqa: ANN001, ANN003
    async with chat.http.post(chat.url("/chat/v1/upload"), params=_who(user), data=_form(data, **kw)) as r:
        return r.status, await r.json(content_type=None) if r.content_type == "application/json" else {}


async def _send(chat, user: str, frame: dict) -> dict:  # noqa: ANN001
    async with chat.http.ws_connect(chat.url(), params=_who(user)) as ws:
        await ws.receive_json()  # history
        await ws.send_json(frame)
        return await ws.receive_json()


async def test_an_upload_then_a_frame_delivers_the_file_with_the_message() -> None:
    async with serving() as chat:
        status, body = await _upload(chat, "alice", b"\x89PNG\r\n\x1a\n-bytes", name="提现截图.png")
        assert status == 201 and body["size"] == 14 and body["name"] == "提现截图.png"
        reply = await _send(chat, "alice", {"type": "message", "text": "", "client_id": str(uuid.uuid4()),
                                            "attachments": [body["upload_id"]]})
        assert reply["type"] == "ack"
        [message] = chat.host.messages
        assert message.attachments[0].content == b"\x89PNG\r\n\x1a\n-bytes"
        assert message.attachments[0].name == "提现截图.png" and message.thread_key == "app:alice"
        # used once: the id is gone after its message was stored
        again = await _send(chat, "alice", {"type": "message", "text": "again", "client_id": str(uuid.uuid4()),
                                            "attachments": [body["upload_id"]]})
        assert again["type"] == "error" and "upload" in again["error"]


async def test_another_customer_cannot_send_my_upload() -> None:
    async with serving() as chat:
        _, body = await _upload(chat, "alice", b"private statement")
        reply = await _send(chat, "mallory", {"type": "message", "text": "look", "client_id": str(uuid.uuid4()),
                                              "attachments": [body["upload_id"]]})
        assert reply["type"] == "error" and chat.host.messages == []
        # and alice still can
        ok = await _send(chat, "alice", {"type": "message", "text": "x", "client_id": str(uuid.uuid4()),
                                         "attachments": [body["upload_id"]]})
        assert ok["type"] == "ack"


async def test_uploads_need_the_chat_identity() -> None:
    async with serving() as chat:
        url = chat.url("/chat/v1/upload")
        async with chat.http.post(url, data=_form(b"x")) as r:
            assert r.status == 403
        async with chat.http.post(url, params={"user_id": "alice", "user_hash": "0" * 64}, data=_form(b"x")) as r:
            assert r.status == 403
        async with chat.http.post(url, params={"visitor_token": "forged.token"}, data=_form(b"x")) as r:
            assert r.status == 403
        async with chat.http.get(url, params=_who("alice")) as r:
            assert r.status == 404
        assert chat.connector.uploads._pending == {}


async def test_a_file_over_the_limit_is_refused_with_the_limit_named(monkeypatch) -> None:
    monkeypatch.setitem(limits.DEFAULT_LIMITS, Channel.WEBCHAT, 200 * 1024)
    async with serving() as chat:
        status, body = await _upload(chat, "alice", b"x" * (300 * 1024))
        assert status == 413 and "0.2 MB" in body["error"]
        status, body = await _upload(chat, "alice", b"")
        assert status == 400
        async with chat.http.post(chat.url("/chat/v1/upload"), params=_who("alice"), data=b"raw") as r:
            assert r.status == 400 and "multipart" in (await r.json())["error"]
        assert chat.connector.uploads._pending == {}


async def test_an_unclaimed_upload_expires() -> None:
    now = [1000.0]
    async with serving() as chat:
        chat.connector.uploads.clock = lambda: now[0]
        _, body = await _upload(chat, "alice", b"late")
        now[0] += 16 * 60
        reply = await _send(chat, "alice", {"type": "message", "text": "x", "client_id": str(uuid.uuid4()),
                                            "attachments": [body["upload_id"]]})
        assert reply["type"] == "error" and "expired" in reply["error"]
