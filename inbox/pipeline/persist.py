"""Writing a processed batch: messages, edits, thread links, conversation changes, tags; then the events to publish."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from collections import namedtuple
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import (
    Attachment, ConversationStatus, DeliveryStatus, Direction, Priority, Visibility, format_ticket,
)
from inbox.attachments.blobs import BlobStore
from inbox.attachments.stored import attachment_entry
from inbox.events import Event
from inbox.pipeline.stages import Finding, PipelineItem
from inbox.pipeline.threads import ConversationState, normalize_subject
from inbox.store.bulk import executemany, insert_returning
from inbox.store.ops import insert_ignore
from inbox.store.search import index_messages, reindex_message
from inbox.store.schema import blobs, conversation_tags, conversations, message_edits, messages, thread_links
from inbox.views import iso, message_view

PREVIEW_CHARS = 200


@dataclass(slots=True)
class PersistedBatch:
    message_ids: list[int]
    events: list[Event]
    applied: Any = None  # AppliedEffects, set by the pipeline


def findings_json(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{"kind": f.kind, "start": f.start, "end": f.end, "tier": f.tier} for f in findings]


def _has_secret(item: PipelineItem) -> bool:
    return any(f.tier == "secret" for f in item.findings)


def _attachments(item: PipelineItem) -> tuple[Attachment, ...]:
    return item.message.attachments if item.attachments is None else item.attachments


async def _attachments_json(conn: AsyncConnection, attachments: tuple[Attachment, ...],
                            blob_store: BlobStore | None) -> list[dict[str, Any]]:
    """Metadata in the row; bodies once per content hash in the blob store (or, without one, the `blobs` table)."""
    out = []
    for a in attachments:
        if a.content is not None and blob_store is None:
            digest = hashlib.sha256(a.content).hexdigest()
            await insert_ignore(conn, blobs, [{"sha256": digest, "size": len(a.content), "data": a.content}])
        else:
            digest = await blob_store.put(a.content) if a.content is not None and blob_store is not None else None
        out.append(attachment_entry(a, digest))
    return out


async def persist_batch(
    conn: AsyncConnection,
    new_items: list[PipelineItem],
    new_states: list[ConversationState],
    identities: dict[tuple[str, str], tuple[int, int]],
    edit_items: list[PipelineItem],
    edit_rows: list[tuple[int, str]],
    all_states: list[ConversationState],
    now: datetime,
    known_links: dict[tuple[str, str], int],
    with_events: bool = True,
    blob_store: BlobStore | None = None,
) -> PersistedBatch:
    rows: list[tuple[Any, ...]] = []  # in _MESSAGE_COLUMNS order
    links: dict[tuple[str, str], int] = {}
    for item, state in zip(new_items, new_states):
        m = item.message
        assert state.id is not None
        findings = item.findings
        rows.append((
            state.id, m.connector, m.provider_id, m.thread_key, _INBOUND, _TEXT[m.visibility],
            identities[(m.sender.kind.value, m.sender.value)][0], item.text,
            # Sanitized HTML is not masked span by span: with a secret in the message, keep the masked text only.
            None if findings and _has_secret(item) else item.html, item.subject, _RECEIVED,
            await _attachments_json(conn, attachments, blob_store) if (attachments := _attachments(item)) else [],
            findings_json(findings) if findings else [], sorted(m.flags) if m.flags else [], item.raw,
            m.reply_to_provider_id, m.sent_at,
        ))
        for key in (m.thread_key, *m.thread_hints, m.provider_id) if m.channel.quotes_messages else \
                (m.thread_key, *m.thread_hints):
            links[(m.connector, key)] = state.id
        if item.subject != m.subject and state.subject is not None:
            # The conversation row took the subject before the guard ran: keep only the masked one.
            state.subject = normalize_subject(item.subject)
            state.changed = True
        state.message_count += 1
        if m.sent_at > state.last_message_at:
            state.last_message_at = m.sent_at
        state.touched = True
        state.preview = item.text[:PREVIEW_CHARS]

    message_ids: list[int] = []
    if rows:
        # Mapped back by the natural key: RETURNING order is not promised for a multi-row insert.
        if conn.dialect.name == "sqlite":
            result = await insert_returning(conn, messages, _MESSAGE_COLUMNS, rows, ("id", "connector", "provider_id"))
        else:
            result = await conn.execute(
                messages.insert().returning(messages.c.id, messages.c.connector, messages.c.provider_id),
                [dict(zip(_MESSAGE_COLUMNS, r)) for r in rows])
        id_of = {(c, p): i for i, c, p in result}
        message_ids = [id_of[(r[1], r[2])] for r in rows]
        # Same transaction: a message is searchable the moment it is visible, by its masked text only.
        await index_messages(conn, [(mid, r[0], r[7], r[9]) for mid, r in zip(message_ids, rows)])

    for item, (message_id, old_text) in zip(edit_items, edit_rows):
        old = (await conn.execute(select(messages.c.conversation_id, messages.c.subject)
                                  .where(messages.c.id == message_id))).one()
        await reindex_message(conn, message_id, old.conversation_id, (old_text, old.subject), (item.text, old.subject))
        await conn.execute(
            messages.update().where(messages.c.id == message_id).values(
                text=item.text, findings=findings_json(item.findings), edited_at=item.message.sent_at
            )
        )
        await conn.execute(message_edits.insert(), {
            "connector": item.message.connector, "provider_id": item.message.provider_id, "message_id": message_id,
            "previous_text": old_text, "edited_at": item.message.sent_at,
        })

    await executemany(
        conn, _UPSERT_LINK, thread_links, ("connector", "thread_key", "conversation_id"),
        [(c, k[:500], cid) for (c, k), cid in links.items() if known_links.get((c, k)) != cid],
    )
    unique_states = list({s.id: s for s in all_states if s.changed or s.touched}.values())
    await _write_conversations(conn, unique_states, now)

    events: list[Event] = []
    if not with_events:
        return PersistedBatch(message_ids, events)
    updated_at = iso(now)
    iso_of: dict[datetime, str | None] = {}  # a conversation's last message time is its newest message's time
    for s in unique_states:
        kind = "conversation.created" if s.is_new else "conversation.updated"
        events.append(Event(kind, s.id, s.team_id, {"type": kind, "conversation": _state_view(s, updated_at, iso_of)}))
    for row, message_id, state in zip(rows, message_ids, new_states):
        # The row as written (plus its id) is what the API would read back: no second query for the events.
        view = message_view(_WrittenMessage(*row, message_id), created_at=iso_of.get(row[-1]))
        events.append(Event("message.created", state.id, state.team_id,
                            {"type": "message.created", "conversation_id": state.id, "message": view}))
    team_of = {s.id: s.team_id for s in all_states}
    for message_id, _ in edit_rows:
        r = (await conn.execute(select(messages).where(messages.c.id == message_id))).one()
        events.append(Event("message.updated", r.conversation_id, team_of.get(r.conversation_id),
                            {"type": "message.updated", "conversation_id": r.conversation_id, "message": message_view(r)}))
    return PersistedBatch(message_ids, events)


_INBOUND, _RECEIVED = Direction.INBOUND.value, DeliveryStatus.RECEIVED.value
_MESSAGE_COLUMNS = (
    "conversation_id", "connector", "provider_id", "thread_key", "direction", "visibility", "sender_identity_id",
    "text", "html", "subject", "status", "attachments", "findings", "flags", "raw", "reply_to_provider_id",
    "created_at",
)
_UPSERT_LINK = ("INSERT INTO thread_links (connector, thread_key, conversation_id) VALUES (?, ?, ?) "
                "ON CONFLICT (connector, thread_key) DO UPDATE SET conversation_id = excluded.conversation_id")
_FULL_COLUMNS = ("status", "priority", "type", "team_id", "assignee_id", "language", "message_count",
                 "last_message_at", "preview", "updated_at", "subject", "id")
_UPDATE_FULL = ("UPDATE conversations SET " + ", ".join(f"{c} = ?" for c in _FULL_COLUMNS[:-1]) + " WHERE id = ?")
_INSERT_TAG = "INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING"
_UPDATE_STATS = ("UPDATE conversations SET message_count = ?, last_message_at = ?, preview = ?, updated_at = ? "
                 "WHERE id = ?")
# A new inbound row as written, shaped like a `messages` row for `message_view` (the columns it never sets: None).
_WrittenMessage = namedtuple("_WrittenMessage", (*_MESSAGE_COLUMNS, "id", "agent_id", "reason", "error", "sent_at",
                                                 "edited_at"), defaults=(None,) * 5)


async def _write_conversations(conn: AsyncConnection, states: list[ConversationState], now: datetime) -> None:
    """Only message stats moved (the common case): a narrow update. Anything else: the full one."""
    await executemany(
        conn, _UPDATE_STATS, conversations, ("message_count", "last_message_at", "preview", "updated_at", "id"),
        [(s.message_count, s.last_message_at, s.preview, now, s.id) for s in states if not s.changed])
    states = [s for s in states if s.changed]
    if not states:
        return
    await executemany(conn, _UPDATE_FULL, conversations, _FULL_COLUMNS, [
        (_TEXT[s.status], _TEXT[s.priority], s.type, s.team_id, s.assignee_id, s.language, s.message_count,
         s.last_message_at, s.preview, now, s.subject, s.id)
        for s in states
    ])
    typed = [s for s in states if s.type_set]
    if typed:
        await conn.execute(
            conversations.update().where(conversations.c.id == bindparam("b_id")).values(
                type_confidence=bindparam("b_confidence"), type_reasons=bindparam("b_reasons")),
            [{"b_id": s.id, "b_confidence": s.type_confidence, "b_reasons": list(s.type_reasons)} for s in typed])
    await executemany(conn, _INSERT_TAG, conversation_tags, ("conversation_id", "tag"),
                      [(s.id, t) for s in states for t in s.tags])
    for s in states:
        if s.removed_tags:
            await conn.execute(conversation_tags.delete().where(and_(
                conversation_tags.c.conversation_id == s.id, conversation_tags.c.tag.in_(sorted(s.removed_tags))
            )))


# Enum member -> its text by dict lookup (`.value` is a slow descriptor, and this runs per conversation per batch).
_TEXT: dict[Any, str] = {m: m.value for enum in (Visibility, ConversationStatus, Priority) for m in enum}


def _state_view(s: ConversationState, updated_at: str | None, iso_of: dict[datetime, str | None]) -> dict[str, Any]:
    assert s.id is not None
    last = iso_of.get(s.last_message_at)
    if last is None:
        last = iso_of[s.last_message_at] = iso(s.last_message_at)
    return {
        "id": s.id, "ticket": format_ticket(s.id), "channel": s.channel, "connector": s.connector,
        "visibility": _TEXT[s.visibility], "status": _TEXT[s.status], "type": s.type,
        "tags": sorted(s.tags) if s.tags else [], "priority": _TEXT[s.priority], "team_id": s.team_id,
        "assignee_id": s.assignee_id, "contact_id": s.contact_id, "message_count": s.message_count,
        "preview": s.preview, "last_message_at": last, "updated_at": updated_at,
    }
