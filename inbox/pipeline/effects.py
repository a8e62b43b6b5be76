"""Turn what stages asked for (Effects) into conversation changes and pending rows, written after the batch."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.cluster.thread_locks import lock_round_robin
from inbox.domain import ConversationStatus, DeliveryStatus, Direction, Visibility, format_ticket
from inbox.pipeline.stages import PipelineItem, StoredMask, WebhookCall
from inbox.pipeline.threads import ConversationState
from inbox.replies import ReplyRequest, ReplyTarget, enqueue_hide, enqueue_replies
from inbox.store.schema import agents, audit, conversations, messages, teams
from inbox.store.search import reindex_message

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AppliedEffects:
    outbox_added: bool = False
    webhooks: list[tuple[WebhookCall, int]] = field(default_factory=list)  # (call, conversation id)
    reply_message_ids: list[int] = field(default_factory=list)
    # Rows written by write_effects, after the batch's inbound messages: a thread reads in id order, so an
    # auto-reply must come after the message it answers.
    replies: list[ReplyRequest] = field(default_factory=list)
    hides: list[tuple[int, str, str]] = field(default_factory=list)  # (conversation id, connector, provider id)
    restricts: list[tuple[int, str, str]] = field(default_factory=list)  # (conversation id, connector, provider id)
    notes: list[tuple[int, str, str, str]] = field(default_factory=list)  # (conversation id, connector, reason, text)
    reports: list[tuple[int, dict[str, object]]] = field(default_factory=list)  # (conversation id, report)
    audit_rows: list[dict[str, object]] = field(default_factory=list)
    stored_masks: list[tuple[int, StoredMask]] = field(default_factory=list)  # (conversation id, mask)


async def team_id_by_name(conn: AsyncConnection, name: str, cache: dict[str, int]) -> int:
    """Teams named in rules exist once they are used; an admin can rename or staff them later."""
    if name in cache:
        return cache[name]
    row = (await conn.execute(select(teams.c.id).where(teams.c.name == name))).first()
    team_id = row.id if row else (await conn.execute(teams.insert().returning(teams.c.id), {"name": name})).scalar_one()
    cache[name] = team_id
    return team_id


class RoundRobin:
    """Per batch: a team's available agents with their open-conversation counts, loaded once; each pick goes to
    the least loaded (ties: lowest id) and counts for the next pick."""

    def __init__(self) -> None:
        self._load: dict[int, dict[int, int]] = {}

    async def pick(self, conn: AsyncConnection, team_id: int) -> int | None:
        if team_id not in self._load:
            # Several processes: one team's counts are read by one transaction at a time, each after the last
            # one's assignments committed, so two processes never both give "the least loaded" the next two.
            await lock_round_robin(conn, team_id)
            open_count = (
                select(func.count())
                .where(and_(conversations.c.assignee_id == agents.c.id,
                            conversations.c.status == ConversationStatus.OPEN.value))
                .scalar_subquery()
            )
            rows = await conn.execute(
                select(agents.c.id, open_count)
                .where(and_(agents.c.team_id == team_id, agents.c.active.is_(True), agents.c.available.is_(True)))
            )
            self._load[team_id] = {agent_id: count for agent_id, count in rows}
        load = self._load[team_id]
        if not load:
            return None
        agent_id = min(load, key=lambda a: (load[a], a))
        load[agent_id] += 1
        return agent_id


async def apply_effects(
    conn: AsyncConnection, items: list[PipelineItem], states: list[ConversationState], now: datetime
) -> AppliedEffects:
    applied = AppliedEffects()
    team_cache: dict[str, int] = {}
    audit_rows = applied.audit_rows
    replies = applied.replies
    round_robin = RoundRobin()
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
            state.assignee_id = await _assignee(conn, e.assignee, state.team_id, round_robin)
            state.changed = True
        if e.status is not None:
            state.status = e.status
            state.changed = True
        for reply in e.replies:
            if item.message.flags & NEVER_AUTO_ANSWER and not reply.reason.startswith(ANSWERS_FLAGGED):
                audit_rows.append(_audit(now, reply.reason, "auto_reply_suppressed", state.id,
                                         f"message flagged {sorted(item.message.flags)}"))
                continue
            text = reply.text.replace(TICKET_PLACEHOLDER, format_ticket(state.id))
            replies.append(ReplyRequest(state.id, _target(item, state, reply.visibility), text, reply.reason,
                                        private_link_fallback=reply.private_link_fallback,
                                        in_reply_to=reply.in_reply_to))
        if e.hide_public:
            applied.hides.append((state.id, item.message.connector, item.message.provider_id))
        for mask in e.mask_stored:
            applied.stored_masks.append((state.id, mask))
            if mask.hide:
                applied.hides.append((state.id, mask.connector, mask.provider_id))
        if e.restrict_sender:
            applied.restricts.append((state.id, item.message.connector, item.message.provider_id))
        applied.notes.extend((state.id, item.message.connector, reason, text) for reason, text in e.notes)
        applied.reports.extend((state.id, report) for report in e.reports)
        applied.webhooks.extend((w, state.id) for w in e.webhooks)
        audit_rows.extend(_audit(now, a.actor, a.action, state.id, a.detail) for a in e.audit)
    return applied


async def write_effects(conn: AsyncConnection, applied: AppliedEffects, now: datetime) -> None:
    """Stored rows masked first, then hides (a secret leaves public view before anything else goes out), then
    replies, then the audit."""
    for conversation_id, mask in applied.stored_masks:
        rows = (await conn.execute(select(messages.c.id, messages.c.text, messages.c.subject).where(
            messages.c.connector == mask.connector, messages.c.provider_id == mask.provider_id,
            messages.c.conversation_id == conversation_id))).all()
        for row in rows:
            # One masked text, written to the row and to the search index (which must hold only what is stored).
            masked = row.text.replace(mask.fragment, mask.label)
            await conn.execute(messages.update().where(messages.c.id == row.id)
                               .values(text=masked, raw=None, html=None))
            await reindex_message(conn, row.id, conversation_id, (row.text, row.subject), (masked, row.subject))
    for conversation_id, connector, provider_id in applied.hides:
        await enqueue_hide(conn, conversation_id, connector, provider_id, now)
    for conversation_id, connector, provider_id in applied.restricts:
        await enqueue_hide(conn, conversation_id, connector, provider_id, now, kind="restrict")
    if applied.replies:
        queued = await enqueue_replies(conn, applied.replies, now)
        applied.reply_message_ids.extend(q.message_id for q in queued)
    if applied.notes:
        applied.reply_message_ids.extend(await write_system_notes(conn, applied.notes, now))
    if applied.reports:
        from inbox.impersonators import record_reports

        await record_reports(conn, applied.reports, now)
    applied.outbox_added = bool(applied.hides or applied.replies or applied.restricts)
    if applied.audit_rows:
        await conn.execute(audit.insert(), applied.audit_rows)


def _target(item: PipelineItem, state: ConversationState, route: Visibility) -> ReplyTarget:
    """Where an auto-reply goes, from what the batch already knows (replies.choose_target without the queries):
    the public thread; else the private thread this message came by; else the platform's private path, which the
    dispatcher resolves when it sends (a private channel the customer opens by then wins)."""
    m = item.message
    if route == Visibility.PUBLIC and state.visibility == Visibility.PUBLIC:
        return ReplyTarget(state.connector, state.thread_key, Visibility.PUBLIC)
    if m.visibility == Visibility.PRIVATE:
        return ReplyTarget(m.connector, m.thread_key, Visibility.PRIVATE)
    return ReplyTarget(state.connector, None, Visibility.PRIVATE)


# Stages that write a reply before the conversation has an id put this where the ticket number goes.
TICKET_PLACEHOLDER = "{ticket}"
# Messages with these flags are never answered automatically (loops with auto-responders, bounces, lists,
# impersonators: a rule's "thanks, your ticket is..." must not answer a fake support account).
NEVER_AUTO_ANSWER = frozenset({"auto_reply", "bounce", "list", "noreply", "own", "service", "impersonation"})
# ...except by the replies whose reason starts with this: the warning that answers an impersonator.
ANSWERS_FLAGGED = "impersonation:"


async def write_system_notes(conn: AsyncConnection, notes: list[tuple[int, str, str, str]], now: datetime) -> list[int]:
    """System notes (direction note, no agent), after the batch's inbound rows so the thread reads in order."""
    rows = [{
        "conversation_id": cid, "connector": connector, "direction": Direction.NOTE.value,
        "visibility": Visibility.PRIVATE.value, "agent_id": None, "text": text, "status": DeliveryStatus.SENT.value,
        "attachments": [], "findings": [], "flags": [], "reason": reason, "created_at": now,
    } for cid, connector, reason, text in notes]
    result = await conn.execute(messages.insert().returning(messages.c.id), rows)
    return [r[0] for r in result]


async def _assignee(conn: AsyncConnection, assignee: str, team_id: int | None, round_robin: RoundRobin) -> int | None:
    if assignee == "round_robin":
        return await round_robin.pick(conn, team_id) if team_id is not None else None
    row = (await conn.execute(select(agents.c.id).where(agents.c.email == assignee.lower()))).first()
    if row is None:
        log.warning("rule assigns to unknown agent %s; left unassigned", assignee)
    return row.id if row else None


def _audit(now: datetime, actor: str, action: str, conversation_id: int, detail: str) -> dict[str, object]:
    return {"at": now, "actor": actor, "action": action, "conversation_id": conversation_id, "detail": detail}
