"""Keeps `conversation_sla` current and fires the timers.

The tracker reads what changed since its cursor (new messages by id, conversations by `updated_at`), so no writer
elsewhere has to call it: the pipeline, the agent API and rules stay as they are. A status change is dated by the
row's `updated_at` (every writer sets it in the same statement). Due times live in the database, so a process that
was down catches up when it starts, and an alert is marked fired in the same statement that checks it was not
(compare-and-set), so it fires once even with several processes.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inbox.domain import format_ticket, utcnow
from inbox.events import Event, EventBus
from inbox.sla.clock import PAUSED_STATUSES, Alert, SlaStatus, Timeline, evaluate
from inbox.sla.policy import Conversationish, PolicySet
from inbox.sla.rollup import add_times, add_volume
from inbox.store.ops import insert_ignore, upsert
from inbox.store.schema import (
    audit,
    conversation_sla,
    conversation_tags,
    conversations,
    messages,
    sla_cursor,
    teams,
)
from inbox.views import iso

log = logging.getLogger(__name__)
CURSOR = "main"
# Kept small so a tick's write transaction is short (on SQLite it holds the one write lock the pipeline also needs);
# a tick that hit a limit says so (`full`) and the service runs the next one at once, until it has caught up.
BATCH = 500  # conversations refreshed per statement batch, and changed conversations read per tick
MESSAGE_BATCH = 3_000  # new messages counted per tick
RECENT = timedelta(hours=1)
OVERLAP = timedelta(seconds=30)
FiredHook = Callable[[AsyncConnection, Any, Alert, SlaStatus], Awaitable[list[Event]]]

_SLA_COLUMNS = ("policy", "state", "first_response_due", "first_response_at", "next_response_due", "resolution_due",
                "next_due", "first_response_minutes", "resolution_minutes", "first_response_breached",
                "resolution_breached", "next_response_breaches", "pauses", "last_status", "next_alert_at", "fired",
                "seen_updated_at", "updated_at")


@dataclass
class TickResult:
    refreshed: int = 0
    counted_messages: int = 0
    full: bool = False  # a batch limit was reached: more is waiting
    fired: list[tuple[int, str, str]] = field(default_factory=list)  # (conversation id, kind, clock)


def _parse_pauses(raw: list[Any] | None) -> list[tuple[datetime, datetime | None]]:
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None) for a, b in raw or []]


def _dump_pauses(pauses: list[tuple[datetime, datetime | None]]) -> list[list[str | None]]:
    return [[a.isoformat(), b.isoformat() if b else None] for a, b in pauses]


def reconcile_pauses(pauses: list[tuple[datetime, datetime | None]], last_status: str | None, status: str,
                     changed_at: datetime) -> list[tuple[datetime, datetime | None]]:
    """Open a pause when the conversation starts waiting (pending, snoozed, resolved); close it when it stops."""
    out = list(pauses)
    paused_now = status in PAUSED_STATUSES
    open_pause = bool(out) and out[-1][1] is None
    if paused_now and not open_pause:
        out.append((changed_at, None))
    elif not paused_now and open_pause:
        out[-1] = (out[-1][0], max(changed_at, out[-1][0]))
    elif paused_now and open_pause and last_status != status and status == "resolved":
        # pending -> resolved: the waiting and the resolution are one pause, but it is dated from resolving
        out[-1] = (out[-1][0], max(changed_at, out[-1][0]))
        out.append((changed_at, None))
    return out


class SlaTracker:
    def __init__(self, engine: AsyncEngine, events: EventBus, policies: Callable[[], Awaitable[PolicySet]],
                 on_fired: FiredHook | None = None,
                 on_resolved: Callable[[AsyncConnection, Any, datetime], Awaitable[None]] | None = None) -> None:
        self.engine = engine
        self.events = events
        self.policies = policies
        self.on_fired = on_fired  # rules with an `sla:` condition (inbox.sla.rules)
        self.on_resolved = on_resolved  # the satisfaction request (inbox.sla.satisfaction), once per resolution
        self._applied: PolicySet | None = None  # the policy set the stored clocks were worked out with

    async def tick(self, now: datetime | None = None) -> TickResult:
        now = now or utcnow()
        result = TickResult()
        policy_set = await self.policies()
        if policy_set is not self._applied:
            await self.reevaluate()
            self._applied = policy_set
        await self.sync(now, policy_set, result)
        await self.fire_due(now, policy_set, result)
        return result

    async def reevaluate(self) -> None:
        """Policies changed (or this process just started): every conversation not resolved is worked out again,
        in batches, by the next ticks (resolved ones keep the policy they were measured by)."""
        async with self.engine.begin() as conn:
            await conn.execute(update(conversation_sla).where(or_(
                conversation_sla.c.last_status.is_(None), conversation_sla.c.last_status != "resolved"))
                .values(seen_updated_at=None))
            await conn.execute(update(sla_cursor).where(sla_cursor.c.name == CURSOR).values(changed_at=None))

    # --- reading changes ----------------------------------------------------------------------------------------

    async def sync(self, now: datetime, policy_set: PolicySet, result: TickResult) -> None:
        async with self.engine.begin() as conn:
            cursor = (await conn.execute(select(sla_cursor).where(sla_cursor.c.name == CURSOR))).first()
            if cursor is None:
                await insert_ignore(conn, sla_cursor, [{"name": CURSOR, "message_id": 0, "changed_at": None}])
                cursor = (await conn.execute(select(sla_cursor).where(sla_cursor.c.name == CURSOR))).one()
            new_messages = (await conn.execute(
                select(messages.c.id, messages.c.conversation_id, messages.c.created_at, messages.c.direction,
                       conversations.c.channel, conversations.c.type, conversations.c.team_id)
                .join(conversations, conversations.c.id == messages.c.conversation_id)
                .where(messages.c.id > cursor.message_id).order_by(messages.c.id).limit(MESSAGE_BATCH))).all()
            # Conversations changed since their clocks were last worked out (so a batch of rows with one
            # updated_at, as the pipeline writes them, can't hold the cursor in place).
            changed = (select(conversations.c.id, conversations.c.updated_at)
                       .select_from(conversations.outerjoin(
                           conversation_sla, conversation_sla.c.conversation_id == conversations.c.id))
                       .where(or_(conversation_sla.c.seen_updated_at.is_(None),
                                  conversation_sla.c.seen_updated_at != conversations.c.updated_at)))
            if cursor.changed_at is not None:
                # Read a little behind the cursor: a writer whose transaction commits after a later one did has
                # the older updated_at (refreshing a conversation twice changes nothing).
                changed = changed.where(conversations.c.updated_at >= cursor.changed_at - OVERLAP)
            changed_rows = (await conn.execute(changed.order_by(conversations.c.updated_at, conversations.c.id)
                                               .limit(BATCH))).all()
            ids = {r.conversation_id for r in new_messages} | {r.id for r in changed_rows}
            await add_volume(conn, [(r.created_at, r.channel, r.type, r.team_id, r.direction) for r in new_messages])
            ordered = sorted(ids)
            for start in range(0, len(ordered), BATCH):
                await self.refresh(conn, ordered[start:start + BATCH], now, policy_set)
            last_message = new_messages[-1].id if new_messages else cursor.message_id
            last_change = changed_rows[-1].updated_at if changed_rows else cursor.changed_at
            if last_change is not None and last_change > now:  # a row dated ahead (another host's clock)
                last_change = now
            moved = await conn.execute(update(sla_cursor).where(and_(
                sla_cursor.c.name == CURSOR, sla_cursor.c.message_id == cursor.message_id))
                .values(message_id=last_message, changed_at=last_change))
            if moved.rowcount != 1:  # another process read the same batch first: its counts stand, ours are undone
                await conn.rollback()
                return
        result.refreshed += len(ids)
        result.counted_messages += len(new_messages)
        result.full = result.full or len(new_messages) == MESSAGE_BATCH or len(changed_rows) == BATCH

    async def refresh(self, conn: AsyncConnection, ids: list[int], now: datetime, policy_set: PolicySet) -> dict[int, SlaStatus]:
        """Work the clocks of these conversations out again and store them; returns their status."""
        if not ids:
            return {}
        rows = (await conn.execute(select(conversations).where(conversations.c.id.in_(ids)))).all()
        tags: dict[int, set[str]] = defaultdict(set)
        for cid, tag in await conn.execute(select(conversation_tags.c.conversation_id, conversation_tags.c.tag)
                                           .where(conversation_tags.c.conversation_id.in_(ids))):
            tags[cid].add(tag)
        team_names = {t.id: t.name for t in await conn.execute(select(teams.c.id, teams.c.name))}
        inbound: dict[int, list[datetime]] = defaultdict(list)
        replies: dict[int, list[datetime]] = defaultdict(list)
        for m in await conn.execute(select(messages.c.conversation_id, messages.c.direction, messages.c.agent_id,
                                           messages.c.created_at).where(messages.c.conversation_id.in_(ids))):
            if m.direction == "inbound":
                inbound[m.conversation_id].append(m.created_at)
            elif m.direction == "outbound" and m.agent_id is not None:  # automatic messages are not answers
                replies[m.conversation_id].append(m.created_at)
        stored = {r.conversation_id: r for r in await conn.execute(
            select(conversation_sla).where(conversation_sla.c.conversation_id.in_(ids)))}
        out: dict[int, SlaStatus] = {}
        upserts, times, resolved_now = [], [], []
        for row in rows:
            old = stored.get(row.id)
            pauses = reconcile_pauses(_parse_pauses(old.pauses if old else None), old.last_status if old else None,
                                      row.status, row.updated_at)
            policy = policy_set.choose(Conversationish(row.priority, row.channel, row.type,
                                                       team_names.get(row.team_id), frozenset(tags[row.id])))
            timeline = Timeline(row.created_at, tuple(inbound[row.id]), tuple(replies[row.id]), tuple(pauses),
                                row.status)
            try:
                status = evaluate(policy, timeline, now)
            except ValueError as e:  # a calendar that never opens: shown as no policy rather than stopping the timer
                log.error("SLA policy %s can't be evaluated for conversation %s: %s", policy and policy.name, row.id, e)
                status = evaluate(None, timeline, now)
            out[row.id] = status
            fired = list(old.fired) if old else []
            first = status.clock("first_response")
            resolution = status.clock("resolution")
            if first is not None and first.business_minutes is not None and (old is None or old.first_response_at is None):
                times.append((first.met_at, row.channel, row.type, row.team_id, "first_response", first.business_minutes,
                              first.breached))
            newly_resolved = row.status == "resolved" and (old is None or old.last_status != "resolved")
            # A conversation first seen resolved (the tracker's first run on an old store) gets no survey unless
            # it was resolved just now.
            if newly_resolved and self.on_resolved is not None and policy_set.ask_rating and (
                    old is not None or (row.resolved_at is not None and now - row.resolved_at < RECENT)):
                resolved_now.append(row)
            if resolution is not None and resolution.business_minutes is not None and newly_resolved:
                times.append((resolution.met_at, row.channel, row.type, row.team_id, "resolution",
                              resolution.business_minutes, resolution.breached))
            upserts.append({**self._row(row.id, status, pauses, row.status, fired, now),
                            "seen_updated_at": row.updated_at})
        await upsert(conn, conversation_sla, upserts, ["conversation_id"], list(_SLA_COLUMNS))
        await add_times(conn, times)
        for row in resolved_now:
            await self.on_resolved(conn, row, now)  # type: ignore[misc]
        return out

    @staticmethod
    def _row(cid: int, status: SlaStatus, pauses: list[Any], last_status: str, fired: list[str],
             now: datetime) -> dict[str, Any]:
        first, nxt, res = (status.clock(n) for n in ("first_response", "next_response", "resolution"))
        pending = [a.at for a in status.alerts() if a.key not in fired]
        return {
            "conversation_id": cid, "policy": status.policy, "state": status.state,
            "first_response_due": first.due_at if first else None,
            "first_response_at": first.met_at if first and first.business_minutes is not None else None,
            "next_response_due": nxt.due_at if nxt and nxt.active else None,
            "resolution_due": res.due_at if res else None,
            "next_due": status.next_due,
            "first_response_minutes": first.business_minutes if first else None,
            "resolution_minutes": res.business_minutes if res else None,
            "first_response_breached": bool(first and first.breached),
            "resolution_breached": bool(res and res.breached),
            "next_response_breaches": status.next_response_breaches,
            "pauses": _dump_pauses(pauses), "last_status": last_status,
            "next_alert_at": min(pending) if pending else None, "fired": fired, "updated_at": now,
        }

    # --- timers ---------------------------------------------------------------------------------------------------

    async def fire_due(self, now: datetime, policy_set: PolicySet, result: TickResult) -> None:
        async with self.engine.connect() as conn:
            due = [r.conversation_id for r in await conn.execute(
                select(conversation_sla.c.conversation_id).where(conversation_sla.c.next_alert_at <= now)
                .order_by(conversation_sla.c.next_alert_at).limit(BATCH))]
        result.full = result.full or len(due) == BATCH
        for cid in due:
            events: list[Event] = []
            async with self.engine.begin() as conn:
                old = (await conn.execute(select(conversation_sla).where(
                    conversation_sla.c.conversation_id == cid))).one()
                if old.next_alert_at is None or old.next_alert_at > now:
                    continue
                # Claim first: of several processes only the one whose update matches the alert time it read goes on.
                claimed = await conn.execute(update(conversation_sla).where(and_(
                    conversation_sla.c.conversation_id == cid, conversation_sla.c.next_alert_at == old.next_alert_at))
                    .values(next_alert_at=None))
                if claimed.rowcount != 1:
                    continue
                status = (await self.refresh(conn, [cid], now, policy_set)).get(cid)
                if status is None:
                    continue
                conv = (await conn.execute(select(conversations).where(conversations.c.id == cid))).one()
                fired = list(old.fired)
                to_fire = [a for a in status.alerts() if a.at <= now and a.key not in fired]
                to_fire.sort(key=lambda a: (a.at, a.kind != "at_risk"))  # at risk before breached
                fired.extend(a.key for a in to_fire)
                pending = [a.at for a in status.alerts() if a.key not in fired]
                await conn.execute(update(conversation_sla).where(conversation_sla.c.conversation_id == cid)
                                   .values(fired=fired, next_alert_at=min(pending) if pending else None))
                for alert in to_fire:
                    events.extend(await self._fire(conn, conv, alert, status, now))
                    result.fired.append((cid, alert.kind, alert.clock))
            self.events.publish_many(events)

    async def _fire(self, conn: AsyncConnection, conv: Any, alert: Alert, status: SlaStatus,
                    now: datetime) -> list[Event]:
        clock = status.clock(alert.clock)
        due = clock.due_at if clock else alert.at
        detail = f"{alert.clock} due {iso(due)} (policy {status.policy})"
        await conn.execute(audit.insert(), {"at": now, "actor": "sla", "action": f"sla_{alert.kind}",
                                            "conversation_id": conv.id, "detail": detail})
        kind = f"sla.{alert.kind}"
        events = [Event(kind, conv.id, conv.team_id, {
            "type": kind, "conversation_id": conv.id, "ticket": format_ticket(conv.id), "clock": alert.clock,
            "due_at": iso(due), "policy": status.policy, "state": status.state})]
        if self.on_fired is not None:
            events.extend(await self.on_fired(conn, conv, alert, status))
        return events
