"""Telegram through the whole inbox: polling connector → pipeline (guard, classifier, rules) → store → API → outbox →
sendMessage, against the wire-faithful Bot API stand-in."""
from __future__ import annotations

import re

from mnemonic import Mnemonic

from connectors.telegram import TelegramConfig
from inbox.config import ConnectorEntry, RoutingSettings
from tests.connectors.telegram.standin import BotApiStandIn, TgChat, TgUser
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.integration.helpers import conversations, eventually, stored_texts

ALICE = TgUser(5123456789, "Alice", "Wong", username="alice_w", language_code="zh-hans")
BOB = TgUser(5987654321, "Bob", username="bobby", language_code="en")
GROUP = TgChat(-1001234567890, "supergroup", title="Wallet Community")


def _settings(db_url: str, standin: BotApiStandIn):  # noqa: ANN202
    tg = TelegramConfig.model_validate({"type": "telegram", "token": standin.token, "api_base": standin.base_url,
                                        "poll_timeout": 1})
    return settings_for(db_url, connectors=(ConnectorEntry("wallet-bot", tg),),
                        routing=RoutingSettings(rules="inbox/defaults/rules.yaml"))


async def test_private_and_group_messages_and_replies(engine, db_url) -> None:  # noqa: ANN001
    standin = BotApiStandIn()
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    try:
        standin.inject_message(TgChat.private(ALICE), ALICE, "我的提现三天了还没到账")
        group_msg = standin.inject_message(GROUP, BOB, "deposit not credited after 2 hours, anyone else?")
        async with running(_settings(db_url, standin)) as (server, http):
            token = await token_for(http, "ana@example.com")
            convs = await eventually(lambda: _two(http, token), what="both conversations")
            by_vis = {c["visibility"]: c for c in convs}
            assert by_vis["private"]["connector"] == "wallet-bot" and by_vis["public"]["channel"] == "telegram"
            assert by_vis["private"]["type"] == "withdrawal" and by_vis["public"]["type"] == "deposit"
            # Routed by the default rules: deposit/withdrawal go to the payments team, with reasons visible.
            assert by_vis["private"]["team"] == "payments" and by_vis["private"]["type_reasons"]
            auth = {"Authorization": f"Bearer {token}"}
            for conv, text in ((by_vis["private"], "我们正在处理"), (by_vis["public"], "Checking the network now")):
                async with http.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": text},
                                     headers=auth) as r:
                    assert r.status == 201, await r.text()
            await eventually(lambda: {"我们正在处理", "Checking the network now"} <= set(standin.sent_texts()),
                             what="both replies sent")
            sent = {m.text: m for m in standin.sent}
            assert sent["我们正在处理"].chat_id == ALICE.id
            group_reply = sent["Checking the network now"]
            assert group_reply.chat_id == GROUP.id
            assert group_reply.reply_to_message_id == group_msg["message"]["message_id"]
    finally:
        await standin.stop()


async def _two(http, token):  # noqa: ANN001, ANN202
    convs = await conversations(http, token)
    return convs if len(convs) == 2 and all(c["type"] for c in convs) and any(c["team"] for c in convs) else None


async def test_seed_phrase_in_group_is_masked_hidden_and_continued_privately(engine, db_url) -> None:  # noqa: ANN001
    standin = BotApiStandIn()
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    seed = Mnemonic("english").generate(128)
    try:
        standin.inject_my_chat_member(GROUP, ALICE, "administrator")
        standin.inject_message(GROUP, BOB, f"my wallet was emptied!! my recovery phrase is {seed} please help")
        async with running(_settings(db_url, standin)) as (server, http):
            token = await token_for(http, "ana@example.com")
            auth = {"Authorization": f"Bearer {token}"}
            [conv] = await eventually(lambda: conversations(http, token), what="the group conversation")
            assert conv["visibility"] == "public" and "sensitive" in conv["tags"] and conv["priority"] == "urgent"
            stored = await stored_texts(engine)
            assert seed not in stored and " ".join(seed.split()[:4]) not in stored
            # Hidden from public view: the bot is admin, so the post is deleted.
            await eventually(lambda: standin.deleted, what="deleteMessage")
            assert standin.deleted[0][0] == GROUP.id
            # Bob never started the bot: the private message is refused, the group gets a deep link instead.
            link = await eventually(lambda: next((m.text for m in standin.sent if "?start=" in m.text), None),
                                    what="a private link in the group")
            assert all(seed.split()[0] + " " + seed.split()[1] not in m.text for m in standin.sent)
            start_token = re.search(r"t\.me/wallet_support_bot\?start=([A-Za-z0-9_-]+)", link).group(1)
            # Bob opens the link: /start <token> in a private chat joins the same ticket and the waiting message goes.
            standin.inject_message(TgChat.private(BOB), BOB, f"/start {start_token}")
            await eventually(lambda: any(m.chat_id == BOB.id for m in standin.sent), what="the private message")
            assert len(await conversations(http, token)) == 1
            # An agent's public reply with a transaction hash goes to Bob's private chat, not the group.
            tx = "0x" + "9f" * 32
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"text": f"Your withdrawal txid {tx} is confirmed"}, headers=auth) as r:
                body = await r.json()
            assert r.status == 201 and body["route"]["visibility"] == "private", body
            await eventually(lambda: any(tx in m.text and m.chat_id == BOB.id for m in standin.sent),
                             what="the reply in Bob's private chat")
            assert not any(tx in m.text for m in standin.sent if m.chat_id == GROUP.id)
    finally:
        await standin.stop()
