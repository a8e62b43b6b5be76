"""Two processes (two engines, two pipelines: nothing shared but PostgreSQL) store the first messages of the same
new threads at the same moment: one conversation and one contact per thread, not two."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.db import create_engine
from inbox.store.schema import contact_identities, conversations, messages
from tests.inbox.factories import chat


async def _race(db_url: str, threads: int) -> None:
    engines = [create_engine(db_url) for _ in range(2)]
    pipelines = [Pipeline(e, EventBus()) for e in engines]
    try:
        for round_ in range(3):
            batches = [[chat(f"hi {round_}.{side}", f"race{t}.{round_}", provider_id=f"r{round_}-{t}-{side}")
                        for t in range(threads)] for side in range(2)]
            results = await asyncio.gather(*(p.ingest(b) for p, b in zip(pipelines, batches)), return_exceptions=True)
            assert not [r for r in results if isinstance(r, Exception)], results
    finally:
        for e in engines:
            await e.dispose()


async def test_one_conversation_per_new_thread_across_processes(engine, db_url: str) -> None:  # noqa: ANN001
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite is single-process")
    await _race(db_url, threads=20)
    async with engine.connect() as conn:
        per_thread = (await conn.execute(select(conversations.c.thread_key, func.count()).group_by(
            conversations.c.thread_key))).all()
        identities = (await conn.execute(select(func.count()).select_from(contact_identities))).scalar_one()
        stored = (await conn.execute(select(func.count()).select_from(messages))).scalar_one()
    assert len(per_thread) == 60 and all(n == 1 for _, n in per_thread)
    assert identities == 60 and stored == 120
