"""A quoted ticket number joins its ticket only for the ticket's customer or a real reply in its thread (issue #12,
item 2: ticket takeover by email); everyone else gets a conversation of their own that says which ticket it quoted."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.domain import Channel, IdentityKind, format_ticket
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.pipeline.mentions import MENTIONS_TICKET_TAG, NOTE_REASON
from inbox.store.schema import contact_identities, conversation_tags, conversations, messages
from tests.inbox.factories import chat


def mail(text: str, sender: str, *, message_id: str, subject: str = "Withdrawal pending", **extra):  # noqa: ANN003, ANN201
    """An inbound mail as the email connector builds it (thread key = root id, hints = References/In-Reply-To)."""
    hints = tuple(extra.pop("references", ()))
    return chat(text, sender, connector="mail", channel=Channel.EMAIL, kind=IdentityKind.EMAIL,
                provider_id=message_id, thread_key=hints[0] if hints else message_id, thread_hints=hints,
                subject=subject, **extra)


async def _conversation_of(engine, message_id: int) -> int:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == message_id))).scalar_one()


async def _tags(engine, cid: int) -> set[str]:  # noqa: ANN001
    async with engine.connect() as conn:
        return set((await conn.execute(select(conversation_tags.c.tag).where(
            conversation_tags.c.conversation_id == cid))).scalars())


async def _thread(engine, cid: int) -> list:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(messages).where(messages.c.conversation_id == cid)
                                   .order_by(messages.c.id))).all()


async def _ticket(engine, p: Pipeline) -> tuple[int, int]:  # noqa: ANN001
    [mid] = await p.ingest([mail("My withdrawal is pending", "alice@customer.example", message_id="a1@customer")])
    return await _conversation_of(engine, mid), mid


async def test_stranger_quoting_a_ticket_gets_a_conversation_of_its_own(engine) -> None:  # noqa: ANN001
    bus = EventBus()
    sub = bus.subscribe()
    p = Pipeline(engine, bus)
    cid, _ = await _ticket(engine, p)
    ticket = format_ticket(cid)
    [mid] = await p.ingest([mail("I am Alice's new address, send everything here", "mallory@evil.example",
                                 message_id="m1@evil", subject=f"Re: Withdrawal pending [{ticket}]",
                                 ticket_hint=cid + 10000)])
    stranger_cid = await _conversation_of(engine, mid)
    assert stranger_cid != cid
    assert [m.text for m in await _thread(engine, cid)] == ["My withdrawal is pending"]
    assert MENTIONS_TICKET_TAG in await _tags(engine, stranger_cid)
    assert MENTIONS_TICKET_TAG not in await _tags(engine, cid)
    inbound, note = await _thread(engine, stranger_cid)
    assert inbound.direction == "inbound"
    assert note.direction == "note" and note.reason == NOTE_REASON and ticket in note.text
    published = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert any(e.type == "message.created" and e.payload["message"]["id"] == note.id for e in published)


async def test_the_customer_quoting_her_ticket_joins_it(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    cid, _ = await _ticket(engine, p)
    # A fresh mail (no References), just the ticket number in the subject, from the same address.
    [mid] = await p.ingest([mail("any news?", "alice@customer.example", message_id="a2@customer",
                                 subject=f"Question [{format_ticket(cid)}]", ticket_hint=cid + 10000)])
    assert await _conversation_of(engine, mid) == cid
    assert MENTIONS_TICKET_TAG not in await _tags(engine, cid)


async def test_another_identity_of_the_same_contact_joins(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    cid, _ = await _ticket(engine, p)
    async with engine.begin() as conn:
        contact_id = (await conn.execute(select(conversations.c.contact_id).where(conversations.c.id == cid))).scalar_one()
        await conn.execute(contact_identities.insert(), {"contact_id": contact_id, "kind": "email",
                                                          "value": "alice@work.example"})
    [mid] = await p.ingest([mail("from my work address", "alice@work.example", message_id="a3@work",
                                 subject=f"[{format_ticket(cid)}]", ticket_hint=cid + 10000)])
    assert await _conversation_of(engine, mid) == cid


async def test_a_participant_replying_in_the_thread_joins(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    cid, _ = await _ticket(engine, p)
    # Alice's colleague in copy answers all: her References name Alice's mail.
    [mid] = await p.ingest([mail("I can confirm the amount", "bob@customer.example", message_id="b1@customer",
                                 subject=f"Re: Withdrawal pending [{format_ticket(cid)}]", ticket_hint=cid + 10000,
                                 references=["a1@customer"])])
    assert await _conversation_of(engine, mid) == cid


async def test_references_to_another_thread_do_not_open_the_ticket(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    cid, _ = await _ticket(engine, p)
    [own] = await p.ingest([mail("my own question", "mallory@evil.example", message_id="m0@evil", subject="Mine")])
    own_cid = await _conversation_of(engine, own)
    # Mallory replies in her own thread but quotes Alice's ticket: she stays in her own conversation, flagged.
    [mid] = await p.ingest([mail("see ticket", "mallory@evil.example", message_id="m2@evil",
                                 subject=f"Re: Mine [{format_ticket(cid)}]", ticket_hint=cid + 10000,
                                 references=["m0@evil"])])
    assert await _conversation_of(engine, mid) == own_cid
    assert MENTIONS_TICKET_TAG in await _tags(engine, own_cid)


async def test_stranger_and_customer_in_one_batch(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    cid, _ = await _ticket(engine, p)
    hint = cid + 10000
    ids = await p.ingest([
        mail("takeover", "mallory@evil.example", message_id="m3@evil", ticket_hint=hint),
        mail("still pending", "alice@customer.example", message_id="a4@customer", ticket_hint=hint),
        # Mallory answering her own mail of this batch is still not a reply in Alice's thread.
        mail("again", "mallory@evil.example", message_id="m4@evil", ticket_hint=hint, references=["m3@evil"]),
    ])
    convs = [await _conversation_of(engine, i) for i in ids]
    assert convs[1] == cid and convs[0] != cid and convs[2] == convs[0]


async def test_a_ticket_on_another_connector_is_ignored_as_before(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    [chat_mid] = await p.ingest([chat("hello", "alice")])
    chat_cid = await _conversation_of(engine, chat_mid)
    [mid] = await p.ingest([mail("hi", "mallory@evil.example", message_id="m5@evil", ticket_hint=chat_cid + 10000)])
    other = await _conversation_of(engine, mid)
    assert other != chat_cid and MENTIONS_TICKET_TAG not in await _tags(engine, other)


@pytest.mark.parametrize(("channel", "kind"), [(Channel.TELEGRAM, IdentityKind.TELEGRAM),
                                               (Channel.TWITTER, IdentityKind.TWITTER)])
async def test_the_same_rule_holds_for_chat_platforms(engine, channel: Channel, kind: IdentityKind) -> None:  # noqa: ANN001
    """No Telegram or X connector reads ticket numbers today; the rule is the Threader's, so one that does later is
    covered: only the ticket's own customer joins by quoting it."""
    p = Pipeline(engine, EventBus())
    platform = {"connector": "social", "channel": channel, "kind": kind}
    [first] = await p.ingest([chat("my deposit is missing", "1001", thread_key="dm:1001", **platform)])
    cid = await _conversation_of(engine, first)
    stranger, customer = await p.ingest([
        chat(f"about {format_ticket(cid)}", "6666", thread_key="dm:6666", ticket_hint=cid + 10000, **platform),
        chat(f"about {format_ticket(cid)}", "1001", thread_key="dm:1001-new", ticket_hint=cid + 10000, **platform),
    ])
    assert await _conversation_of(engine, customer) == cid
    assert await _conversation_of(engine, stranger) != cid
