from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from inbox.domain import Channel, ConversationStatus, Priority, Visibility, utcnow
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.pipeline.stages import AutoReply, Classification, Finding
from inbox.store.schema import (
    audit, connector_state, conversation_tags, conversations, messages, outbox, thread_links,
)
from tests.inbox.factories import chat


async def count(engine, table) -> int:  # noqa: ANN001
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_ingest_threads_by_key_and_dedupes(engine) -> None:  # noqa: ANN001
    bus = EventBus()
    sub = bus.subscribe()
    p = Pipeline(engine, bus)
    a1, a2, b1 = chat("deposit missing", "alice"), chat("still missing", "alice"), chat("hi", "bob")
    ids = await p.ingest([a1, a2, b1])
    assert len(set(ids)) == 3 and all(ids)
    again = await p.ingest([a1, b1, a1])  # a redelivery, twice in one batch
    assert again == [ids[0], ids[2], ids[0]]
    assert await count(engine, messages) == 3
    assert await count(engine, conversations) == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(select(messages.c.conversation_id, messages.c.text).order_by(messages.c.id))).all()
        conv = (await conn.execute(select(conversations).where(conversations.c.id == rows[0][0]))).one()
    assert rows[0][0] == rows[1][0] != rows[2][0]
    assert conv.message_count == 2 and conv.preview == "still missing" and conv.status == "open"
    kinds = [sub.queue.get_nowait().type for _ in range(sub.queue.qsize())]
    assert kinds.count("message.created") == 3 and kinds.count("conversation.created") == 2


async def test_checkpoint_is_stored_with_the_batch(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    await p.ingest([chat("x")], checkpoint=("app-chat", {"offset": "41"}))
    await p.ingest([], checkpoint=("app-chat", {"offset": "42"}))
    async with engine.connect() as conn:
        value = (await conn.execute(select(connector_state.c.value))).scalar_one()
    assert value == "42"


async def test_resolved_conversation_reopens_within_window_else_new(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    now = utcnow()
    [first] = await p.ingest([chat("one", "carol", at=now - timedelta(hours=1))])
    async with engine.begin() as conn:
        await conn.execute(update(conversations).values(status="resolved"))
    [second] = await p.ingest([chat("two", "carol", at=now)])
    async with engine.connect() as conn:
        convs = (await conn.execute(select(conversations.c.id, conversations.c.status))).all()
    assert len(convs) == 1 and convs[0].status == "open"
    async with engine.begin() as conn:
        await conn.execute(update(conversations).values(status="resolved", last_message_at=now - timedelta(days=30)))
    await p.ingest([chat("three", "carol", at=now)])
    assert await count(engine, conversations) == 2


async def test_thread_hints_join_reply_chains(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    # A Telegram group: erin replies to dave's message, so her message joins his conversation.
    root = chat("wrong fee", "dave", thread_key="group:1:user:dave", visibility=Visibility.PUBLIC,
                channel=Channel.TELEGRAM)
    await p.ingest([root])
    other = chat("same here", "erin", thread_key="group:1:user:erin", visibility=Visibility.PUBLIC,
                 thread_hints=(root.provider_id,), channel=Channel.TELEGRAM)
    await p.ingest([other])
    assert await count(engine, conversations) == 1


async def test_in_app_chat_links_only_its_thread_key(engine) -> None:  # noqa: ANN001
    """In-app chat threads by user and nothing can quote a message id: one link per conversation, not per message."""
    p = Pipeline(engine, EventBus())
    await p.ingest([chat("one", "fay"), chat("two", "fay"), chat("three", "fay")])
    async with engine.connect() as conn:
        keys = (await conn.execute(select(thread_links.c.thread_key))).scalars().all()
    assert keys == ["user:fay"]


class _Guardish:
    name = "test-stage"

    def process(self, items) -> None:  # noqa: ANN001
        for item in items:
            if "seed" in item.text:
                item.findings = [Finding("seed_phrase", 0, 4, "secret")]
                item.text = "[seed_phrase removed]"
                item.raw = None
                item.effects.add_tags.add("sensitive")
                item.effects.raise_priority(Priority.URGENT)
                item.effects.replies.append(AutoReply("we never ask for it", Visibility.PRIVATE, "guard:test"))
            item.classification = Classification("security", 0.9, ("seed",))
            if item.is_first:
                item.effects.type = item.classification


async def test_stage_effects_are_applied(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus(), stages=[_Guardish()])
    await p.ingest([chat("seed words here", "frank", raw='{"text": "seed words here"}')])
    async with engine.connect() as conn:
        msg = (await conn.execute(select(messages).where(messages.c.direction == "inbound"))).one()
        conv = (await conn.execute(select(conversations))).one()
        tags = (await conn.execute(select(conversation_tags.c.tag))).scalars().all()
        queued = (await conn.execute(select(outbox))).all()
    assert msg.text == "[seed_phrase removed]" and msg.raw is None
    assert msg.findings == [{"kind": "seed_phrase", "start": 0, "end": 4, "tier": "secret"}]
    assert conv.priority == "urgent" and conv.type == "security" and conv.type_reasons == ["seed"]
    assert tags == ["sensitive"]
    assert len(queued) == 1 and queued[0].route == "private"


async def test_auto_reply_suppressed_for_flagged_messages(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus(), stages=[_Guardish()])
    await p.ingest([chat("seed words", "gina", flags=frozenset({"auto_reply"}))])
    assert await count(engine, outbox) == 0
    async with engine.connect() as conn:
        actions = (await conn.execute(select(audit.c.action))).scalars().all()
    assert "auto_reply_suppressed" in actions


async def test_edit_replaces_text_and_keeps_history(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    original = chat("typo", "hank", provider_id="1:5")
    await p.ingest([original])
    edit = chat("fixed", "hank", provider_id="1:5:edit:99", edit_of="1:5")
    [edited_id] = await p.ingest([edit])
    [again] = await p.ingest([edit])
    async with engine.connect() as conn:
        rows = (await conn.execute(select(messages.c.id, messages.c.text, messages.c.edited_at))).all()
    assert len(rows) == 1 and rows[0].text == "fixed" and rows[0].edited_at is not None
    assert edited_id == again == rows[0].id


async def test_group_commit_batches_concurrent_ingests(engine) -> None:  # noqa: ANN001
    import asyncio

    p = Pipeline(engine, EventBus())
    await p.start()
    try:
        results = await asyncio.gather(*(p.ingest([chat(f"m{i}", f"user{i % 7}")]) for i in range(200)))
    finally:
        await p.stop()
    assert len({r[0] for r in results}) == 200
    assert await count(engine, conversations) == 7


async def test_nul_characters_are_stored_without_loss_of_the_rest(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    await p.ingest([chat("bad\x00byte", "ivan")])
    async with engine.connect() as conn:
        assert (await conn.execute(select(messages.c.text))).scalar_one() == "badbyte"


async def test_status_pending_reopens_on_customer_message(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus())
    await p.ingest([chat("a", "jane")])
    async with engine.begin() as conn:
        await conn.execute(update(conversations).values(status=ConversationStatus.PENDING.value))
    await p.ingest([chat("b", "jane")])
    async with engine.connect() as conn:
        assert (await conn.execute(select(conversations.c.status))).scalar_one() == "open"


async def test_masked_subject_reaches_the_conversation_row(engine) -> None:  # noqa: ANN001
    from inbox.domain import Channel, IdentityKind

    class MaskSubject:
        name = "mask-subject"

        def process(self, items) -> None:  # noqa: ANN001
            for item in items:
                item.subject = (item.subject or "").replace("hunter22", "[password removed]")

    p = Pipeline(engine, EventBus(), stages=[MaskSubject()])
    await p.ingest([chat("see subject", "kim", channel=Channel.EMAIL, kind=IdentityKind.EMAIL,
                         subject="my password is hunter22")])
    async with engine.connect() as conn:
        conv_subject = (await conn.execute(select(conversations.c.subject))).scalar_one()
        msg_subject = (await conn.execute(select(messages.c.subject))).scalar_one()
    assert "hunter22" not in conv_subject and "hunter22" not in msg_subject


async def test_an_auto_reply_comes_after_the_message_it_answers(engine) -> None:  # noqa: ANN001
    p = Pipeline(engine, EventBus(), stages=[_Guardish()])
    await p.ingest([chat("seed words in here", "lena")])
    async with engine.connect() as conn:
        directions = (await conn.execute(select(messages.c.direction).order_by(messages.c.id))).scalars().all()
    assert directions == ["inbound", "outbound"]
