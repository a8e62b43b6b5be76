"""Per-customer and per-address limits of the in-app chat. Counted, never timed: rates are set so low (one a minute)
that no token can refill while a test runs, and the buckets' refill is checked with a fake clock."""
from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest
from yarl import URL

from connectors.webchat.identity import user_hash
from connectors.webchat.limits import CLOSE_POLICY_VIOLATION, CLOSE_TRY_AGAIN_LATER, Buckets, ChatLimits
from tests.connectors.webchat.serving import SECRET, Chat, serving


def _user_url(chat: Chat, user: str) -> URL:
    return URL(chat.url()).with_query(user_id=user, user_hash=user_hash(SECRET, user))


async def _history(ws: aiohttp.ClientWebSocketResponse) -> None:
    assert (await ws.receive_json(timeout=5))["type"] == "history"


async def _send(ws: aiohttp.ClientWebSocketResponse, text: str) -> dict:
    await ws.send_json({"type": "message", "text": text, "client_id": str(uuid.uuid4())})
    return await ws.receive_json(timeout=5)


async def test_messages_over_the_rate_get_an_error_frame_are_not_stored_and_the_socket_stays_open() -> None:
    async with serving(limits=ChatLimits(messages_per_minute=1, message_burst=3)) as chat:
        async with chat.http.ws_connect(_user_url(chat, "alice")) as ws:
            await _history(ws)
            replies = [await _send(ws, f"message {i}") for i in range(5)]
            assert [r["type"] for r in replies] == ["ack", "ack", "ack", "error", "error"]
            assert "too many messages" in replies[3]["error"] and replies[3]["retry_after"] >= 1
            assert replies[3]["client_id"]
            await ws.send_json({"type": "ping"})
            assert (await ws.receive_json(timeout=5))["type"] == "pong"
        # a second socket of the same customer shares the budget; another customer has their own
        async with chat.http.ws_connect(_user_url(chat, "alice")) as again, \
                chat.http.ws_connect(_user_url(chat, "bob")) as bob:
            await _history(again)
            await _history(bob)
            assert (await _send(again, "one more"))["type"] == "error"
            assert (await _send(bob, "hello"))["type"] == "ack"
        assert [m.text for m in chat.host.messages] == ["message 0", "message 1", "message 2", "hello"]


async def test_too_many_sockets_for_one_customer_are_closed_with_try_again_later() -> None:
    async with serving(limits=ChatLimits(sockets_per_identity=2)) as chat:
        first = await chat.http.ws_connect(_user_url(chat, "alice"))
        second = await chat.http.ws_connect(_user_url(chat, "alice"))
        await _history(first)
        await _history(second)
        async with chat.http.ws_connect(_user_url(chat, "alice")) as third:
            frame = await third.receive_json(timeout=5)
            assert frame["type"] == "error" and "too many open chat connections" in frame["error"]
            closing = await third.receive(timeout=5)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert third.close_code == CLOSE_TRY_AGAIN_LATER
        async with chat.http.ws_connect(_user_url(chat, "bob")) as other:  # others are not affected
            await _history(other)
        await first.close()
        for _ in range(100):  # the server notices the close on its side; count, not time
            if chat.connector.limiter.open_sockets("app:alice") < 2:
                break
            await asyncio.sleep(0.01)
        async with chat.http.ws_connect(_user_url(chat, "alice")) as replacement:
            await _history(replacement)  # a closed socket frees its place
        await second.close()


async def test_too_many_sockets_from_one_address_are_closed() -> None:
    async with serving(limits=ChatLimits(sockets_per_address=2)) as chat:
        a = await chat.http.ws_connect(_user_url(chat, "a"))
        b = await chat.http.ws_connect(_user_url(chat, "b"))
        await _history(a)
        await _history(b)
        async with chat.http.ws_connect(_user_url(chat, "c")) as c:
            frame = await c.receive_json(timeout=5)
            assert "from this address" in frame["error"]
            await c.receive(timeout=5)
            assert c.close_code == CLOSE_TRY_AGAIN_LATER
        await a.close()
        await b.close()
        assert chat.host.messages == []


async def test_failed_handshakes_hold_no_socket_places() -> None:
    async with serving(limits=ChatLimits(sockets_per_identity=1)) as chat:
        for _ in range(3):
            async with chat.http.get(_user_url(chat, "alice")) as r:  # no Upgrade header
                assert r.status == 400
        async with chat.http.ws_connect(_user_url(chat, "alice")) as ws:
            await _history(ws)


async def test_new_visitors_per_address_get_429_with_retry_after() -> None:
    async with serving(limits=ChatLimits(visitors_per_minute=1, visitor_burst=2)) as chat:
        statuses = []
        for _ in range(3):
            async with chat.http.post(chat.url("/chat/v1/visitor")) as r:
                statuses.append(r.status)
                retry = r.headers.get("Retry-After")
        assert statuses == [200, 200, 429]
        assert retry is not None and int(retry) >= 1
        # a socket without a token starts a visitor too: the same budget
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await chat.http.ws_connect(chat.url())
        assert refused.value.status == 429
        # a visitor who has a token is not a new visitor
        async with chat.http.ws_connect(_user_url(chat, "alice")) as ws:
            await _history(ws)


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    limits = ChatLimits(visitors_per_minute=1, visitor_burst=1)
    async with serving(limits=limits) as chat:  # no trusted proxies: a client can't pick its own address
        statuses = []
        for fake in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            async with chat.http.post(chat.url("/chat/v1/visitor"), headers={"X-Forwarded-For": fake}) as r:
                statuses.append(r.status)
        assert statuses == [200, 429, 429]
    async with serving(limits=limits, trusted_proxies=["127.0.0.1"]) as chat:
        statuses = []
        for chain in ("198.51.100.1", "198.51.100.2", "198.51.100.2",
                      "203.0.113.9, 198.51.100.1",  # the client wrote the left part; our proxy added the right one
                      "198.51.100.7, 127.0.0.1",  # a trusted hop is skipped
                      "not-an-address"):  # junk: count the proxy itself
            async with chat.http.post(chat.url("/chat/v1/visitor"), headers={"X-Forwarded-For": chain}) as r:
                statuses.append(r.status)
        assert statuses == [200, 200, 429, 429, 200, 200]


async def test_oversized_frames_and_texts_get_an_error_and_the_socket_stays_open() -> None:
    async with serving(max_frame_bytes=2048, max_text_chars=100) as chat:
        async with chat.http.ws_connect(_user_url(chat, "alice")) as ws:
            await _history(ws)
            assert "longer than 100" in (await _send(ws, "x" * 101))["error"]
            await ws.send_str('{"type": "message", "text": "' + "y" * 5000 + '", "client_id": "c"}')
            assert "larger than 2048 bytes" in (await ws.receive_json(timeout=5))["error"]
            assert (await _send(ws, "x" * 100))["type"] == "ack"
        assert [len(m.text) for m in chat.host.messages] == [100]


def test_buckets_refill_at_the_configured_rate() -> None:
    now = [1000.0]
    bucket = Buckets(per_minute=6, burst=2, clock=lambda: now[0])
    assert [bucket.take("k") for _ in range(2)] == [0.0, 0.0]
    assert bucket.take("k") == pytest.approx(10.0)  # 6 a minute: one every 10 s
    now[0] += 9.0
    assert bucket.take("k") == pytest.approx(1.0)
    now[0] += 1.0
    assert bucket.take("k") == 0.0
    assert bucket.take("other") == 0.0  # keys are independent
    now[0] += 3600
    assert [bucket.take("k") for _ in range(3)][-1] > 0  # never more than the burst saved up


def test_buckets_forget_refilled_keys_so_memory_follows_activity() -> None:
    now = [0.0]
    bucket = Buckets(per_minute=60, burst=1, clock=lambda: now[0], max_keys=10)
    for i in range(10):
        bucket.take(f"old{i}")
    now[0] += 5.0  # all refilled
    for i in range(3):
        bucket.take(f"new{i}")
    assert len(bucket._state) <= 3


async def test_a_socket_that_keeps_flooding_after_the_error_frames_is_closed() -> None:
    limits = ChatLimits(messages_per_minute=1, message_burst=1, refusals_before_close=3)
    async with serving(limits=limits) as chat:
        async with chat.http.ws_connect(_user_url(chat, "alice")) as ws:
            await _history(ws)
            assert (await _send(ws, "first"))["type"] == "ack"
            assert (await _send(ws, "flood 0"))["type"] == "error"
            await ws.send_json({"type": "ping"})  # frames in between don't reset the count
            assert (await ws.receive_json(timeout=5))["type"] == "pong"
            assert [(await _send(ws, f"flood {i}"))["type"] for i in (1, 2)] == ["error"] * 2
            closing = await ws.receive(timeout=5)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == CLOSE_POLICY_VIOLATION
        async with chat.http.ws_connect(_user_url(chat, "alice")) as again:  # may come back (and wait)
            await _history(again)
            await again.send_json({"type": "ping"})
            assert (await again.receive_json(timeout=5))["type"] == "pong"  # other frames don't count
            assert (await _send(again, "later"))["type"] == "error"
        assert [m.text for m in chat.host.messages] == ["first"]
