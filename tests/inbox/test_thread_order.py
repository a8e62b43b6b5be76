"""Email threading does not depend on arrival order (issue 16 items 9 and 10).

The mail set is real: notmuch's threading test corpora, 222 messages (LKML threads and notmuch's hard cases)
threaded by their own headers (tests/connectors/email/fixtures/notmuch-threads/README.md). Ingested in Date order
it gives the reference grouping; shuffled orders (replies before the mails they answer, parents arriving after their children) must give
the same grouping, with each merge recorded for agents.
"""
from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from connectors.email.parse import parse_mail
from inbox.domain import Direction, InboundMessage, utcnow
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.pipeline.thread_merge import LINKED_NOTE_REASON, MERGED_TAG, NOTE_REASON
from inbox.store.schema import conversation_merges, conversation_tags, conversations, messages

CORPUS = Path(__file__).parents[1] / "connectors" / "email" / "fixtures" / "notmuch-threads"


def _corpus() -> list[InboundMessage]:
    mails = [parse_mail(path.read_bytes(), "support-mail") for path in sorted(CORPUS.glob("*.eml"))]
    return sorted(mails, key=lambda m: m.sent_at)


async def _grouping(engine, mails: list[InboundMessage], batch: int,  # noqa: ANN001
                    bus: EventBus | None = None) -> set[frozenset[str]]:
    pipeline = Pipeline(engine, bus or EventBus())
    for start in range(0, len(mails), batch):
        await pipeline.ingest(mails[start : start + batch])
    async with engine.connect() as conn:
        rows = (await conn.execute(select(messages.c.conversation_id, messages.c.provider_id)
                                   .where(messages.c.direction == Direction.INBOUND.value))).all()
    groups: dict[int, set[str]] = {}
    for cid, pid in rows:
        groups.setdefault(cid, set()).add(pid)
    return {frozenset(g) for g in groups.values()}


async def _reset(engine) -> None:  # noqa: ANN001
    async with engine.begin() as conn:
        for table in ("conversation_merges", "thread_links", "message_edits", "messages", "conversation_tags",
                      "audit", "outbox", "private_links", "conversations", "contact_identities", "contacts"):
            await conn.exec_driver_sql(f"DELETE FROM {table}")


async def test_corpus_is_threaded(engine) -> None:  # noqa: ANN001
    """The reference itself: in Date order the real threads come out (several multi-message threads)."""
    corpus = _corpus()
    grouping = await _grouping(engine, corpus, batch=10)
    sizes = sorted((len(g) for g in grouping), reverse=True)
    assert sum(sizes) == len({m.provider_id for m in corpus})
    assert sizes[0] >= 20 and sum(1 for s in sizes if s > 1) >= 8, sizes


@pytest.mark.parametrize(("seed", "batch"), [(1, 1), (2, 7), (3, 222), (4, 25)])
async def test_shuffled_arrival_gives_the_in_order_threads(engine, seed: int, batch: int) -> None:  # noqa: ANN001
    corpus = _corpus()
    reference = await _grouping(engine, corpus, batch=10)
    await _reset(engine)
    shuffled = corpus[:]
    random.Random(seed).shuffle(shuffled)
    assert await _grouping(engine, shuffled, batch=batch) == reference


async def test_reverse_order_merges_are_journaled_with_notes(engine) -> None:  # noqa: ANN001
    """Newest first, one mail per batch: every parent arrives after its replies; each merge leaves a journal row,
    a system note in both conversations, and the merged-away ticket resolved and tagged."""
    corpus = _corpus()
    reference = await _grouping(engine, corpus, batch=10)
    await _reset(engine)
    bus = EventBus()
    events = bus.subscribe()
    assert await _grouping(engine, corpus[::-1], batch=1, bus=bus) == reference
    published = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    resolved_by_merge = {e.payload["conversation"]["id"] for e in published if e.type == "conversation.updated"
                         and "merged" in e.payload["conversation"]["tags"]}
    async with engine.connect() as conn:
        merges = (await conn.execute(select(conversation_merges))).all()
        assert merges, "reverse order needs merges"
        assert resolved_by_merge == {m.merged_id for m in merges}  # open agent views hear of each merge
        for merge in merges:
            kept = (await conn.execute(select(conversations).where(conversations.c.id == merge.kept_id))).one()
            gone = (await conn.execute(select(conversations).where(conversations.c.id == merge.merged_id))).one()
            assert gone.status == "resolved" and gone.message_count == 0 and kept.message_count > 0
            assert merge.kept_id < merge.merged_id and merge.proof
            notes = (await conn.execute(select(messages.c.conversation_id).where(
                messages.c.reason == NOTE_REASON, messages.c.text.contains(merge.proof)))).scalars().all()
            assert set(notes) == {merge.kept_id, merge.merged_id}
            tags = (await conn.execute(select(conversation_tags.c.tag).where(
                conversation_tags.c.conversation_id == merge.merged_id))).scalars().all()
            assert MERGED_TAG in tags
        # counts on the conversation rows agree with the messages they hold
        for cid, count in (await conn.execute(select(messages.c.conversation_id, func.count()).where(
                messages.c.direction == Direction.INBOUND.value).group_by(messages.c.conversation_id))).all():
            stored = (await conn.execute(select(conversations.c.message_count)
                                         .where(conversations.c.id == cid))).scalar_one()
            assert stored == count


def _mail(message_id: str, sender: str, subject: str, *, refs: str = "", at_minutes: int = 0) -> bytes:
    date = (utcnow() - timedelta(minutes=60 - at_minutes)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    headers = f"From: {sender}\r\nTo: support@wallet.example\r\nSubject: {subject}\r\nDate: {date}\r\n" \
              f"Message-ID: <{message_id}>\r\n"
    if refs:
        headers += f"In-Reply-To: <{refs.split()[-1]}>\r\nReferences: " + " ".join(f"<{r}>" for r in refs.split()) \
                   + "\r\n"
    return (headers + "\r\nbody of " + message_id + "\r\n").encode()


async def test_two_customers_tickets_being_worked_on_are_not_merged(engine) -> None:  # noqa: ANN001
    """A reply from customer B arrived first and an agent answered it; then A's mail that B replied to: they are
    one thread, but two people's tickets with an agent's work in one: notes in both, no merge."""
    pipeline = Pipeline(engine, EventBus())
    reply = parse_mail(_mail("b1@b.example", "bob@b.example", "Re: card blocked", refs="a1@a.example"), "support-mail")
    [bob_message] = await pipeline.ingest([reply])
    async with engine.begin() as conn:
        bob_conv = (await conn.execute(select(messages.c.conversation_id)
                                       .where(messages.c.id == bob_message))).scalar_one()
        await conn.execute(update(conversations).where(conversations.c.id == bob_conv).values(assignee_id=None))
        agent = (await conn.exec_driver_sql(
            "INSERT INTO agents (email, name, role, password_hash, active, available, created_at) "
            "VALUES ('x@wallet.example', 'X', 'agent', 'x', true, true, CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
        await conn.execute(messages.insert().values(
            conversation_id=bob_conv, connector="support-mail", direction="outbound", visibility="private",
            agent_id=agent, text="we are on it", status="sent", attachments=[], findings=[], flags=[],
            created_at=utcnow()))
    alice_root = parse_mail(_mail("a0@a.example", "alice@a.example", "card blocked"), "support-mail")
    alice_next = parse_mail(_mail("a1@a.example", "alice@a.example", "Re: card blocked", refs="a0@a.example",
                                  at_minutes=5), "support-mail")
    await pipeline.ingest([alice_root])
    await pipeline.ingest([alice_next])  # its id is what bob replied to: links alice's and bob's conversations
    alice_third = parse_mail(_mail("a2@a.example", "alice@a.example", "Re: card blocked",
                                   refs="a0@a.example a1@a.example", at_minutes=9), "support-mail")
    await pipeline.ingest([alice_third])  # links them again: no second pair of notes
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(conversation_merges))).scalar_one() == 0
        convs = (await conn.execute(select(conversations.c.id, conversations.c.contact_id))).all()
        assert len(convs) == 2 and len({c.contact_id for c in convs}) == 2
        noted = (await conn.execute(select(messages.c.conversation_id)
                                    .where(messages.c.reason == LINKED_NOTE_REASON))).scalars().all()
        assert sorted(noted) == sorted(c.id for c in convs)  # one note in each


async def test_same_subject_in_one_batch_is_one_conversation(engine) -> None:  # noqa: ANN001
    """Item 10: "Withdrawal stuck" then "Re: Withdrawal stuck" (no References: a client that drops them) in one
    import give one conversation, as they do in two."""
    first = parse_mail(_mail("w1@c.example", "carol@c.example", "Withdrawal stuck"), "support-mail")
    second = parse_mail(_mail("w2@c.example", "carol@c.example", "Re: Withdrawal stuck", at_minutes=10),
                        "support-mail")
    pipeline = Pipeline(engine, EventBus())
    await pipeline.ingest([first, second])
    async with engine.connect() as conn:
        together = (await conn.execute(select(func.count()).select_from(conversations))).scalar_one()
    await _reset(engine)
    await pipeline.ingest([first])
    await pipeline.ingest([second])
    async with engine.connect() as conn:
        apart = (await conn.execute(select(func.count()).select_from(conversations))).scalar_one()
    assert together == apart == 1
