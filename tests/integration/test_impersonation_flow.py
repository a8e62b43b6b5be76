"""Impersonators in our public threads, through the whole inbox, against the X and Telegram stand-ins:
found by thread watching, warned about within seconds, the customer told privately, evidence kept; our own
accounts, the customer and other genuine people never warned about."""
from __future__ import annotations

import time
from pathlib import Path

from connectors.telegram import TelegramConfig
from inbox.config import ConnectorEntry, RoutingSettings
from tests.connectors.telegram.standin import BotApiStandIn, TgChat, TgUser
from tests.connectors.twitter.conftest import make_config, unpaced
from tests.connectors.twitter.standin import OUR_ID, XStandin
from tests.connectors.twitter.standin_search import add_reply
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.integration.helpers import conversations, eventually

CAROL, BOB, SCAMMER, OUR_CN = "3344556677", "4455667788", "5566778899", "1500000000000000009"
WARNING_WITHIN = 10.0  # seconds from the stand-in answering the search to our warning being posted

REGISTRY = {
    "brand_names": ["OurWallet"], "x_handles": ["walletsupport", "OurWallet", "OurWallet_CN"],
    "x_user_ids": [OUR_ID, OUR_CN], "telegram_bots": ["wallet_support_bot"], "telegram_user_ids": ["7001234567"],
    "telegram_admins": [{"user_id": "9001", "name": "Lily | OurWallet Support"}],
    "support_emails": ["support@ourwallet.com"], "web_domains": ["ourwallet.com"],
}


def _x_settings(db_url: str, standin: XStandin, data_dir: Path):  # noqa: ANN202
    x = make_config(standin, search_rate={"requests": 10_000, "seconds": 900})
    return settings_for(db_url, connectors=(ConnectorEntry("x-support", x),),
                        routing=RoutingSettings(rules="inbox/defaults/rules.yaml"), data_dir=data_dir,
                        impersonation={"registry": REGISTRY, "warning_handle": "OurWallet"})


def _warning_requests(standin: XStandin) -> list:  # noqa: ANN201
    return [r for r in standin.calls_to("/2/tweets") if r.method == "POST" and "/verify" in (r.body or {}).get("text", "")]


async def test_x_scam_reply_is_warned_about_within_seconds_and_the_customer_told(engine, db_url, tmp_path) -> None:  # noqa: ANN001
    standin = XStandin()
    unpaced(standin)  # this test polls fast: not a test of pacing
    standin.add_user(CAROL, "carol_c", "Carol")
    standin.add_user(BOB, "bob_b", "Bob")
    standin.add_user(SCAMMER, "OurWaIlet_Help", "OurWallet Support")
    standin.add_user(OUR_CN, "OurWallet_CN", "OurWallet 中文")
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    try:
        root = standin.add_mention("my withdrawal has been stuck for 6 hours, please help", CAROL)
        async with running(_x_settings(db_url, standin, tmp_path)) as (server, http):
            token = await token_for(http, "ana@example.com")
            auth = {"Authorization": f"Bearer {token}"}
            [conv] = await eventually(lambda: _n(http, token, 1), what="the complaint's conversation")
            # Genuine people in the thread first: another customer, our other official account, the customer.
            genuine = [
                add_reply(standin, "same here, mine took 4 hours but it arrived", BOB, root["id"]),
                add_reply(standin, "We will never DM you first. Please check your ticket in the app.", OUR_CN,
                          root["id"]),
                add_reply(standin, "someone DMed me asking for my recovery phrase, is that you?", CAROL, root["id"]),
            ]
            await eventually(lambda: _has_texts(http, auth, conv["id"], ["same here", "is that you?"]),
                             what="the genuine replies in the ticket")
            scam = add_reply(standin, "Sorry! Please send us a DM or validate your wallet at LINK", SCAMMER,
                             root["id"], links={"https://ourwallet-sync.app/validate": "LINK"})
            # The customer answers the fake at once (same search answer): the warning must still go under the fake.
            genuine.append(add_reply(standin, "are you really support?", CAROL, scam["id"]))
            await eventually(lambda: _warning_requests(standin) or None, what="the public warning")
            [warning] = _warning_requests(standin)
            fetched_at = next(at for at, ids in standin.search_log if scam["id"] in ids)
            assert warning.at - fetched_at < WARNING_WITHIN, warning.at - fetched_at
            assert warning.body["reply"]["in_reply_to_tweet_id"] == scam["id"]  # under the fake, not the customer
            assert "@OurWallet will never DM you first" in warning.body["text"]
            # The customer is told privately, by DM.
            dm = await eventually(lambda: next((d for d in standin.sent_dms if CAROL in d["dm_conversation_id"]
                                                and "/verify" in d["text"]), None), what="the DM to the customer")
            assert "OurWaIlet_Help" in dm["text"]
            # Tagged, high priority, evidence as a system note; the account listed with report links.
            [conv] = await conversations(http, token)
            assert "impersonation" in conv["tags"] and conv["priority"] in ("high", "urgent")
            async with http.get(f"/api/v1/conversations/{conv['id']}/messages", headers=auth) as r:
                msgs = (await r.json())["messages"]
            note = next(m for m in msgs if m["direction"] == "note" and "Impersonator" in m["text"])
            assert "confusable_handle" in note["text"] or "brand_plus_support_word" in note["text"]
            assert "lookalike_domain" in note["text"]
            async with http.get("/api/v1/admin/impersonators", headers=auth) as r:
                [fake] = (await r.json())["impersonators"]
            assert fake["account_id"] == SCAMMER and fake["platform"] == "x" and fake["ticket"] == conv["ticket"]
            assert fake["links"]["report"].startswith("https://help.x.com/")
            # Never a warning answering our own accounts or the genuine people; one warning per thread.
            replied_to = {(r.body or {}).get("reply", {}).get("in_reply_to_tweet_id") for r in standin.calls_to("/2/tweets")
                          if r.method == "POST"}
            assert not replied_to & {g["id"] for g in genuine}
            add_reply(standin, "DM us now, last warning", SCAMMER, root["id"])
            await eventually(lambda: _notes_at_least(http, auth, conv["id"], 2), what="the second sighting")
            assert len(_warning_requests(standin)) == 1
    finally:
        await standin.stop()


async def _n(http, token, n):  # noqa: ANN001, ANN202
    convs = await conversations(http, token)
    return convs if len(convs) == n else None


async def _has_texts(http, auth, cid, parts):  # noqa: ANN001, ANN202
    async with http.get(f"/api/v1/conversations/{cid}/messages", headers=auth) as r:
        texts = [m["text"] for m in (await r.json())["messages"]]
    return all(any(p in t for t in texts) for p in parts) or None


async def _notes_at_least(http, auth, cid, n):  # noqa: ANN001, ANN202
    async with http.get(f"/api/v1/conversations/{cid}/messages", headers=auth) as r:
        notes = sum(m["direction"] == "note" and "Impersonator" in m["text"] for m in (await r.json())["messages"])
    return notes >= n or None


# ---- Telegram ------------------------------------------------------------------------------------------------

ALICE = TgUser(5123456789, "Alice", username="alice_w", language_code="en")
DANA = TgUser(5234567890, "Dana", username="dana_d", language_code="en")
FAKE_LILY = TgUser(6345678901, "Lily | OurWallet", "Support", username="lily_support_ow", language_code="en")
GROUP = TgChat(-1001234567890, "supergroup", title="OurWallet Community")


def _tg_settings(db_url: str, standin: BotApiStandIn, data_dir: Path, **actions: bool):  # noqa: ANN202
    tg = TelegramConfig.model_validate({"type": "telegram", "token": standin.token, "api_base": standin.base_url,
                                        "poll_timeout": 1})
    return settings_for(db_url, connectors=(ConnectorEntry("wallet-bot", tg),),
                        routing=RoutingSettings(rules="inbox/defaults/rules.yaml"), data_dir=data_dir,
                        impersonation={"registry": REGISTRY, "warning_handle": "OurWallet", "actions": actions})


async def test_telegram_fake_admin_is_deleted_restricted_and_warned_about(engine, db_url, tmp_path) -> None:  # noqa: ANN001
    standin = BotApiStandIn()
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    standin.inject_my_chat_member(GROUP, ALICE, status="administrator")
    try:
        complaint = standin.inject_message(GROUP, ALICE, "my deposit hasn't arrived after 2 hours, can an admin check?")
        complaint_id = complaint["message"]["message_id"]
        async with running(_tg_settings(db_url, standin, tmp_path)) as (server, http):
            token = await token_for(http, "ana@example.com")
            auth = {"Authorization": f"Bearer {token}"}
            [conv] = await eventually(lambda: _n(http, token, 1), what="Alice's conversation")
            standin.inject_message(GROUP, DANA, "same for me, TRC20 is slow today", reply_to=complaint_id)
            fake = standin.inject_message(GROUP, FAKE_LILY, "Hi, I'm an admin, PM me and I will fix it",
                                          reply_to=complaint_id)
            fake_id = fake["message"]["message_id"]
            started = time.monotonic()
            await eventually(lambda: (GROUP.id, fake_id) in standin.deleted or None, what="the fake's message deleted")
            await eventually(lambda: standin.restricted or None, what="the fake restricted")
            assert standin.restricted[0]["user_id"] == FAKE_LILY.id and standin.restricted[0]["chat_id"] == GROUP.id
            assert not any(standin.restricted[0]["permissions"].values())  # no right left at all
            warning = await eventually(lambda: next((m for m in standin.sent if "/verify" in m.text
                                                     and m.chat_id == GROUP.id), None), what="the group warning")
            assert time.monotonic() - started < WARNING_WITHIN
            assert "@OurWallet will never DM you first" in warning.text
            assert (GROUP.id, complaint["message"]["message_id"]) not in standin.deleted  # the customer's stays
            # Alice never opened the bot: the private message falls back to a notice with a private link.
            await eventually(lambda: any("t.me/wallet_support_bot?start=" in m.text for m in standin.sent) or None,
                             what="a private link for Alice")
            [conv] = await conversations(http, token)
            assert "impersonation" in conv["tags"]
            async with http.get("/api/v1/admin/impersonators", headers=auth) as r:
                [listed] = (await r.json())["impersonators"]
            assert listed["account_id"] == str(FAKE_LILY.id)
            assert any(s["name"] == "copies_admin_name" for s in listed["signals"])
            assert listed["links"]["report"] == "https://t.me/notoscam"
            # Dana (a genuine member who replied in the thread) was neither deleted nor restricted nor answered.
            assert len(standin.restricted) == 1 and len(standin.deleted) == 1
    finally:
        await standin.stop()


async def test_telegram_actions_can_be_switched_off(engine, db_url, tmp_path) -> None:  # noqa: ANN001
    standin = BotApiStandIn()
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    standin.inject_my_chat_member(GROUP, ALICE, status="administrator")
    try:
        complaint = standin.inject_message(GROUP, ALICE, "withdrawal pending since yesterday")
        async with running(_tg_settings(db_url, standin, tmp_path, telegram_delete=False, telegram_restrict=False)) \
                as (server, http):
            token = await token_for(http, "ana@example.com")
            await eventually(lambda: _n(http, token, 1), what="Alice's conversation")
            standin.inject_message(GROUP, FAKE_LILY, "PM me, I'm the admin", reply_to=complaint["message"]["message_id"])
            await eventually(lambda: any("/verify" in m.text for m in standin.sent) or None, what="the warning")
            assert not standin.deleted and not standin.restricted
    finally:
        await standin.stop()
