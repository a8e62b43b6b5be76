"""Connector leases: exactly one process runs a connector's receive loop.

A PostgreSQL session-level advisory lock, held on a connection of its own for as long as the loop runs. The server
frees it the moment that session ends, so a killed holder (SIGKILL, OOM, a crashed machine once TCP keepalives give
up) releases it without anyone's help, and a standby process polling `pg_try_advisory_lock` takes over within
`poll` seconds. The holder checks its own lock connection every `check` seconds: when it is gone, the lock may
already be someone else's, so the receive loop is stopped (the `lost` event) before it can deliver again. Stored
messages are deduplicated by (connector, provider id) anyway, so even the short overlap of a holder that has not
noticed yet stores nothing twice.

Why not a lease row with a fencing token: it needs a clock, renewals and a token check in every write; the
advisory lock gives the same guarantee from the server that already has to be up for anything to be stored.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
APP_PREFIX = "inbox-lease "
# The server notices a holder whose machine vanished (no FIN, no RST) after idle + interval * count seconds.
_KEEPALIVES = {"tcp_keepalives_idle": "4", "tcp_keepalives_interval": "2", "tcp_keepalives_count": "3"}


def lease_key(connector: str) -> int:
    """A stable signed 64-bit advisory-lock key per connector name."""
    digest = hashlib.sha256(f"omni-inbox connector:{connector}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class ConnectorLeases:
    def __init__(self, database_url: str, process: str, *, poll: float = 1.0, check: float = 2.0) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.process = process
        self.poll = poll
        self.check = check

    async def _connect(self) -> Any:  # noqa: ANN401 - asyncpg.Connection
        import asyncpg

        return await asyncpg.connect(self.dsn, timeout=10, server_settings={
            "application_name": (APP_PREFIX + self.process)[:63], **_KEEPALIVES})

    @contextlib.asynccontextmanager
    async def hold(self, connector: str, on_holder: Callable[[str | None], None] = lambda _: None
                   ) -> AsyncIterator[asyncio.Event]:
        """Wait until this process holds the connector's lease; yields an event set when the lease is lost."""
        key = lease_key(connector)
        conn = await self._acquire(connector, key, on_holder)
        on_holder(self.process)
        log.info("connector %s: lease taken by %s", connector, self.process)
        lost = asyncio.Event()
        watch = asyncio.create_task(self._watch(conn, lost, connector), name=f"lease:{connector}")
        try:
            yield lost
        finally:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watch
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.execute("SELECT pg_advisory_unlock($1)", key), 5)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)
            on_holder(None)

    async def _acquire(self, connector: str, key: int, on_holder: Callable[[str | None], None]) -> Any:  # noqa: ANN401
        conn = None
        while True:
            try:
                if conn is None or conn.is_closed():
                    conn = await self._connect()
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    return conn
                on_holder(await holder_of(conn, key))
            except asyncio.CancelledError:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
                raise
            except Exception as error:  # noqa: BLE001 - the database may be restarting: keep trying
                log.warning("connector %s: lease check failed (%s); retrying", connector, type(error).__name__)
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.terminate()
                conn = None
            await asyncio.sleep(self.poll)

    async def _watch(self, conn: Any, lost: asyncio.Event, connector: str) -> None:  # noqa: ANN401
        while True:
            await asyncio.sleep(self.check)
            try:
                held = await asyncio.wait_for(conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                    "AND granted AND objsubid = 1 AND classid = $1 AND objid = $2", *_split(lease_key(connector))),
                    self.check)
            except Exception:  # noqa: BLE001 - whatever went wrong, the lock can no longer be trusted as ours
                held = 0
            if not held:
                log.error("connector %s: lease lost by %s; stopping its receive loop", connector, self.process)
                lost.set()
                with contextlib.suppress(Exception):
                    conn.terminate()
                return


def _split(key: int) -> tuple[int, int]:
    """pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits), both unsigned."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


async def holder_of(conn: Any, key: int) -> str | None:  # noqa: ANN401 - asyncpg.Connection
    """The process name of whoever holds the key (from its lease connection's application_name)."""
    name = await conn.fetchval(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid = $1 AND l.objid = $2 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1", *_split(key))
    if name is None:
        return None
    return name[len(APP_PREFIX):] if name.startswith(APP_PREFIX) else name
