"""Joining two conversations that one message proves are one thread.

Mail arrives in any order: a reply can come before the message it answers (list delays, a backlog import, a
customer's colleague in copy), and then it starts a conversation of its own. When a later message names both (its
References reach into one, its own Message-ID is already known as the parent of the other), they are one thread:
the younger conversation is merged into the older, so the result does not depend on arrival order.

What agents see: a system note in both conversations and a row in `conversation_merges` (the journal: which ticket
went into which, and the id that proved it). The merged-away ticket is resolved, tagged `merged`, and a customer who
quotes its number lands in the kept one.

Never silently across customers: conversations of two different contacts are merged only while nobody works on
them (no assignee, no agent reply or note). Otherwise the message stays where it landed and both conversations get a
note naming the other ticket, so an agent decides.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import ConversationStatus, DeliveryStatus, Direction, Visibility, format_ticket
from inbox.store.search import move_index_entries
from inbox.store.schema import (
    conversation_merges,
    conversations,
    messages,
    outbox,
    private_links,
    thread_links,
)

if TYPE_CHECKING:
    from inbox.pipeline.threads import ConversationState

MERGED_TAG = "merged"
NOTE_REASON = "system:thread_merged"
LINKED_NOTE_REASON = "system:thread_linked"
ACTOR = "pipeline:email-threading"


async def may_merge(conn: AsyncConnection, kept: ConversationState, merged: ConversationState) -> bool:
    """Same customer: always. Different customers: only while neither conversation is being worked on."""
    if kept.contact_id == merged.contact_id:
        return True
    if kept.assignee_id is not None or merged.assignee_id is not None:
        return False
    ids = [s.id for s in (kept, merged) if s.id is not None]
    if not ids:
        return True
    worked = await conn.execute(select(exists().where(and_(
        messages.c.conversation_id.in_(ids),
        messages.c.agent_id.is_not(None),
        messages.c.direction.in_((Direction.OUTBOUND.value, Direction.NOTE.value)),
    ))))
    return not worked.scalar()


async def absorb(
    conn: AsyncConnection, kept: ConversationState, merged: ConversationState, proof: str, now: datetime,
) -> None:
    """Move everything of `merged` (already stored) into `kept` (already stored) and journal it."""
    assert kept.id is not None and merged.id is not None
    moved = merged.message_count
    for table in (messages, thread_links, outbox, private_links):
        await conn.execute(update(table).where(table.c.conversation_id == merged.id).values(conversation_id=kept.id))
    await move_index_entries(conn, merged.id, kept.id)  # search finds the moved messages in the kept ticket
    kept.tags |= merged.tags - {MERGED_TAG}
    kept.message_count += merged.message_count
    if merged.last_message_at > kept.last_message_at:
        kept.last_message_at = merged.last_message_at
        kept.preview = merged.preview or kept.preview
    if kept.status != ConversationStatus.OPEN and merged.status == ConversationStatus.OPEN:
        kept.status = ConversationStatus.OPEN
    kept.changed = True
    # the state too: the batch writes it back and publishes conversation.updated, so open agent views update
    merged.status, merged.message_count, merged.changed = ConversationStatus.RESOLVED, 0, True
    merged.tags.add(MERGED_TAG)
    await conn.execute(update(conversations).where(conversations.c.id == merged.id).values(
        status=ConversationStatus.RESOLVED.value, message_count=0, updated_at=now))
    await conn.execute(text("INSERT INTO conversation_tags (conversation_id, tag) VALUES (:cid, :tag) "
                            "ON CONFLICT DO NOTHING"), {"cid": merged.id, "tag": MERGED_TAG})
    await conn.execute(conversation_merges.insert().values(
        kept_id=kept.id, merged_id=merged.id, connector=kept.connector, proof=proof[:500], message_count=moved,
        actor=ACTOR, merged_at=now))
    kept_ticket, merged_ticket = format_ticket(kept.id), format_ticket(merged.id)
    await _notes(conn, now, kept.connector, [
        (kept.id, NOTE_REASON, f"Ticket {merged_ticket} was merged into this ticket ({moved} message(s)): message "
                               f"<{proof}> shows they are one email thread."),
        (merged.id, NOTE_REASON, f"Merged into {kept_ticket}: message <{proof}> shows they are one email thread."),
    ])


async def note_unmerged(
    conn: AsyncConnection, landed: ConversationState, other: ConversationState, proof: str, now: datetime,
) -> None:
    """Two customers' tickets, at least one being worked on: tell both, merge neither."""
    assert landed.id is not None or other.id is not None
    if landed.id is None or other.id is None:
        return
    text = ("Message <{proof}> belongs to the email thread of ticket {ticket} too, which is another customer's "
            "ticket that someone works on, so they were not merged. Merge them yourself if they are one issue.")
    rows = []
    for here, there in ((landed.id, other.id), (other.id, landed.id)):
        said = f"thread of ticket {format_ticket(there)} too"
        already = await conn.execute(select(exists().where(and_(  # once per pair: later replies would repeat it
            messages.c.conversation_id == here, messages.c.reason == LINKED_NOTE_REASON,
            messages.c.text.contains(said)))))
        if not already.scalar():
            rows.append((here, LINKED_NOTE_REASON, text.format(proof=proof, ticket=format_ticket(there))))
    await _notes(conn, now, landed.connector, rows)


async def merged_into(conn: AsyncConnection, ids: set[int]) -> dict[int, int]:
    """For merged-away conversation ids among `ids`: the conversation they finally went into."""
    out: dict[int, int] = {}
    if not ids:
        return out
    cm = conversation_merges.c
    edges = dict((await conn.execute(select(cm.merged_id, cm.kept_id).where(cm.merged_id.in_(sorted(ids))))).all())
    for start, target in edges.items():
        seen = {start}
        while True:  # a kept conversation may itself have been merged later
            nxt = (await conn.execute(select(cm.kept_id).where(cm.merged_id == target))).scalar()
            if nxt is None or nxt in seen:
                break
            seen.add(target)
            target = nxt
        out[start] = target
    return out


def merged_ids_subquery():  # noqa: ANN201 - an SQLAlchemy scalar subquery
    return select(conversation_merges.c.merged_id).scalar_subquery()


async def _notes(conn: AsyncConnection, now: datetime, connector: str, rows: list[tuple[int, str, str]]) -> None:
    if not rows:
        return
    await conn.execute(messages.insert(), [{
        "conversation_id": cid, "connector": connector, "direction": Direction.NOTE.value,
        "visibility": Visibility.PRIVATE.value, "agent_id": None, "text": text,
        "status": DeliveryStatus.SENT.value, "attachments": [], "findings": [], "flags": [], "reason": reason,
        "created_at": now,
    } for cid, reason, text in rows])
