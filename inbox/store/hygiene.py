"""Planner statistics without autovacuum: ANALYZE what grew.

This project's PostgreSQL servers may run without autovacuum (this machine's does), and then nothing refreshes the
planner's statistics: a database that started empty keeps "0 rows" estimates while the pipeline writes a million
messages, and plans chosen for an empty table (sequential scans, wrong join order) made a 1M import fall to ~100
msg/s. So the pipeline counts the rows it writes and, when a table has grown by a fifth since its last ANALYZE
(autovacuum's own rule of thumb, `autovacuum_analyze_scale_factor` 0.1–0.2) and by at least 1,000 rows, ANALYZEs the
tables it writes, outside the batch transaction. `inbox import mbox` and migration 0005 ANALYZE when they finish.
SQLite: `PRAGMA optimize` (SQLite's own "analyze what needs it", cheap) at the same moments.
"""
from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# The tables an ingest writes (the search index included).
INGEST_TABLES = ("messages", "conversations", "contacts", "contact_identities", "thread_links", "conversation_tags",
                 "conversation_counts", "message_search")
MIN_GROWTH = 1_000
GROWTH_FACTOR = 0.2


async def analyze(engine: AsyncEngine, tables: tuple[str, ...] = INGEST_TABLES) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Only tables that exist (a table of a later migration may be missing on an older schema).
            present = [t for (t,) in (await conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all() if t in tables]
            if present:
                await conn.exec_driver_sql("ANALYZE " + ", ".join(present))
        else:
            await conn.exec_driver_sql("PRAGMA optimize")


class AnalyzeSchedule:
    """Counts rows written; `due` once they exceed a fifth of what the last ANALYZE saw (and MIN_GROWTH)."""

    def __init__(self) -> None:
        self.analyzed_at = 0  # rows written when statistics were last refreshed
        self.written = 0

    def note(self, rows: int) -> bool:
        self.written += rows
        return self.written - self.analyzed_at >= max(MIN_GROWTH, GROWTH_FACTOR * self.analyzed_at)

    async def run(self, engine: AsyncEngine) -> None:
        rows = 0
        try:
            await analyze(engine)
            if engine.dialect.name == "postgresql":
                async with engine.connect() as conn:  # the table's size as ANALYZE just saw it (after a restart too)
                    rows = int((await conn.exec_driver_sql(
                        "SELECT reltuples FROM pg_class WHERE relname = 'messages'")).scalar() or 0)
        except Exception:  # noqa: BLE001 - statistics are an optimisation: never fail an ingest over them
            log.warning("ANALYZE after ingest failed", exc_info=True)
        self.written = max(self.written, rows)
        self.analyzed_at = self.written
