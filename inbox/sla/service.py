"""The SLA timer loop inside `inbox serve`: a tick every `poll_seconds` (reads changes, fires due alerts, wakes
snoozed conversations and follow-ups). Registered by `setup_sla(app)` after the main lifecycle, so it starts
once the store is ready and stops before it closes."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from inbox.api.context import CTX
from inbox.sla.settings import PolicySource
from inbox.sla.tracker import SlaTracker

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


class SlaService:
    def __init__(self, tracker: SlaTracker, source: PolicySource, wake: Any = None, after_tick: Any = None) -> None:
        self.tracker = tracker
        self.source = source
        self.wake = wake  # inbox.sla.followup.wake_due, run each tick
        self.after_tick = after_tick  # wakes the outbox dispatcher (rating requests were queued)
        self._task: asyncio.Task[None] | None = None
        self.poll_seconds = POLL_SECONDS

    async def tick(self, now: Any = None) -> Any:
        if self.wake is not None:
            await self.wake(now)
        result = await self.tracker.tick(now)
        if self.after_tick is not None:
            self.after_tick()
        return result

    async def _run(self) -> None:
        while True:
            full = False
            try:
                full = (await self.tick()).full
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a failed tick (database briefly away) is retried on the next
                log.exception("SLA tick failed")
            # Catching up (a first start on a big store, or after downtime): the next batch at once, yielding only.
            await asyncio.sleep(0.05 if full else self.poll_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sla-timers")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


SLA = web.AppKey("inbox_sla", SlaService)


def setup_sla(app: web.Application) -> None:
    """Routes and the timer loop (one call from build_app)."""
    from inbox.api import reports, sla as sla_api

    app.add_routes(sla_api.routes)
    app.add_routes(reports.routes)

    async def lifecycle(app: web.Application):  # noqa: ANN202
        context = app[CTX]
        from inbox.sla.followup import FollowUps
        from inbox.sla.rules import SlaRules

        source = PolicySource(context.engine, context.settings.sla)
        rules = SlaRules(context.rules)
        from inbox.sla.satisfaction import ask_for_rating

        async def on_resolved(conn, row, now):  # noqa: ANN001, ANN202
            await ask_for_rating(conn, row, context.settings.public_url, now,
                                 lambda mid, text: context.dispatcher.hold_clear_text(mid, text))

        tracker = SlaTracker(context.engine, context.events, source, on_fired=rules.on_fired, on_resolved=on_resolved)
        service = SlaService(tracker, source, FollowUps(context.engine, context.events).wake_due,
                             context.dispatcher.wake)
        app[SLA] = service
        service.start()
        yield
        await service.stop()

    app.cleanup_ctx.append(lifecycle)
