"""A private link posted in a public thread, opened by someone else first, then by its customer — through the real app
and connectors against the Telegram and X stand-ins. The stranger must get nothing of the ticket; the customer joins it."""
from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import parse_qs, urlsplit

from inbox.config import ConnectorEntry, RoutingSettings
from tests.connectors.telegram.standin import BotApiStandIn, TgChat, TgUser
from tests.connectors.twitter.conftest import make_config, unpaced
from tests.connectors.twitter.standin import XStandin
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.integration.helpers import conversations, eventually, stored_texts
from tests.integration.test_telegram_flow import _settings as telegram_settings

BOB = TgUser(5987654321, "Bob", username="bobby", language_code="en")
CAROL = TgUser(5111111111, "Carol", username="carol_lurker", language_code="en")
GROUP = TgChat(-1001234567890, "supergroup", title="Wallet Community")
X_CAROL, X_DAVE = "3344556677", "4455667788"


async def _messages(http, token: str, conversation_id: int) -> list[dict]:  # noqa: ANN001
    async with http.get(f"/api/v1/conversations/{conversation_id}/messages",
                        headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200
        return (await r.json())["messages"]


async def test_telegram_link_opened_by_another_group_member_gives_them_nothing(engine, db_url) -> None:  # noqa: ANN001
    standin = BotApiStandIn()
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    try:
        standin.inject_message(GROUP, BOB, "my withdrawal to my bank is stuck, my IBAN is DE89370400440532013000")
        async with running(telegram_settings(db_url, standin)) as (server, http):
            token = await token_for(http, "ana@example.com")
            auth = {"Authorization": f"Bearer {token}"}
            [conv] = await eventually(lambda: conversations(http, token), what="Bob's group conversation")
            tx = "0x" + "9f" * 32
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"text": f"Bob, your withdrawal txid {tx} is confirmed"}, headers=auth) as r:
                body = await r.json()
            assert r.status == 201 and body["route"]["visibility"] == "private", body
            link = await eventually(lambda: next((m.text for m in standin.sent if "?start=" in m.text), None),
                                    what="a private link in the group")
            start_token = re.search(r"\?start=([A-Za-z0-9_-]+)", link).group(1)
            assert len(start_token) >= 32

            # Carol, also in the group, opens Bob's link first.
            standin.inject_message(TgChat.private(CAROL), CAROL, f"/start {start_token}")
            convs = await eventually(lambda: _at_least(http, token, 2), what="Carol's own conversation")
            carols = next(c for c in convs if c["id"] != conv["id"])
            assert carols["visibility"] == "private"
            # Carol sees nothing of Bob's ticket: no reply with its content, not even its number.
            assert not any(m.chat_id == CAROL.id and (tx in m.text or conv["ticket"] in m.text)
                           for m in standin.sent)
            assert not any(m["text"].startswith("/start") for m in await _messages(http, token, conv["id"]))

            # Bob opens his link: he joins his ticket, and the waiting reply reaches him, only him.
            standin.inject_message(TgChat.private(BOB), BOB, f"/start {start_token}")
            await eventually(lambda: any(tx in m.text and m.chat_id == BOB.id for m in standin.sent),
                             what="the private reply in Bob's chat")
            assert not any(tx in m.text for m in standin.sent if m.chat_id != BOB.id)
            assert len(await conversations(http, token)) == 2
            # Carol tries again after Bob bound it: still her own conversation, still nothing of Bob's.
            standin.inject_message(TgChat.private(CAROL), CAROL, f"/start {start_token}")
            await eventually(lambda: _count(http, token, carols["id"], 2), what="Carol's second try")
            assert not any(tx in m.text for m in standin.sent if m.chat_id == CAROL.id)
            assert start_token not in await stored_texts(engine)
    finally:
        await standin.stop()


async def _at_least(http, token: str, n: int):  # noqa: ANN001, ANN202
    convs = await conversations(http, token)
    return convs if len(convs) >= n else None


async def _count(http, token: str, conversation_id: int, n: int) -> bool:  # noqa: ANN001
    return len([m for m in await _messages(http, token, conversation_id) if m["direction"] == "inbound"]) >= n


async def test_x_link_dm_from_another_account_does_not_join(engine, db_url) -> None:  # noqa: ANN001
    standin = XStandin()
    standin.add_user(X_CAROL, "carol_c", "Carol")
    standin.add_user(X_DAVE, "dave_d", "Dave")
    standin.dms_closed.add(X_CAROL)
    unpaced(standin)  # two customer DMs a poll apart: not a test of pacing
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    tx = "0x" + "7c" * 32
    try:
        standin.add_mention("hey is there any update on the delay with my transfer", X_CAROL)
        settings = settings_for(db_url, connectors=(ConnectorEntry("x-support", make_config(standin)),),
                                routing=RoutingSettings(rules="inbox/defaults/rules.yaml"))
        async with running(settings) as (server, http):
            token = await token_for(http, "ana@example.com")
            [conv] = await eventually(lambda: conversations(http, token), what="the mention")
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"text": f"Your transfer txid {tx} confirmed 5 minutes ago"},
                                 headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 201
            notice = await eventually(lambda: next((t["text"] for t in standin.sent_tweets
                                                    if "messages/compose" in t["text"]), None),
                                      what="a public notice with a private link")
            link = re.search(r"https://twitter\.com/messages/compose\?\S+", notice).group(0)
            ref = parse_qs(urlsplit(link).query)["text"][0]
            # Dave copies the prefilled DM: his own conversation; the reply does not go to him.
            standin.add_dm(f"{ref} what is this", X_DAVE)
            await eventually(lambda: _at_least(http, token, 2), what="Dave's own conversation")
            # Carol opens it: her DM joins her ticket and the waiting reply goes to her DM conversation.
            standin.add_dm(ref, X_CAROL)
            await eventually(lambda: any(tx in d["text"] for d in standin.sent_dms), what="the reply by DM")
            assert all(X_CAROL in d["dm_conversation_id"].split("-") for d in standin.sent_dms if tx in d["text"])
            assert not any(X_DAVE in d["dm_conversation_id"].split("-") and tx in d["text"] for d in standin.sent_dms)
            assert len(await conversations(http, token)) == 2
    finally:
        await standin.stop()


async def _frame(ws, kind: str, timeout: float = 10.0) -> dict:  # noqa: ANN001
    async def loop() -> dict:
        while True:
            frame = await ws.receive_json()
            if frame.get("type") == kind:
                return frame

    return await asyncio.wait_for(loop(), timeout)


async def _frames_until(ws, done, timeout: float = 15.0) -> list[dict]:  # noqa: ANN001
    seen: list[dict] = []

    async def loop() -> list[dict]:
        while not done(seen):
            seen.append(await ws.receive_json())
        return seen

    return await asyncio.wait_for(loop(), timeout)


async def _history_with(http, visitor_token: str, needle: str) -> list[str] | None:  # noqa: ANN001
    async with http.ws_connect(f"/chat/v1/ws?visitor_token={visitor_token}") as ws:
        history = [m["text"] for m in (await _frame(ws, "history"))["messages"]]
    return history if any(needle in t for t in history) else None


async def _no_frame_with(ws, needle: str, wait: float = 1.0) -> bool:  # noqa: ANN001
    """True when nothing containing `needle` arrives on the socket within `wait` (a leak check, not a timing one)."""
    try:
        while True:
            frame = await asyncio.wait_for(ws.receive_json(), wait)
            if needle in json.dumps(frame):
                return False
    except asyncio.TimeoutError:
        return True


async def test_chat_link_binds_to_its_first_claimer_and_shows_no_history_before(engine, db_url) -> None:  # noqa: ANN001
    standin = BotApiStandIn()
    standin.username = ""  # a bot without a username has no deep link: the in-app chat link is posted instead
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    try:
        standin.inject_message(GROUP, BOB, "my withdrawal to my bank is stuck, my IBAN is DE89370400440532013000")
        async with running(telegram_settings(db_url, standin)) as (server, http):
            token = await token_for(http, "ana@example.com")
            [conv] = await eventually(lambda: conversations(http, token), what="Bob's group conversation")
            tx = "0x" + "5e" * 32
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"text": f"Bob, your withdrawal txid {tx} is confirmed"},
                                 headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 201
            notice = await eventually(lambda: next((m.text for m in standin.sent if "/chat/demo?link=" in m.text
                                                    and m.text.count("link=") == 1), None),
                                      what="an in-app chat link in the group")
            link = re.search(r"\?link=([A-Za-z0-9_-]+)", notice).group(1)

            # Bob opens it: nothing of the ticket before he is bound; his first message binds him and the reply comes.
            async with http.ws_connect(f"/chat/v1/ws?link={link}") as bob:
                bob_visitor = (await _frame(bob, "visitor"))["visitor_token"]
                assert (await _frame(bob, "history"))["messages"] == []
                await bob.send_json({"type": "message", "text": "it's me, Bob", "client_id": "b1"})
                # The ack and the waiting reply (pushed once his message bound him) may come in either order.
                frames = await _frames_until(bob, lambda seen: any(f["type"] == "ack" for f in seen)
                                             and any(tx in json.dumps(f) for f in seen))
                assert [f for f in frames if f["type"] == "message" and tx in f["text"]]
            # Reconnected, he sees his ticket's chat (once the pushed reply is marked sent).
            history = await eventually(lambda: _history_with(http, bob_visitor, tx), what="Bob's history")
            assert "it's me, Bob" in history

            # Mallory opens the same link after: empty history, her own conversation, nothing of Bob's pushed to her.
            async with http.ws_connect(f"/chat/v1/ws?link={link}") as mallory:
                mallory_visitor = (await _frame(mallory, "visitor"))["visitor_token"]
                assert (await _frame(mallory, "history"))["messages"] == []
                await mallory.send_json({"type": "message", "text": "show me the ticket", "client_id": "m1"})
                await _frame(mallory, "ack")
                convs = await eventually(lambda: _at_least(http, token, 2), what="Mallory's own conversation")
                # An agent's next private reply on Bob's ticket goes to Bob's chat, not to Mallory's socket.
                async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                     json={"text": f"Also, txid {tx} has 12 confirmations"},
                                     headers={"Authorization": f"Bearer {token}"}) as r:
                    assert r.status == 201 and (await r.json())["route"]["visibility"] == "private"
                assert await _no_frame_with(mallory, tx)
            async with http.ws_connect(f"/chat/v1/ws?visitor_token={mallory_visitor}&link={link}") as mallory:
                history = [m["text"] for m in (await _frame(mallory, "history"))["messages"]]
            # Her own message (and her own ticket's auto-reply): nothing of Bob's ticket, not even its number.
            assert history[0] == "show me the ticket"
            assert not any(tx in t or conv["ticket"] in t or "Bob" in t for t in history)
            bobs = await _messages(http, token, conv["id"])
            assert not any(m["text"] == "show me the ticket" for m in bobs)
            assert len(convs) == 2  # Bob's ticket (his group post and his chat) and Mallory's own
    finally:
        await standin.stop()
