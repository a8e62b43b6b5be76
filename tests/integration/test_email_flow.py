"""Email through the whole inbox, on a real Dovecot and an SMTP server on loopback: mail shows up threaded, an agent's
reply carries the threading headers and the ticket, and mail delivered while the inbox is down arrives once each."""
from __future__ import annotations

import email
from email import policy

from sqlalchemy import func, select

from inbox.config import ConnectorEntry
from inbox.store.schema import messages
from tests.connectors.email.helpers import email_config, make_mail
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.integration.helpers import conversations, eventually


def _settings(db_url, dovecot, smtp):  # noqa: ANN001, ANN202
    return settings_for(db_url, connectors=(ConnectorEntry("support-mail", email_config(dovecot, smtp)),))


async def _messages(http, token, conversation_id):  # noqa: ANN001, ANN202
    async with http.get(f"/api/v1/conversations/{conversation_id}/messages",
                        headers={"Authorization": f"Bearer {token}"}) as r:
        return (await r.json())["messages"]


async def test_threaded_mail_and_reply_headers(engine, db_url, dovecot, smtp_server) -> None:  # noqa: ANN001
    await add_agent(db_url, "ana@example.com", role="admin")
    async with running(_settings(db_url, dovecot, smtp_server)) as (server, http):
        token = await token_for(http, "ana@example.com")
        dovecot.append(make_mail("My withdrawal of 500 USDT is pending since Monday.", subject="Withdrawal pending",
                                 message_id="w1@customer.example"))
        dovecot.append(make_mail("Any news? Still pending.", subject="Re: Withdrawal pending",
                                 message_id="w2@customer.example", in_reply_to="w1@customer.example",
                                 references=["w1@customer.example"]))
        dovecot.append(make_mail("How do I change my phone number?", subject="Phone number",
                                 sender="Bo Li <bo@customer.example>", message_id="p1@customer.example"))
        convs = await eventually(lambda: _n(http, token, 2, total_messages=3), what="two threads, three mails")
        thread = next(c for c in convs if c["message_count"] == 2)
        assert thread["channel"] == "email" and thread["visibility"] == "private"

        async with http.post(f"/api/v1/conversations/{thread['id']}/messages",
                             json={"text": "It is on its way."}, headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 201
        await eventually(lambda: smtp_server.handler.received, what="the reply at the SMTP server")
        sent = email.message_from_bytes(smtp_server.handler.received[0], policy=policy.default)
        assert sent["In-Reply-To"] == "<w2@customer.example>"
        assert "<w1@customer.example>" in sent["References"] and "<w2@customer.example>" in sent["References"]
        assert thread["ticket"] in sent["Subject"] and sent["To"].addresses[0].addr_spec == "alice@customer.example"
        assert "It is on its way." in sent.get_body(("plain",)).get_content()

        # The customer answers our reply from her mail client: it joins the same ticket.
        ours = sent["Message-ID"].strip("<>")
        dovecot.append(make_mail("Thanks, received!", subject=f"Re: {sent['Subject']}",
                                 message_id="w3@customer.example", in_reply_to=ours, references=["w1@customer.example", ours]))
        await eventually(lambda: _count(http, token, thread["id"], 4), what="the answer in the same thread")
        assert len(await conversations(http, token)) == 2


async def _n(http, token, n, total_messages):  # noqa: ANN001, ANN202
    convs = await conversations(http, token)
    return convs if len(convs) == n and sum(c["message_count"] for c in convs) == total_messages else None


async def _count(http, token, conversation_id, n):  # noqa: ANN001, ANN202
    return len(await _messages(http, token, conversation_id)) == n


async def test_mail_delivered_while_down_arrives_once_each(engine, db_url, dovecot, smtp_server) -> None:  # noqa: ANN001
    settings = _settings(db_url, dovecot, smtp_server)
    dovecot.append(make_mail("first", message_id="first@customer.example"))
    async with running(settings) as (server, http):
        await eventually(lambda: _stored(engine, 1), what="the first mail")
    # The inbox is stopped: 100 mails arrive meanwhile.
    dovecot.append_many([make_mail(f"mail number {i}", subject=f"Question {i}", message_id=f"down-{i}@customer.example")
                         for i in range(100)])
    async with running(settings) as (server, http):
        await eventually(lambda: _stored(engine, 101), timeout=60, what="all 100 mails")
        async with engine.connect() as conn:
            ids = (await conn.execute(select(messages.c.provider_id))).scalars().all()
    assert len(ids) == len(set(ids)) == 101
    assert {f"down-{i}@customer.example" for i in range(100)} <= set(ids)


async def _stored(engine, n) -> bool:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(messages))).scalar_one() >= n
