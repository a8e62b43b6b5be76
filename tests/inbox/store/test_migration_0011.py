"""Migration 0011 (classifier corrections and versions): the upgraded tables match the schema module; down to 0003
drops them and up again recreates them."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from inbox.store.schema import metadata
from tests.inbox.store.test_migration_0002 import _to

TABLES = {"classifier_corrections", "classifier_versions"}


def _diff(connection) -> list:  # noqa: ANN001
    return [d for d in compare_metadata(MigrationContext.configure(connection), metadata)
            if any(table in repr(d) for table in TABLES)]


def _tables(connection) -> set[str]:  # noqa: ANN001
    return set(inspect(connection).get_table_names())


async def test_0011_matches_the_schema_and_goes_down_and_up(engine) -> None:  # noqa: ANN001
    async with engine.begin() as conn:
        await conn.run_sync(_to("head"))
        assert TABLES <= await conn.run_sync(_tables)
        assert await conn.run_sync(_diff) == []
        await conn.run_sync(_to("0003", downgrade=True))
        assert not TABLES & await conn.run_sync(_tables)
        await conn.run_sync(_to("head"))
        assert TABLES <= await conn.run_sync(_tables)
