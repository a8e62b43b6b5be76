"""Planner statistics follow the pipeline's writes on PostgreSQL without autovacuum (this machine runs it off)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from inbox.config import InboxSettings
from inbox.events import EventBus
from inbox.pipeline.core import Pipeline
from inbox.store.hygiene import MIN_GROWTH, AnalyzeSchedule
from tests.inbox.factories import chat


def test_schedule_waits_for_a_fifth_of_growth() -> None:
    s = AnalyzeSchedule()
    assert not s.note(MIN_GROWTH - 1) and s.note(1)
    s.analyzed_at = s.written = 100_000
    assert not s.note(19_999) and s.note(1)


async def test_pipeline_analyzes_what_it_grew(engine) -> None:  # noqa: ANN001
    if engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's (SQLite plans without statistics until PRAGMA optimize)")
    p = Pipeline(engine, EventBus(), [], InboxSettings(batch_size=500))
    await p.ingest([chat(f"message {i}", user=f"u{i % 50}") for i in range(MIN_GROWTH + 10)])
    async with engine.connect() as conn:
        analyzed = (await conn.execute(text(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('messages', 'message_search') "
            "AND last_analyze IS NOT NULL"))).scalar_one()
        assert analyzed == 2
        estimate = (await conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'messages'"))).scalar()
        assert estimate >= MIN_GROWTH
