"""Follow-ups (回访): an agent asks to contact the customer again in N days. The conversation sleeps (snoozed until
then) and comes back open with a reminder: a private note in the thread and a `follow_up.due` event for the agent.
Snoozes of any kind end here too: a snoozed conversation whose time has come is open again."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inbox.domain import format_ticket, utcnow
from inbox.events import Event, EventBus
from inbox.store.schema import audit, conversation_tags, conversations, follow_ups, messages
from inbox.views import conversation_core, iso

BATCH = 200


async def schedule(conn: AsyncConnection, conversation_id: int, agent_id: int, due_at: datetime, note: str,
                   now: datetime) -> int:
    follow_up_id = (await conn.execute(follow_ups.insert().returning(follow_ups.c.id), {
        "conversation_id": conversation_id, "due_at": due_at, "note": note, "created_by": agent_id,
        "created_at": now})).scalar_one()
    await conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(
        status="snoozed", snoozed_until=due_at, updated_at=now))
    await conn.execute(audit.insert(), {"at": now, "actor": f"agent:{agent_id}", "action": "follow_up",
                                        "conversation_id": conversation_id, "detail": f"due {iso(due_at)}"})
    return follow_up_id


class FollowUps:
    def __init__(self, engine: AsyncEngine, events: EventBus) -> None:
        self.engine = engine
        self.events = events

    async def wake_due(self, now: datetime | None = None) -> list[int]:
        """Open snoozed conversations whose time has come; leave a note for each follow-up due. Returns their ids."""
        now = now or utcnow()
        events: list[Event] = []
        woken: list[int] = []
        async with self.engine.begin() as conn:
            due = (await conn.execute(select(conversations).where(and_(
                conversations.c.status == "snoozed", conversations.c.snoozed_until <= now))
                .order_by(conversations.c.snoozed_until).limit(BATCH))).all()
            for conv in due:
                # Compare-and-set on the snooze itself: of two processes, one wakes it.
                done = await conn.execute(update(conversations).where(and_(
                    conversations.c.id == conv.id, conversations.c.status == "snoozed",
                    conversations.c.snoozed_until == conv.snoozed_until))
                    .values(status="open", snoozed_until=None, updated_at=now))
                if done.rowcount != 1:
                    continue
                woken.append(conv.id)
                await conn.execute(audit.insert(), {"at": now, "actor": "sla", "action": "snooze_ended",
                                                    "conversation_id": conv.id, "detail": ""})
                events.extend(await self._reminders(conn, conv, now))
                row = (await conn.execute(select(conversations).where(conversations.c.id == conv.id))).one()
                tags = [t for (t,) in await conn.execute(select(conversation_tags.c.tag).where(
                    conversation_tags.c.conversation_id == conv.id))]
                events.append(Event("conversation.updated", conv.id, conv.team_id,
                                    {"type": "conversation.updated", "conversation": conversation_core(row, tags)}))
        self.events.publish_many(events)
        return woken

    async def _reminders(self, conn: AsyncConnection, conv: Any, now: datetime) -> list[Event]:
        events = []
        rows = (await conn.execute(select(follow_ups).where(and_(
            follow_ups.c.conversation_id == conv.id, follow_ups.c.done_at.is_(None), follow_ups.c.due_at <= now)))).all()
        for f in rows:
            await conn.execute(update(follow_ups).where(follow_ups.c.id == f.id).values(done_at=now))
            text = "Follow-up due: " + (f.note or "contact the customer again") + " / 回访到期"
            message_id = (await conn.execute(messages.insert().returning(messages.c.id), {
                "conversation_id": conv.id, "connector": conv.connector, "direction": "note",
                "visibility": "private", "agent_id": f.created_by, "text": text, "status": "sent",
                "attachments": [], "findings": [], "flags": [], "reason": "follow_up", "created_at": now,
            })).scalar_one()
            events.append(Event("follow_up.due", conv.id, conv.team_id, {
                "type": "follow_up.due", "conversation_id": conv.id, "ticket": format_ticket(conv.id),
                "agent_id": f.created_by, "note": f.note, "message_id": message_id}))
        return events
