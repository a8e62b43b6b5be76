"""Private links (inbox.private_links): bound to the customer they were issued for, single-binding, expiring.

Attacks: a second person opens the link, the link is reused after binding, an expired link, garbage tokens, two
claimers in one batch. Each time the ticket's history and its waiting private reply must stay with its customer.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.domain import Channel, ContactIdentity, IdentityKind, Visibility, utcnow
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.private_links import new_token, record_link, token_hash, vet_link_tokens
from inbox.replies import choose_target, enqueue_reply
from inbox.store.schema import messages, outbox, private_links, thread_links
from tests.inbox.factories import chat

ZOE = ContactIdentity(IdentityKind.TELEGRAM, "zoe")


def tg(text: str, user: str, **kw):  # noqa: ANN201
    """A Telegram private-chat message from `user` (a /start <token> when link_token is given)."""
    return chat(text, user, connector="tg", channel=Channel.TELEGRAM, kind=IdentityKind.TELEGRAM,
                thread_key=f"chat:{user}", **kw)


async def _public_ticket_with_waiting_reply(engine) -> tuple[int, int]:  # noqa: ANN001
    """Zoe's public post, and an agent's private reply waiting for her to open a private link."""
    p = Pipeline(engine, EventBus())
    [mid] = await p.ingest([chat("help, my tx is stuck", "zoe", connector="tg", channel=Channel.TELEGRAM,
                                 kind=IdentityKind.TELEGRAM, visibility=Visibility.PUBLIC,
                                 thread_key="group:1:user:zoe")])
    async with engine.begin() as conn:
        cid = (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == mid))).scalar_one()
        reply = await enqueue_reply(conn, cid, "your tx 0xabc is pending", Visibility.PRIVATE, utcnow(),
                                    private_link_fallback=True)
        await conn.execute(outbox.update().where(outbox.c.id == reply.outbox_id).values(state="waiting"))
    return cid, reply.outbox_id


async def _link(engine, cid: int, for_identity: ContactIdentity | None, age: timedelta = timedelta()) -> str:  # noqa: ANN001
    token = new_token()
    async with engine.begin() as conn:
        await record_link(conn, token, cid, utcnow() - age, for_identity=for_identity, ttl=timedelta(days=7))
    return token


async def _conversation_of(engine, message_id: int) -> int:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(messages.c.conversation_id).where(messages.c.id == message_id))).scalar_one()


async def _outbox_state(engine, outbox_id: int) -> str:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(outbox.c.state).where(outbox.c.id == outbox_id))).scalar_one()


async def _private_target(engine, cid: int):  # noqa: ANN001, ANN202
    async with engine.connect() as conn:
        return await choose_target(conn, cid, Visibility.PRIVATE)


async def _history_thread_keys(engine, cid: int) -> set[str]:  # noqa: ANN001
    async with engine.connect() as conn:
        return set((await conn.execute(select(thread_links.c.thread_key).where(
            thread_links.c.conversation_id == cid))).scalars())


async def test_the_customer_it_was_issued_for_joins_the_ticket(engine) -> None:  # noqa: ANN001
    cid, waiting = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, ZOE)
    [mid] = await Pipeline(engine, EventBus()).ingest([tg(f"/start {token}", "zoe", link_token=token)])
    assert await _conversation_of(engine, mid) == cid
    assert await _outbox_state(engine, waiting) == "queued"  # the waiting private reply goes now, to her chat
    assert (await _private_target(engine, cid)).thread_key == "chat:zoe"
    async with engine.connect() as conn:
        bound = (await conn.execute(select(private_links.c.bound_kind, private_links.c.bound_value))).one()
    assert tuple(bound) == ("telegram", "zoe")


async def test_a_second_person_opening_the_link_starts_their_own_conversation(engine) -> None:  # noqa: ANN001
    cid, waiting = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, ZOE)
    p = Pipeline(engine, EventBus())
    [mid] = await p.ingest([tg(f"/start {token}", "mallory", link_token=token)])
    theirs = await _conversation_of(engine, mid)
    assert theirs != cid
    assert await _outbox_state(engine, waiting) == "waiting"  # Zoe's reply does not go to Mallory
    assert (await _private_target(engine, cid)).thread_key is None  # no private chat joined Zoe's ticket
    assert "chat:mallory" not in await _history_thread_keys(engine, cid)
    # Mallory keeps writing: it stays in Mallory's conversation. Zoe can still open her link.
    [later] = await p.ingest([tg("so what is in the ticket?", "mallory")])
    assert await _conversation_of(engine, later) == theirs
    [zoe] = await p.ingest([tg(f"/start {token}", "zoe", link_token=token)])
    assert await _conversation_of(engine, zoe) == cid
    assert (await _private_target(engine, cid)).thread_key == "chat:zoe"


async def test_a_chat_link_binds_to_its_first_claimer_only(engine) -> None:  # noqa: ANN001
    cid, waiting = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, None)  # the in-app chat fallback: no identity to expect
    p = Pipeline(engine, EventBus())

    def visitor(user: str, text: str = "hi", **kw):  # noqa: ANN202
        return chat(text, user, kind=IdentityKind.VISITOR, thread_key=f"visitor:{user}", **kw)

    [first] = await p.ingest([visitor("v1", link_token=token)])
    assert await _conversation_of(engine, first) == cid
    assert await _outbox_state(engine, waiting) == "queued"
    # Reused after binding by someone else: their own conversation, and the ticket's private path stays v1's.
    [second] = await p.ingest([visitor("v2", link_token=token)])
    assert await _conversation_of(engine, second) != cid
    assert (await _private_target(engine, cid)).thread_key == "visitor:v1"
    assert "visitor:v2" not in await _history_thread_keys(engine, cid)
    # The claimer opening it again is still welcome.
    [again] = await p.ingest([visitor("v1", "me again", link_token=token)])
    assert await _conversation_of(engine, again) == cid


async def test_two_claimers_in_one_batch_bind_only_the_first(engine) -> None:  # noqa: ANN001
    cid, _ = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, None)
    a, b = await Pipeline(engine, EventBus()).ingest([
        chat("a", "v1", kind=IdentityKind.VISITOR, thread_key="visitor:v1", link_token=token),
        chat("b", "v2", kind=IdentityKind.VISITOR, thread_key="visitor:v2", link_token=token),
    ])
    assert await _conversation_of(engine, a) == cid
    assert await _conversation_of(engine, b) != cid


async def test_an_expired_link_binds_nobody(engine) -> None:  # noqa: ANN001
    cid, waiting = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, ZOE, age=timedelta(days=7, minutes=1))
    [mid] = await Pipeline(engine, EventBus()).ingest([tg(f"/start {token}", "zoe", link_token=token)])
    assert await _conversation_of(engine, mid) != cid
    assert await _outbox_state(engine, waiting) == "waiting"
    async with engine.connect() as conn:
        assert (await conn.execute(select(private_links.c.bound_kind))).scalar_one() is None


async def test_a_link_still_fresh_binds(engine) -> None:  # noqa: ANN001 - the boundary of the test above
    cid, _ = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, ZOE, age=timedelta(days=6, hours=23))
    [mid] = await Pipeline(engine, EventBus()).ingest([tg(f"/start {token}", "zoe", link_token=token)])
    assert await _conversation_of(engine, mid) == cid


@pytest.mark.parametrize("garbage", [
    "x", "A" * 64, "A" * 5000, "../../etc/passwd", "tökén-ünïcödé-ÄÖÜ-0123456789", "\ud800" * 20, "' OR 1=1 --",
])
async def test_guessed_or_garbage_tokens_are_stored_as_plain_messages(engine, garbage: str) -> None:  # noqa: ANN001
    cid, waiting = await _public_ticket_with_waiting_reply(engine)
    await _link(engine, cid, None)  # an unclaimed link exists: a guess must still not find it
    [mid] = await Pipeline(engine, EventBus()).ingest([
        chat("hello", "guesser", kind=IdentityKind.VISITOR, thread_key="visitor:guesser", link_token=garbage)])
    assert await _conversation_of(engine, mid) != cid
    assert await _outbox_state(engine, waiting) == "waiting"


async def test_tokens_are_stored_only_as_hashes_and_never_logged(engine, caplog) -> None:  # noqa: ANN001
    cid, _ = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, ZOE)
    caplog.set_level(logging.DEBUG)
    await Pipeline(engine, EventBus()).ingest([tg(f"/start {token}", "mallory", link_token=token)])
    async with engine.connect() as conn:
        rows = [tuple(r) for r in await conn.execute(select(private_links))]
    assert rows and token not in repr(rows) and rows[0][0] == token_hash(token)
    assert "not joined" in caplog.text  # the refusal is logged...
    assert token not in caplog.text  # ...without the credential (the database driver's SQL log included)


async def test_the_token_is_masked_in_the_stored_message(engine) -> None:  # noqa: ANN001
    cid, _ = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, ZOE)
    raw = f'{{"message": {{"text": "/start {token}"}}}}'
    [joined] = await Pipeline(engine, EventBus()).ingest([tg(f"/start {token}", "zoe", link_token=token, raw=raw)])
    [other] = await Pipeline(engine, EventBus()).ingest([tg(f"ref:{token} hi", "mallory", link_token=token, raw=raw)])
    async with engine.connect() as conn:
        rows = (await conn.execute(select(messages.c.id, messages.c.text, messages.c.raw).where(
            messages.c.id.in_([joined, other])).order_by(messages.c.id))).all()
    assert [r.text for r in rows] == ["/start [private link]", "ref:[private link] hi"]
    assert all(token not in (r.raw or "") and "[private link]" in r.raw for r in rows)


async def test_two_claimers_racing_in_separate_transactions_bind_only_one(engine) -> None:  # noqa: ANN001
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: claims cannot interleave")
    cid, _ = await _public_ticket_with_waiting_reply(engine)
    token = await _link(engine, cid, None)

    def visitor(user: str):  # noqa: ANN202
        return chat("hi", user, kind=IdentityKind.VISITOR, thread_key=f"visitor:{user}", link_token=token)

    async with engine.connect() as a, engine.connect() as b:
        tx_a, tx_b = await a.begin(), await b.begin()
        [first] = await vet_link_tokens(a, [visitor("v1")], utcnow())
        second = asyncio.create_task(vet_link_tokens(b, [visitor("v2")], utcnow()))
        await asyncio.sleep(0.3)  # b has read the link as unclaimed and waits on a's row lock
        await tx_a.commit()
        [loser] = await second
        await tx_b.commit()
    assert first.link_token == token and loser.link_token is None
    async with engine.connect() as conn:
        assert (await conn.execute(select(private_links.c.bound_value))).scalar_one() == "v1"


async def test_a_reference_that_is_not_one_of_our_tokens_stays_as_written(engine) -> None:  # noqa: ANN001
    # X reads "ref:<token>" from any DM: a customer's own payment reference is not a credential of ours.
    [mid] = await Pipeline(engine, EventBus()).ingest([
        chat("ref:PAYMENT-REFERENCE-2026-11 please check", "dave", kind=IdentityKind.TWITTER, thread_key="dm:1-2",
             connector="x", channel=Channel.TWITTER, link_token="PAYMENT-REFERENCE-2026-11")])
    async with engine.connect() as conn:
        stored = (await conn.execute(select(messages.c.text).where(messages.c.id == mid))).scalar_one()
    assert stored == "ref:PAYMENT-REFERENCE-2026-11 please check"
