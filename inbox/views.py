"""JSON shapes of stored rows, shared by the agent API and the events websocket so both say the same thing."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from inbox.attachments.stored import attachment_views
from inbox.domain import format_ticket
from inbox.pipeline.stages import Finding


def iso(value: datetime | None) -> str | None:
    """UTC, "Z": an event built from a connector's timestamp reads the same as the API's read of the stored row."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc and value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


def display_text(text: str, findings: list[dict[str, Any]], reveal: bool) -> str:
    """Personal data is shown masked to agents unless revealed (role-gated and audited by the caller)."""
    if reveal or not findings:
        return text
    try:
        from routing.guard import display_mask
    except ImportError:  # the guard is optional at this layer; without it text is shown as stored
        return text
    return display_mask(text, [Finding(f["kind"], f["start"], f["end"], f["tier"]) for f in findings])


def message_view(row: Any, reveal: bool = False, created_at: str | None = None) -> dict[str, Any]:
    """`created_at`: the row's time already formatted, when the caller has it (the pipeline, per batch)."""
    findings = list(row.findings or [])
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "direction": row.direction,
        "text": display_text(row.text, findings, reveal),
        "html": row.html if not findings else None,
        "subject": row.subject,
        "visibility": row.visibility,
        "status": row.status,
        "error": row.error,
        "connector": row.connector,
        "provider_id": row.provider_id,
        "agent_id": row.agent_id,
        "reason": row.reason,
        "attachments": attachment_views(row.conversation_id, row.id, row.attachments) if row.attachments else [],
        "findings": findings,
        "flags": row.flags or [],
        "created_at": created_at or iso(row.created_at),
        "sent_at": iso(row.sent_at),
        "edited_at": iso(row.edited_at),
    }


def conversation_core(row: Any, tags: list[str]) -> dict[str, Any]:
    """The conversation's own fields (the API adds contact and assignee details)."""
    return {
        "id": row.id,
        "ticket": format_ticket(row.id),
        "channel": row.channel,
        "connector": row.connector,
        "visibility": row.visibility,
        "status": row.status,
        "type": row.type,
        "type_confidence": row.type_confidence,
        "type_reasons": row.type_reasons or [],
        "tags": sorted(tags),
        "priority": row.priority,
        "team_id": row.team_id,
        "assignee_id": row.assignee_id,
        "contact_id": row.contact_id,
        "subject": row.subject,
        "language": row.language,
        "message_count": row.message_count,
        "preview": row.preview,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "last_message_at": iso(row.last_message_at),
        "snoozed_until": iso(row.snoozed_until),
    }
