"""Telegram and email replies interrupted by a crash (outbox row left `sending` after the provider call), against
the Bot API stand-in and the Dovecot + SMTP peers, on SQLite and PostgreSQL. Neither channel can dedupe, so the reply
is shown to the agent as interrupted and never resent by itself; the agent's resend goes out once (issue #12 item 9).
"""
from __future__ import annotations

import asyncio

from sqlalchemy import update

from connectors.telegram import TelegramConfig
from inbox.config import ConnectorEntry
from inbox.outbox import INTERRUPTED
from inbox.store.schema import messages, outbox
from tests.connectors.telegram.standin import BotApiStandIn, TgChat, TgUser
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.integration.helpers import conversations, eventually

ALICE = TgUser(5123456789, "Alice", "Wong", username="alice_w", language_code="en")


async def test_interrupted_telegram_reply_is_not_resent(engine, db_url) -> None:  # noqa: ANN001
    standin = BotApiStandIn()
    await standin.start()
    await add_agent(db_url, "ana@example.com")
    tg = TelegramConfig.model_validate({"type": "telegram", "token": standin.token, "api_base": standin.base_url,
                                        "poll_timeout": 1})
    settings = settings_for(db_url, connectors=(ConnectorEntry("wallet-bot", tg),))
    try:
        standin.inject_message(TgChat.private(ALICE), ALICE, "my withdrawal is stuck")
        async with running(settings) as (server, http):
            token = await token_for(http, "ana@example.com")
            auth = {"Authorization": f"Bearer {token}"}
            [conv] = await eventually(lambda: _convs(http, token), what="the conversation")
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": "We are on it"},
                                 headers=auth) as r:
                reply = (await r.json())["message"]["id"]
            await eventually(lambda: "We are on it" in standin.sent_texts() or None, what="the reply sent")
        async with engine.begin() as conn:  # what kill -9 after sendMessage, before "sent", leaves behind
            await conn.execute(update(outbox).where(outbox.c.message_id == reply).values(state="sending"))
            await conn.execute(update(messages).where(messages.c.id == reply).values(status="queued"))

        async with running(settings) as (server, http):
            auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
            url = f"/api/v1/conversations/{conv['id']}/messages"

            async def settled():  # noqa: ANN202
                async with http.get(url, headers=auth) as r:
                    [m] = [m for m in (await r.json())["messages"] if m["id"] == reply]
                return m if m["status"] != "queued" else None

            m = await eventually(settled, what="the interrupted reply settled")
            assert m["status"] == "failed" and m["error"] == INTERRUPTED and "interrupted" in m["flags"]
            await asyncio.sleep(1.0)
            assert standin.sent_texts().count("We are on it") == 1  # not resent by itself
            async with http.post(f"{url}/{reply}/resend", headers=auth) as r:
                assert r.status == 200
            await eventually(lambda: standin.sent_texts().count("We are on it") == 2 or None, what="the resend")
    finally:
        await standin.stop()


async def _convs(http, token):  # noqa: ANN001, ANN202
    convs = await conversations(http, token)
    return convs if len(convs) == 1 else None


async def test_interrupted_email_reply_is_not_resent(engine, db_url, dovecot, smtp_server) -> None:  # noqa: ANN001
    from tests.connectors.email.helpers import email_config, make_mail

    await add_agent(db_url, "ana@example.com")
    settings = settings_for(db_url, connectors=(ConnectorEntry("support-mail", email_config(dovecot, smtp_server)),))
    received = smtp_server.handler.received
    async with running(settings) as (server, http):
        token = await token_for(http, "ana@example.com")
        auth = {"Authorization": f"Bearer {token}"}
        dovecot.append(make_mail("My withdrawal is pending.", subject="Withdrawal", message_id="i1@customer.example"))
        [conv] = await eventually(lambda: _convs(http, token), what="the conversation")
        async with http.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": "On its way."},
                             headers=auth) as r:
            reply = (await r.json())["message"]["id"]
        await eventually(lambda: len(received) == 1 or None, what="the reply at the SMTP server")
    async with engine.begin() as conn:  # kill -9 after the SMTP transaction, before "sent"
        await conn.execute(update(outbox).where(outbox.c.message_id == reply).values(state="sending"))
        await conn.execute(update(messages).where(messages.c.id == reply).values(status="queued"))
    async with running(settings) as (server, http):
        auth = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}

        async def settled():  # noqa: ANN202
            async with http.get(f"/api/v1/conversations/{conv['id']}/messages", headers=auth) as r:
                [m] = [m for m in (await r.json())["messages"] if m["id"] == reply]
            return m if m["status"] != "queued" else None

        m = await eventually(settled, timeout=30.0, what="the interrupted reply settled")
        assert m["status"] == "failed" and m["error"] == INTERRUPTED and "interrupted" in m["flags"]
        await asyncio.sleep(1.0)
        assert len(received) == 1  # at most once: not mailed again by itself
