"""Hostile query parameters on the chat socket: every one gets a clear 400/403 (never a 500) and nothing is stored;
a user id is refused whole rather than cut (a cut id would share another customer's history)."""
from __future__ import annotations

import uuid

import pytest
from yarl import URL

from connectors.webchat.identity import user_hash, verify_user, verify_visitor_token
from tests.connectors.webchat.serving import SECRET, serving

HOSTILE = ["é", "\ufffd", "😀", "é" * 64, "\x00", "%FF", "a" * 2000, "0" * 63 + "é", " " + "0" * 64, "\u202e" * 3]


async def _status(chat, raw_query: str) -> int:  # noqa: ANN001
    # encoded=True: the bytes go on the wire exactly as written (%FF stays an invalid UTF-8 byte)
    url = URL(chat.url() + "?" + raw_query, encoded=True)
    async with chat.http.get(url, headers={"Connection": "Upgrade", "Upgrade": "websocket",
                                           "Sec-WebSocket-Version": "13",
                                           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}) as r:
        return r.status


def _id(value: object) -> str:
    return ascii(value)[:24]


def _q(**params: str) -> str:
    return URL("/").with_query(params).raw_query_string


@pytest.mark.parametrize("value", HOSTILE, ids=_id)
async def test_hostile_user_hash_is_403_not_500(value: str) -> None:
    async with serving() as chat:
        assert await _status(chat, _q(user_id="alice", user_hash=value)) == 403
        assert chat.host.messages == []


@pytest.mark.parametrize("raw", ["%FF", "%C3%A9", "%F0%9F%98%80", "%ED%A0%80", "%00"], ids=_id)
async def test_undecodable_bytes_in_user_hash_and_visitor_token_are_refused(raw: str) -> None:
    async with serving() as chat:
        assert await _status(chat, f"user_id=alice&user_hash={raw}") == 403
        assert await _status(chat, f"visitor_token={raw}") == 403
        assert await _status(chat, f"visitor_token=abc.{raw}") == 403


@pytest.mark.parametrize("value", [*HOSTILE, "a.b", ".", "ab.", ".ab", "0" * 24 + "." + "0" * 32,
                                   "0" * 65 + "." + "0" * 32], ids=_id)
async def test_hostile_visitor_token_is_403_not_500(value: str) -> None:
    async with serving() as chat:
        assert await _status(chat, _q(visitor_token=value)) == 403
        assert chat.host.messages == []


async def test_a_real_visitor_token_with_anything_appended_is_refused() -> None:
    async with serving() as chat:
        async with chat.http.post(chat.url("/chat/v1/visitor")) as r:
            token = (await r.json())["visitor_token"]
        assert verify_visitor_token(chat.connector._visitor_key, token) is not None
        for tail in ("é", "\n", "0", " "):
            assert await _status(chat, _q(visitor_token=token + tail)) == 403
        assert await _status(chat, _q(visitor_token=token.upper())) == 403


@pytest.mark.parametrize("user", ["a" * 201, "a" * 2000, "alice\x00", "alice\n", "\u202eecila", "ali\u2066ce",
                                  "x\u200f", ""], ids=_id)
async def test_bad_user_ids_are_400_even_with_a_valid_signature(user: str) -> None:
    async with serving() as chat:
        assert await _status(chat, _q(user_id=user, user_hash=user_hash(SECRET, user))) == 400
        assert chat.host.messages == []


async def test_two_long_ids_with_a_common_prefix_never_share_a_history() -> None:
    """Before: ids were cut to 200 characters after the signature check, so these two were one customer."""
    first, second = "u" * 200 + "-first", "u" * 200 + "-second"
    async with serving() as chat:
        for user in (first, second):
            assert await _status(chat, _q(user_id=user, user_hash=user_hash(SECRET, user))) == 400
        assert chat.host.messages == []


async def test_the_longest_allowed_id_and_non_ascii_ids_are_kept_whole() -> None:
    async with serving() as chat:
        for user in ("u" * 200, "用户-é-😀"):
            url = URL(chat.url()).with_query(user_id=user, user_hash=user_hash(SECRET, user))
            async with chat.http.ws_connect(url) as ws:
                assert (await ws.receive_json(timeout=5))["type"] == "history"
                await ws.send_json({"type": "message", "text": "hi", "client_id": str(uuid.uuid4())})
                assert (await ws.receive_json(timeout=5))["type"] == "ack"
        assert [m.sender.value for m in chat.host.messages] == ["u" * 200, "用户-é-😀"]
        assert [m.thread_key for m in chat.host.messages] == ["app:" + "u" * 200, "app:用户-é-😀"]


@pytest.mark.parametrize("name", ["n" * 201, "bad\x00name", "line\nbreak", "\x1b[31mred"], ids=_id)
async def test_bad_display_names_are_400(name: str) -> None:
    async with serving() as chat:
        assert await _status(chat, _q(user_id="alice", user_hash=user_hash(SECRET, "alice"), name=name)) == 400
        assert await _status(chat, _q(name=name)) == 400
        assert chat.host.messages == []


@pytest.mark.parametrize("param", ["link", "connector", "name", "unknown"])
@pytest.mark.parametrize("value", ["é", "😀", "\ufffd", "x" * 2000, "\u202e"], ids=_id)
async def test_other_parameters_with_hostile_values_never_500(param: str, value: str) -> None:
    async with serving() as chat:
        status = await _status(chat, _q(user_id="alice", user_hash=user_hash(SECRET, "alice"), **{param: value}))
        assert status in (101, 400, 403), status


def test_verify_user_takes_any_string_without_raising() -> None:
    good = user_hash(SECRET, "alice")
    assert verify_user(SECRET, "alice", good) and verify_user(SECRET, "alice", good.upper())
    for given in ("é" * 64, "\ud800" * 64, "", good + "0", good[:-1] + "é"):
        assert verify_user(SECRET, "alice", given) is False
    assert verify_user(SECRET, "\ud800", good) is False  # a lone surrogate id hashes (surrogatepass), doesn't raise


async def test_the_real_app_answers_hostile_chat_queries_without_500(tmp_path) -> None:  # noqa: ANN001
    """Through build_app (its middleware and connector lookup by `?connector=`), with raw bytes on the wire."""
    from tests.inbox.appserver import running, settings_for

    good = f"user_id=alice&user_hash={user_hash('app-secret', 'alice')}"
    async with running(settings_for(f"sqlite+aiosqlite:///{tmp_path}/inbox.db")) as (server, http):
        for raw in ("user_id=alice&user_hash=%FF", "user_id=alice&user_hash=%C3%A9" * 2, "visitor_token=%F0%9F%98%80",
                    "visitor_token=%ED%A0%80.%FF", f"user_id={'a' * 201}&user_hash=00", "user_id=%00&user_hash=00",
                    f"{good}&connector=%FF", f"{good}&connector=%C3%A9", f"{good}&name=%00",
                    f"{good}&name={'n' * 201}", "user_id=&user_hash="):
            url = URL(str(server.make_url("/chat/v1/ws")) + "?" + raw, encoded=True)
            async with http.get(url, headers={"Connection": "Upgrade", "Upgrade": "websocket",
                                              "Sec-WebSocket-Version": "13",
                                              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}) as r:
                assert r.status in (400, 403, 404), (raw, r.status)
        async with http.post("/chat/v1/visitor?connector=%FF") as r:
            assert r.status == 404
