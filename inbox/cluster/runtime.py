"""What one process of a cluster runs, built from the settings and its role (used by inbox.app)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from connectors.base import ConnectorConfig
from inbox.cluster.claims import ClaimLease
from inbox.cluster.leases import ConnectorLeases
from inbox.cluster.roles import Role, process_name, serves_http
from inbox.config import Settings
from inbox.datadir import DatabaseUnavailable
from inbox.events import EventBus

log = logging.getLogger(__name__)


class RedisUnavailable(DatabaseUnavailable):
    """Said like an unreachable database: one line, and `inbox serve` exits with 2."""


@dataclass
class Cluster:
    role: Role
    process: str
    events: EventBus
    leases: ConnectorLeases | None = None
    claims: ClaimLease | None = None
    relay: Any = None  # inbox.cluster.chat_relay.ChatRelay

    def runs_connector(self, config: ConnectorConfig) -> bool:
        """A web process runs only what is served over HTTP; workers (and `all`) run every connector."""
        return self.role != Role.WEB or serves_http(config)

    def runs_connector_row(self, raw: Any) -> bool:  # noqa: ANN401 - a stored connector's JSON config
        if self.role != Role.WEB:
            return True
        return isinstance(raw, dict) and (raw.get("type") == "webchat" or raw.get("mode") == "webhook")

    @property
    def sends_secret_replies(self) -> bool:
        """A reply whose secret is sent as typed but never stored can only go from the process that took it."""
        return self.role == Role.ALL

    async def start_relay(self, supervisor: Any) -> None:  # noqa: ANN401 - inbox.supervisor.Supervisor
        if self.relay is None:
            return
        supervisor.relay_for = self.relay.relay_for
        await self.relay.start()

    def wake_outbox_on_replies(self, dispatcher: Any) -> None:  # noqa: ANN401 - inbox.outbox.OutboxDispatcher
        """A reply queued by a web process's API wakes this worker's outbox at once (its event comes through Redis)
        instead of at the next one-second poll."""
        if self.role != Role.WORKER or not hasattr(self.events, "replay"):
            return
        sub = self.events.subscribe()

        async def wake() -> None:
            while True:
                event = await sub.get()
                message = event.payload.get("message") if event.type == "message.created" else None
                if isinstance(message, dict) and message.get("direction") == "outbound":
                    dispatcher.wake()

        self._waker = asyncio.create_task(wake(), name="outbox-wakeup")
        self._waker_sub = sub

    async def stop(self) -> None:
        waker = getattr(self, "_waker", None)
        if waker is not None:
            waker.cancel()
            await asyncio.gather(waker, return_exceptions=True)
            self._waker_sub.close()
        if self.relay is not None:
            with contextlib.suppress(Exception):
                await self.relay.stop()
        stop = getattr(self.events, "stop", None)
        if stop is not None:
            with contextlib.suppress(Exception):
                await stop()


async def start_cluster(settings: Settings, role: Role, connector: Any) -> Cluster:  # noqa: ANN401
    """`connector`: name -> the connector running in this process (the chat relay delivers to it)."""
    process = process_name(role)
    events: EventBus = EventBus()
    relay = None
    if settings.redis.url is not None:
        from inbox.cluster.chat_relay import ChatRelay
        from inbox.cluster.redis_bus import RedisEventBus

        url = settings.redis.url.get_secret_value()
        bus = RedisEventBus(url, settings.redis.prefix)
        try:
            await bus.start()
        except Exception as error:  # noqa: BLE001 - one plain line at start-up, never the URL (it may hold a password)
            await bus.stop()
            raise RedisUnavailable(f"cannot reach Redis (redis.url in {settings.source}): {type(error).__name__}; "
                                   "start it, or remove redis.url to keep events inside each process") from None
        events = bus
        relay = ChatRelay(url, settings.redis.prefix, process, connector)
    if not role.clustered:
        return Cluster(role, process, events, relay=relay)
    # Web processes too: a connector added in the admin UI starts in the process that took the request, and its
    # receive loop must still run in one process only.
    leases = ConnectorLeases(settings.database_url, process)
    return Cluster(role, process, events, leases=leases, claims=ClaimLease(process), relay=relay)


CLUSTER = web.AppKey("inbox_cluster", Cluster)
