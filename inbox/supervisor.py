"""Runs every enabled connector: start, receive loop, backoff on failure, health for /healthz.

One failing connector backs off (or stops at `auth_failed`) while the others keep running. Error texts shown in
health pass through a redactor that removes every secret value of that connector's config, whatever the
connector itself put in its message.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, SecretStr
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base import AuthError, Connector, ConnectorConfig, TransientError
from connectors.registry import connector_class
from inbox import logsecrets
from inbox.domain import InboundMessage, utcnow
from inbox.pipeline.core import Pipeline
from inbox.store.ops import insert_ignore, select_by_pairs
from inbox.store.schema import connector_state, messages, thread_links
from inbox.views import iso

if TYPE_CHECKING:
    from inbox.cluster.leases import ConnectorLeases

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0


@dataclass
class Health:
    state: str = "stopped"  # starting | running | backoff | auth_failed | stopped
    last_error: str | None = None
    last_sync: datetime | None = None
    next_retry_at: datetime | None = None
    next_allowed_at: datetime | None = None
    # Several processes (inbox.cluster.leases): the process running the receive loop, and whether it is this one.
    holder: str | None = None
    receiving: bool | None = None
    delivered: int = 0  # inbound messages handed to the pipeline by this process (/metrics)
    ingest_lag: float | None = None  # seconds from the newest message's own time to its storing, last delivery

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {
            "state": self.state, "last_error": self.last_error, "last_sync": iso(self.last_sync),
            "next_retry_at": iso(self.next_retry_at), "next_allowed_at": iso(self.next_allowed_at),
        }
        if self.receiving is not None:
            body["receive_loop"] = {"holder": self.holder, "here": self.receiving}
        return body


def secret_values(config: ConnectorConfig) -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, SecretStr):
            if value.get_secret_value():
                found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))

    walk(config)
    return found


class PipelineHost:
    """The ConnectorHost a connector gets: deliveries go through the pipeline, cursors into connector_state."""

    def __init__(self, name: str, pipeline: Pipeline, engine: AsyncEngine, health: Health, redact) -> None:  # noqa: ANN001
        self.name = name
        self.pipeline = pipeline
        self.engine = engine
        self.health = health
        self._redact = redact
        # Several processes: `relay(thread_key, frame)` reaches chat sockets on the others (inbox.cluster.chat_relay).
        self.relay = None

    async def deliver(self, batch: Sequence[InboundMessage], checkpoint: dict[str, str] | None = None) -> list[int | None]:
        ids = await self.pipeline.ingest(batch, (self.name, checkpoint) if checkpoint else None)
        self.health.last_sync = utcnow()
        if batch:  # for /metrics: how many came in, and how late the newest of them was stored
            self.health.delivered += len(batch)
            self.health.ingest_lag = max(0.0, (self.health.last_sync - max(m.sent_at for m in batch)).total_seconds())
        return ids

    async def existing_provider_ids(self, connector: str, provider_ids: Sequence[str]) -> set[str]:
        """Which of these are already stored (lets a backlog import report new vs already there)."""
        async with self.engine.connect() as conn:
            rows = await select_by_pairs(conn, (messages.c.provider_id,), messages.c.connector,
                                         messages.c.provider_id, ((connector, p) for p in provider_ids))
        return {r[0] for r in rows}

    async def load_checkpoint(self) -> dict[str, str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(connector_state.c.key, connector_state.c.value).where(connector_state.c.connector == self.name)
            )
            return {k: v for k, v in rows}

    async def save_checkpoint(self, checkpoint: dict[str, str]) -> None:
        await self.pipeline.ingest([], (self.name, checkpoint))

    async def claim_checkpoint(self, checkpoint: dict[str, str]) -> dict[str, str]:
        """Store these values only where none is stored yet; returns what is stored. Processes starting together
        agree on one value (the in-app chat's visitor signing key) instead of the last writer's."""
        async with self.engine.begin() as conn:
            await insert_ignore(conn, connector_state, [
                {"connector": self.name, "key": k, "value": v} for k, v in checkpoint.items()])
        return await self.load_checkpoint()

    def mark_synced(self, next_allowed_at: datetime | None = None) -> None:
        self.health.last_sync = utcnow()
        self.health.next_allowed_at = next_allowed_at

    def report_problem(self, message: str) -> None:
        self.health.last_error = self._redact(message)
        log.warning("connector %s: %s", self.name, self.health.last_error)

    async def history(self, thread_key: str, limit: int = 50):  # noqa: ANN201 - rows satisfy HistoryItem
        async with self.engine.connect() as conn:
            cid = (await conn.execute(select(thread_links.c.conversation_id).where(and_(
                thread_links.c.connector == self.name, thread_links.c.thread_key == thread_key)))).scalar()
            if cid is None:
                return []
            rows = (await conn.execute(
                select(messages.c.id, messages.c.text, messages.c.direction, messages.c.created_at,
                       messages.c.provider_id, messages.c.status)
                .where(and_(messages.c.conversation_id == cid, messages.c.visibility == "private",
                            messages.c.connector == self.name,
                            or_(messages.c.direction == "inbound", messages.c.status == "sent")))
                .order_by(messages.c.id.desc()).limit(limit)
            )).all()
            return list(reversed(rows))


@dataclass
class Runtime:
    name: str
    config: ConnectorConfig
    connector: Connector
    health: Health
    task: asyncio.Task[None] | None = None
    secrets: list[str] = field(default_factory=list)
    started: asyncio.Event = field(default_factory=asyncio.Event)


class Supervisor:
    def __init__(self, pipeline: Pipeline, engine: AsyncEngine, public_url: str = "http://127.0.0.1:8080",
                 leases: ConnectorLeases | None = None) -> None:
        self.pipeline = pipeline
        self.leases = leases  # None: this process is the only one, every receive loop runs here
        self.relay_for = None  # name -> relay callable for its connector's host, or None (inbox.cluster.chat_relay)
        self.engine = engine
        self.public_url = public_url.rstrip("/")
        self.runtimes: dict[str, Runtime] = {}

    def redactor(self, secrets: list[str]):  # noqa: ANN201
        def redact(text: str) -> str:
            for s in secrets:
                if len(s) >= 4:
                    text = text.replace(s, "***")
            return text

        return redact

    async def add(self, name: str, config: ConnectorConfig) -> Runtime:
        if name in self.runtimes:
            await self.remove(name)
        if "webhook_url" in type(config).model_fields and getattr(config, "webhook_url", None) is None:
            # Webhooks are served by our own app: its public URL plus the connector's route.
            config = config.model_copy(update={"webhook_url": f"{self.public_url}/webhooks/{config.type}/{name}"})
        if "public_url" in type(config).model_fields and getattr(config, "public_url", None) is None:
            config = config.model_copy(update={"public_url": self.public_url})  # the chat's own origin is allowed
        secrets = secret_values(config)
        logsecrets.register(secrets)  # whatever the connector or its libraries log, these never appear
        health = Health()
        host = PipelineHost(name, self.pipeline, self.engine, health, self.redactor(secrets))
        if self.relay_for is not None:
            host.relay = self.relay_for(name)
        connector = connector_class(config.type)(name, config, host)
        rt = Runtime(name, config, connector, health, secrets=secrets)
        self.runtimes[name] = rt
        if config.enabled:
            rt.task = asyncio.create_task(self._supervise(rt), name=f"connector:{name}")
        return rt

    async def remove(self, name: str) -> None:
        rt = self.runtimes.pop(name, None)
        if rt is None:
            return
        await self._stop(rt)

    async def stop_all(self) -> None:
        await asyncio.gather(*(self._stop(rt) for rt in self.runtimes.values()))

    def get(self, name: str) -> Connector | None:
        rt = self.runtimes.get(name)
        return rt.connector if rt is not None and rt.health.state == "running" else None

    async def wait_running(self, name: str | None, type_name: str, timeout: float = 10.0) -> Connector | None:
        """For requests routed to a connector (chat socket, webhook) that arrive while it is still starting."""
        rt = self.runtimes.get(name) if name else next(
            (r for r in self.runtimes.values() if r.config.type == type_name and r.config.enabled), None)
        if rt is None or rt.config.type != type_name:
            return None
        if rt.health.state == "starting":
            try:
                await asyncio.wait_for(rt.started.wait(), timeout)
            except asyncio.TimeoutError:
                return None
        return rt.connector if rt.health.state == "running" else None

    def first_of_type(self, type_name: str) -> Connector | None:
        for rt in self.runtimes.values():
            if rt.config.type == type_name and rt.health.state == "running":
                return rt.connector
        return None

    def health(self) -> dict[str, dict[str, object]]:
        return {name: rt.health.as_json() for name, rt in self.runtimes.items()}

    async def _stop(self, rt: Runtime) -> None:
        if rt.task is not None:
            rt.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await rt.task
            rt.task = None
        with contextlib.suppress(Exception):
            await rt.connector.stop()
        rt.health.state = "stopped"

    async def _receive(self, rt: Runtime) -> None:
        if self.leases is None or type(rt.connector).run is Connector.run:
            await rt.connector.run()
            await asyncio.Event().wait()  # a push-only connector stays up until stopped
        rt.health.receiving = False

        def note(holder: str | None) -> None:
            rt.health.holder = holder
            rt.health.receiving = holder is not None and holder == self.leases.process  # type: ignore[union-attr]

        # Sending works meanwhile (state `running`); only the receive loop waits for the lease.
        async with self.leases.hold(rt.name, note) as lost:
            loop = asyncio.create_task(rt.connector.run(), name=f"receive:{rt.name}")
            gone = asyncio.create_task(lost.wait())
            try:
                await asyncio.wait({loop, gone}, return_when=asyncio.FIRST_COMPLETED)
                if gone.done():
                    raise TransientError("the receive lease was lost; taking it again")
                loop.result()  # the loop's own failure, if any
                await gone  # returned by itself (push-only in this mode): keep the lease until stopped
                raise TransientError("the receive lease was lost; taking it again")
            finally:
                for task in (loop, gone):
                    task.cancel()
                await asyncio.gather(loop, gone, return_exceptions=True)
                rt.health.receiving = False

    async def _supervise(self, rt: Runtime) -> None:
        redact = self.redactor(rt.secrets)
        failures = 0
        while True:
            rt.health.state = "starting"
            try:
                await rt.connector.start()
                rt.health.state = "running"
                rt.health.next_retry_at = None
                rt.started.set()
                failures = 0
                await self._receive(rt)
            except asyncio.CancelledError:
                raise
            except AuthError as e:
                rt.health.state = "auth_failed"
                rt.health.last_error = redact(str(e)) or "credentials refused"
                log.error("connector %s: credentials refused: %s", rt.name, rt.health.last_error)
                with contextlib.suppress(Exception):
                    await rt.connector.stop()
                return  # nothing to retry until an admin changes the config
            except Exception as e:  # noqa: BLE001 - any failure: back off and start again
                failures += 1
                retry_after = e.retry_after if isinstance(e, TransientError) else None
                delay = retry_after if retry_after is not None else min(2.0 ** failures, MAX_BACKOFF)
                rt.health.state = "backoff"
                rt.health.last_error = redact(f"{type(e).__name__}: {e}")
                rt.health.next_retry_at = utcnow() + timedelta(seconds=delay)
                log.warning("connector %s failed (%s); retrying in %.0fs", rt.name, rt.health.last_error, delay)
                with contextlib.suppress(Exception):
                    await rt.connector.stop()
                await asyncio.sleep(delay)
