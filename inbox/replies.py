"""Queueing outbound messages: an agent's reply or the inbox's own, written as a message row plus an outbox row
in the caller's transaction. The dispatcher (inbox.outbox) sends it later; nothing here talks to a connector."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import DeliveryStatus, Direction, Visibility
from inbox.store.search import index_messages
from inbox.store.schema import conversations, messages, outbox


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    connector: str
    thread_key: str | None  # None: the platform's private path to the customer of a public thread
    visibility: Visibility


@dataclass(frozen=True, slots=True)
class QueuedReply:
    message_id: int
    outbox_id: int
    target: ReplyTarget


async def choose_target(conn: AsyncConnection, conversation_id: int, route: Visibility) -> ReplyTarget:
    """Public: the conversation's own thread. Private: the latest private thread the customer wrote in (a DM, a
    private chat joined by a link), else the conversation's platform's private path."""
    conv = (
        await conn.execute(
            select(conversations.c.connector, conversations.c.thread_key, conversations.c.visibility).where(
                conversations.c.id == conversation_id
            )
        )
    ).one()
    if route == Visibility.PUBLIC and conv.visibility == Visibility.PUBLIC.value:
        return ReplyTarget(conv.connector, conv.thread_key, Visibility.PUBLIC)
    latest_private = await _latest_private_inbound(conn, conversation_id)
    if latest_private is not None:
        return ReplyTarget(latest_private[0], latest_private[1], Visibility.PRIVATE)
    if conv.visibility == Visibility.PRIVATE.value:
        return ReplyTarget(conv.connector, conv.thread_key, Visibility.PRIVATE)
    return ReplyTarget(conv.connector, None, Visibility.PRIVATE)


async def _latest_private_inbound(conn: AsyncConnection, conversation_id: int) -> tuple[str, str] | None:
    row = (
        await conn.execute(
            select(messages.c.connector, messages.c.thread_key)
            .where(
                and_(
                    messages.c.conversation_id == conversation_id,
                    messages.c.direction == Direction.INBOUND.value,
                    messages.c.visibility == Visibility.PRIVATE.value,
                )
            )
            .order_by(messages.c.id.desc())
            .limit(1)
        )
    ).first()
    return (row.connector, row.thread_key) if row is not None else None


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    conversation_id: int
    target: ReplyTarget
    text: str
    reason: str | None = None
    agent_id: int | None = None
    private_link_fallback: bool = False
    notice: str | None = None
    findings: tuple[dict[str, object], ...] = ()
    flags: tuple[str, ...] = ()
    in_reply_to: str | None = None  # public: the post to answer (provider id); None: the thread's latest inbound
    attachments: tuple[dict[str, object], ...] = ()  # message-row entries (inbox.attachments.stored)


async def enqueue_replies(conn: AsyncConnection, requests: list[ReplyRequest], now: datetime) -> list[QueuedReply]:
    """Message rows and outbox rows for many replies in two statements (the pipeline's auto-replies come in batches)."""
    if not requests:
        return []
    keys = [uuid.uuid4().hex for _ in requests]
    result = await conn.execute(
        messages.insert().returning(messages.c.id, messages.c.idempotency_key),
        [{
            "conversation_id": r.conversation_id, "connector": r.target.connector, "thread_key": r.target.thread_key,
            "direction": Direction.OUTBOUND.value, "visibility": r.target.visibility.value, "agent_id": r.agent_id,
            "text": r.text, "status": DeliveryStatus.QUEUED.value, "attachments": list(r.attachments),
            "findings": list(r.findings),
            "flags": list(r.flags), "reason": r.reason, "created_at": now, "idempotency_key": key,
        } for r, key in zip(requests, keys)],
    )
    message_id = {key: mid for mid, key in result}
    # What the inbox sends by itself (`reason`: auto-replies, guard notices) is not indexed: its boilerplate would
    # match every conversation that received it. Agents' replies are.
    await index_messages(conn, [(message_id[key], r.conversation_id, r.text, None)
                                for r, key in zip(requests, keys) if r.reason is None])
    result = await conn.execute(
        outbox.insert().returning(outbox.c.id, outbox.c.idempotency_key),
        [{
            "kind": "send", "message_id": message_id[key], "conversation_id": r.conversation_id,
            "connector": r.target.connector, "idempotency_key": key, "route": r.target.visibility.value,
            "private_link_fallback": r.private_link_fallback, "notice": r.notice, "state": "queued", "attempts": 0,
            "target_provider_id": r.in_reply_to,
            "next_attempt_at": now, "created_at": now, "updated_at": now,
        } for r, key in zip(requests, keys)],
    )
    outbox_id = {key: oid for oid, key in result}
    return [QueuedReply(message_id[key], outbox_id[key], r.target) for r, key in zip(requests, keys)]


async def enqueue_reply(
    conn: AsyncConnection,
    conversation_id: int,
    text: str,
    route: Visibility,
    now: datetime,
    *,
    agent_id: int | None = None,
    reason: str | None = None,
    private_link_fallback: bool = False,
    notice: str | None = None,
    findings: list[dict[str, object]] | None = None,
    flags: tuple[str, ...] = (),
    attachments: tuple[dict[str, object], ...] = (),
) -> QueuedReply:
    target = await choose_target(conn, conversation_id, route)
    [queued] = await enqueue_replies(conn, [ReplyRequest(
        conversation_id, target, text, reason, agent_id, private_link_fallback, notice, tuple(findings or ()), flags,
        attachments=attachments,
    )], now)
    return queued


async def enqueue_hide(conn: AsyncConnection, conversation_id: int, connector: str, provider_id: str, now: datetime,
                       kind: str = "hide") -> None:
    """`kind` "hide" removes the post; "restrict" takes its sender's right to post there (a moderated group)."""
    await conn.execute(
        outbox.insert(),
        {
            "kind": kind, "conversation_id": conversation_id, "connector": connector,
            "idempotency_key": uuid.uuid4().hex, "route": Visibility.PUBLIC.value, "target_provider_id": provider_id,
            "state": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now,
        },
    )


async def requeue_failed(conn: AsyncConnection, message_id: int, now: datetime, drop_flags: frozenset[str]) -> bool:
    """An agent's resend of a failed reply: the same message and outbox row go back to the queue, keeping the
    idempotency key (a channel that dedupes by it shows the customer one copy). False when it is not failed (any
    more): two agents pressing resend at once send it once."""
    claimed = await conn.execute(
        update(outbox).where(and_(outbox.c.message_id == message_id, outbox.c.state == "failed"))
        .values(state="queued", attempts=0, next_attempt_at=now, last_error=None, updated_at=now)
    )
    if claimed.rowcount != 1:
        return False
    flags = (await conn.execute(select(messages.c.flags).where(messages.c.id == message_id))).scalar()
    await conn.execute(update(messages).where(messages.c.id == message_id).values(
        status=DeliveryStatus.QUEUED.value, error=None, flags=[f for f in (flags or []) if f not in drop_flags]))
    return True
