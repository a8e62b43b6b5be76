"""Connector leases (inbox.cluster.leases) on a real PostgreSQL: one holder; a standby takes over when the holder's
session ends; a holder whose lock connection is cut stops its receive loop."""
from __future__ import annotations

import asyncio
import time

import pytest

from inbox.cluster.leases import ConnectorLeases, asyncpg_dsn, lease_key


@pytest.fixture
def pg(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("leases are PostgreSQL advisory locks")
    return db_url


def test_keys_are_stable_and_distinct() -> None:
    assert lease_key("support-mail") == lease_key("support-mail") != lease_key("wallet-bot")
    assert -(2**63) <= lease_key("x") < 2**63


async def test_one_holder_then_takeover(pg: str) -> None:
    a = ConnectorLeases(pg, "proc-a#1.aaaa", poll=0.2, check=0.3)
    b = ConnectorLeases(pg, "proc-b#2.bbbb", poll=0.2, check=0.3)
    seen_by_b: list[str | None] = []
    async with a.hold("mail") as lost_a:
        waiting = asyncio.create_task(_hold_until_cancelled(b, "mail", seen_by_b))
        await asyncio.sleep(1.0)
        assert not waiting.done() and not lost_a.is_set()
        assert "proc-a#1.aaaa" in seen_by_b  # the standby knows who holds it (/healthz)
        released = time.monotonic()
    await asyncio.wait_for(_until(lambda: seen_by_b[-1] == "proc-b#2.bbbb"), 5)
    assert time.monotonic() - released < 2
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)


async def test_a_holder_whose_session_is_killed_learns_it_lost_the_lease(pg: str) -> None:
    import asyncpg

    a = ConnectorLeases(pg, "proc-a#1.cccc", poll=0.2, check=0.3)
    async with a.hold("bot") as lost:
        admin = await asyncpg.connect(asyncpg_dsn(pg))
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE "
                "'inbox-lease proc-a#1.cccc%'")
            assert killed == 1
            await asyncio.wait_for(lost.wait(), 5)
            b = ConnectorLeases(pg, "proc-b#2.dddd", poll=0.2)
            async with asyncio.timeout(5):
                async with b.hold("bot") as lost_b:
                    assert not lost_b.is_set()
        finally:
            await admin.close()


async def _hold_until_cancelled(leases: ConnectorLeases, name: str, seen: list) -> None:
    async with leases.hold(name, seen.append):
        await asyncio.Event().wait()


async def _until(check) -> None:  # noqa: ANN001
    while not check():
        await asyncio.sleep(0.05)
