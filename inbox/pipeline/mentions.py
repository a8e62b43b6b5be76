"""A message that quotes a ticket it may not join (see threads.Threader): tag where it landed and tell the agents.

The tag makes such conversations findable (`?tag=mentions-ticket`); the note, a system note in the thread, says
which ticket was quoted and why the message was kept apart, so an agent can merge it deliberately.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import DeliveryStatus, Direction, Visibility, format_ticket
from inbox.pipeline.stages import AuditEntry, PipelineItem
from inbox.pipeline.threads import ConversationState
from inbox.store.schema import messages

MENTIONS_TICKET_TAG = "mentions-ticket"
NOTE_REASON = "system:mentions_ticket"


def note_text(ticket: str, language: str | None) -> str:
    if language and language.lower().startswith("zh"):
        return (f"此邮件引用了工单 {ticket}，但发件人不是该工单的客户，也不是该邮件线程中的回复，因此单独建立了会话。"
                f"如确属同一问题，请手动合并到 {ticket}。")
    return (f"This message quotes ticket {ticket}, but its sender is not that ticket's customer and it is not a reply "
            f"in that ticket's thread, so it was kept apart. Merge it into {ticket} yourself if it belongs there.")


def mark_refused(items: Sequence[PipelineItem], refused: dict[int, int]) -> None:
    """Before the stages run: the tag and an audit entry, so rules already see the tag in the effects."""
    for index, conversation_id in refused.items():
        effects = items[index].effects
        effects.add_tags.add(MENTIONS_TICKET_TAG)
        effects.audit.append(AuditEntry("pipeline", "ticket_hint_refused",
                                        f"quoted {format_ticket(conversation_id)}; sender is not its contact"))


async def write_notes(
    conn: AsyncConnection, items: Sequence[PipelineItem], states: Sequence[ConversationState],
    refused: dict[int, int], now: datetime,
) -> list[int]:
    """One system note per refused message, written after the inbound rows so the thread reads in order."""
    rows = []
    for index, conversation_id in sorted(refused.items()):
        item, state = items[index], states[index]
        rows.append({
            "conversation_id": state.id, "connector": item.message.connector, "direction": Direction.NOTE.value,
            "visibility": Visibility.PRIVATE.value, "agent_id": None,
            "text": note_text(format_ticket(conversation_id), item.language or state.language),
            "status": DeliveryStatus.SENT.value, "attachments": [], "findings": [], "flags": [],
            "reason": NOTE_REASON, "created_at": now,
        })
    if not rows:
        return []
    result = await conn.execute(messages.insert().returning(messages.c.id), rows)
    return [r[0] for r in result]
