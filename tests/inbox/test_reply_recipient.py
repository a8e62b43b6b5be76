"""Replies go to the conversation's customer, never to whoever wrote last (issue #12, item 2)."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from inbox.domain import Channel, IdentityKind, Visibility, format_ticket, utcnow
from inbox.events import EventBus
from inbox.outbox import OutboxDispatcher
from inbox.pipeline.core import Pipeline
from inbox.recipients import customer_identity
from inbox.replies import enqueue_reply
from inbox.store.schema import contact_identities, conversations, messages
from tests.inbox.factories import chat
from tests.inbox.scripted_connector import ScriptedConfig, ScriptedConnector
from tests.inbox.test_ticket_trust import mail


class _Host:
    pass


async def _send_one(engine, cid: int, connector: str, route: Visibility = Visibility.PRIVATE):  # noqa: ANN001, ANN202
    ScriptedConnector.reset()
    async with engine.begin() as conn:
        mid = (await enqueue_reply(conn, cid, "we are on it", route, utcnow())).message_id
    table = {connector: ScriptedConnector(connector, ScriptedConfig(), _Host())}
    d = OutboxDispatcher(engine, EventBus(), table.get, "http://inbox.test")
    await d.start()
    try:
        for _ in range(200):
            async with engine.connect() as conn:
                status = (await conn.execute(select(messages.c.status).where(messages.c.id == mid))).scalar_one()
            if status != "queued" and status != "sending":
                break
            await asyncio.sleep(0.05)
    finally:
        await d.stop()
    assert status == "sent"
    [sent] = ScriptedConnector.sent
    return sent


async def _conversation_of(engine, message_id: int) -> int:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == message_id))).scalar_one()


async def test_a_participant_writing_last_does_not_become_the_recipient(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    [first] = await p.ingest([mail("withdrawal pending", "alice@customer.example", message_id="a1@c")])
    cid = await _conversation_of(engine, first)
    [last] = await p.ingest([mail("me too, same thing", "bob@customer.example", message_id="b1@c",
                                  subject=f"Re: Withdrawal pending [{format_ticket(cid)}]",
                                  references=["a1@c"], ticket_hint=cid + 10000)])
    assert await _conversation_of(engine, last) == cid  # a real reply in the thread joins...
    sent = await _send_one(engine, cid, "mail")
    assert sent.recipient.kind is IdentityKind.EMAIL
    assert sent.recipient.value == "alice@customer.example"  # ...but the answer still goes to the customer


async def test_a_group_member_replying_in_a_public_thread_gets_no_private_reply(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    public = {"connector": "tg", "channel": Channel.TELEGRAM, "kind": IdentityKind.TELEGRAM,
              "visibility": Visibility.PUBLIC, "thread_key": "group:-100:thread:7"}
    [first] = await p.ingest([chat("my withdrawal is stuck", "1001", **public)])
    cid = await _conversation_of(engine, first)
    [other] = await p.ingest([chat("DM me, I can help", "6666", **public)])
    assert await _conversation_of(engine, other) == cid
    sent = await _send_one(engine, cid, "tg")
    assert sent.visibility is Visibility.PRIVATE and sent.recipient.value == "1001"


async def test_recipient_is_any_identity_of_the_contact_that_wrote(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    [first] = await p.ingest([mail("hello", "alice@customer.example", message_id="a2@c")])
    cid = await _conversation_of(engine, first)
    async with engine.begin() as conn:
        contact_id = (await conn.execute(select(conversations.c.contact_id).where(conversations.c.id == cid))).scalar_one()
        await conn.execute(contact_identities.insert(), {"contact_id": contact_id, "kind": "email",
                                                          "value": "alice@work.example"})
    [second] = await p.ingest([mail("from work", "alice@work.example", message_id="a3@w",
                                    subject=f"[{format_ticket(cid)}]", ticket_hint=cid + 10000)])
    assert await _conversation_of(engine, second) == cid
    async with engine.connect() as conn:
        who = await customer_identity(conn, cid, "mail")
        nobody = await customer_identity(conn, cid + 999, "mail")
    assert who is not None and who.value == "alice@work.example" and nobody is None
