"""The search index follows the two later rewrites of stored rows that other stages make: a first half of a seed
phrase masked when the second half arrives (routing.guard.split), and messages moved by a thread merge
(inbox.pipeline.thread_merge). The index must hold what is stored: never a masked word, never a stale ticket."""
from __future__ import annotations

from mnemonic import Mnemonic
from sqlalchemy import select

from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.schema import conversations, messages
from inbox.store.search import hits, match_param
from inbox.store.search_tokens import parse_query
from routing.guard import SensitiveStage
from tests.inbox.factories import chat

OTHER = Mnemonic("english").to_mnemonic(bytes(range(32))).split()


async def found(engine, q: str) -> list[tuple[int, int]]:  # noqa: ANN001
    """(message id, conversation id) of every indexed message matching `q`."""
    async with engine.connect() as conn:
        source, message_id, conversation_id, condition = hits(conn.dialect.name,
                                                              match_param(conn.dialect.name, parse_query(q)))
        rows = await conn.execute(select(message_id, conversation_id).select_from(source).where(condition))
        return sorted((r[0], r[1]) for r in rows)


async def test_a_first_half_masked_later_leaves_the_index(engine) -> None:  # noqa: ANN001
    first, second = " ".join(OTHER[:12]), " ".join(OTHER[12:])
    pipeline = Pipeline(engine, EventBus(), stages=[SensitiveStage()])
    await pipeline.ingest([chat("hello, my wallet shows this list", "ria")])
    await pipeline.ingest([chat(first, "ria")])
    assert await found(engine, OTHER[1]), "the first half alone is stored (and indexed) as typed"
    await pipeline.ingest([chat(second, "ria")])
    async with engine.connect() as conn:
        texts = list((await conn.execute(select(messages.c.text).order_by(messages.c.id))).scalars())
    assert texts[1] == "[seed_phrase removed]"
    for word in (OTHER[1], OTHER[5], OTHER[13]):
        assert await found(engine, word) == [], f"{word!r} of the masked phrase is still searchable"
    assert await found(engine, "wallet"), "the rest of the index is untouched"


async def test_messages_moved_by_a_merge_are_found_in_the_kept_conversation(engine) -> None:  # noqa: ANN001
    """Real mail newest first, one per batch (notmuch's corpus, as in tests/inbox/test_thread_order.py): replies
    open conversations that their parents later merge. Every hit names the conversation its message is in now."""
    from tests.inbox.test_thread_order import _corpus

    pipeline = Pipeline(engine, EventBus())
    for mail in _corpus()[::-1]:
        await pipeline.ingest([mail])
    async with engine.connect() as conn:
        merged = (await conn.execute(select(conversations.c.id).where(conversations.c.message_count == 0))).all()
        where_now = dict((await conn.execute(select(messages.c.id, messages.c.conversation_id))).all())
    assert merged, "newest-first needs merges"
    results = await found(engine, "the")
    assert len(results) > 50
    assert [(mid, cid) for mid, cid in results if where_now[mid] != cid] == []
