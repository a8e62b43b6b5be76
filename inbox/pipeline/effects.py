"""Turn what stages asked for (Effects) into rows, inside the batch's transaction."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import ConversationStatus, format_ticket
from inbox.pipeline.stages import PipelineItem, WebhookCall
from inbox.pipeline.threads import ConversationState
from inbox.replies import enqueue_hide, enqueue_reply
from inbox.store.schema import agents, audit, conversations, teams

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AppliedEffects:
    outbox_added: bool = False
    webhooks: list[tuple[WebhookCall, int]] = field(default_factory=list)  # (call, conversation id)
    reply_message_ids: list[int] = field(default_factory=list)


async def team_id_by_name(conn: AsyncConnection, name: str, cache: dict[str, int]) -> int:
    """Teams named in rules exist once they are used; an admin can rename or staff them later."""
    if name in cache:
        return cache[name]
    row = (await conn.execute(select(teams.c.id).where(teams.c.name == name))).first()
    team_id = row.id if row else (await conn.execute(teams.insert().returning(teams.c.id), {"name": name})).scalar_one()
    cache[name] = team_id
    return team_id


async def round_robin_agent(conn: AsyncConnection, team_id: int) -> int | None:
    """The team's available agent with the fewest open conversations (ties: lowest id), or None."""
    open_count = (
        select(func.count())
        .where(and_(conversations.c.assignee_id == agents.c.id, conversations.c.status == ConversationStatus.OPEN.value))
        .scalar_subquery()
    )
    row = (
        await conn.execute(
            select(agents.c.id)
            .where(and_(agents.c.team_id == team_id, agents.c.active.is_(True), agents.c.available.is_(True)))
            .order_by(open_count, agents.c.id)
            .limit(1)
        )
    ).first()
    return row.id if row else None


async def apply_effects(
    conn: AsyncConnection, items: list[PipelineItem], states: list[ConversationState], now: datetime
) -> AppliedEffects:
    applied = AppliedEffects()
    team_cache: dict[str, int] = {}
    audit_rows: list[dict[str, object]] = []
    for item, state in zip(items, states):
        e = item.effects
        assert state.id is not None
        if item.language and not state.language:
            state.language = item.language
            state.changed = True
        if e.add_tags - state.tags or e.remove_tags & state.tags:
            state.removed_tags |= e.remove_tags & state.tags
            state.tags = (state.tags | e.add_tags) - e.remove_tags
            state.changed = True
        if e.priority is not None and e.priority.rank > state.priority.rank:
            state.priority = e.priority
            state.changed = True
        if e.type is not None:
            state.type = e.type.type
            state.type_confidence = e.type.confidence
            state.type_reasons = e.type.reasons
            state.type_set = True
            state.changed = True
        if e.team is not None:
            state.team_id = await team_id_by_name(conn, e.team, team_cache)
            state.changed = True
        if e.assignee is not None:
            state.assignee_id = await _assignee(conn, e.assignee, state.team_id)
            state.changed = True
        if e.status is not None:
            state.status = e.status
            state.changed = True
        for reply in e.replies:
            if item.message.flags & NEVER_AUTO_ANSWER:
                audit_rows.append(_audit(now, reply.reason, "auto_reply_suppressed", state.id,
                                         f"message flagged {sorted(item.message.flags)}"))
                continue
            text = reply.text.replace(TICKET_PLACEHOLDER, format_ticket(state.id))
            queued = await enqueue_reply(
                conn, state.id, text, reply.visibility, now, reason=reply.reason,
                private_link_fallback=reply.private_link_fallback,
            )
            applied.reply_message_ids.append(queued.message_id)
            applied.outbox_added = True
        if e.hide_public:
            await enqueue_hide(conn, state.id, item.message.connector, item.message.provider_id, now)
            applied.outbox_added = True
        applied.webhooks.extend((w, state.id) for w in e.webhooks)
        audit_rows.extend(_audit(now, a.actor, a.action, state.id, a.detail) for a in e.audit)
    if audit_rows:
        await conn.execute(audit.insert(), audit_rows)
    return applied


# Stages that write a reply before the conversation has an id put this where the ticket number goes.
TICKET_PLACEHOLDER = "{ticket}"
# Messages with these flags are never answered automatically (loops with auto-responders, bounces, lists).
NEVER_AUTO_ANSWER = frozenset({"auto_reply", "bounce", "list", "noreply", "own", "service"})


async def _assignee(conn: AsyncConnection, assignee: str, team_id: int | None) -> int | None:
    if assignee == "round_robin":
        return await round_robin_agent(conn, team_id) if team_id is not None else None
    row = (await conn.execute(select(agents.c.id).where(agents.c.email == assignee.lower()))).first()
    if row is None:
        log.warning("rule assigns to unknown agent %s; left unassigned", assignee)
    return row.id if row else None


def _audit(now: datetime, actor: str, action: str, conversation_id: int, detail: str) -> dict[str, object]:
    return {"at": now, "actor": actor, "action": action, "conversation_id": conversation_id, "detail": detail}
