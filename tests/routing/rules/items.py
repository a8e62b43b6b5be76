"""Build pipeline items the way the pipeline hands them to the rules stage."""
from __future__ import annotations

from datetime import datetime, timezone

from inbox.domain import (Channel, ContactIdentity, ConversationStatus, IdentityKind, InboundMessage, Priority,
                          Visibility)
from inbox.pipeline.stages import Classification, ConversationView, Finding, PipelineItem

# A Tuesday, 10:00 in Shanghai (inside Mon-Fri 09:00-18:00 there) and 22:00 the same day (outside).
TUESDAY_OPEN = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
TUESDAY_NIGHT = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)


def make_item(text: str = "hello", *, type: str | None = "other", confidence: float = 0.95,
              channel: Channel = Channel.WEBCHAT, visibility: Visibility = Visibility.PRIVATE,
              connector: str = "app-chat", is_first: bool = True, language: str | None = "en",
              flags: frozenset[str] = frozenset(), findings: list[Finding] | None = None,
              conversation_type: str | None = None, tags: frozenset[str] = frozenset(),
              priority: Priority = Priority.NORMAL, status: ConversationStatus = ConversationStatus.OPEN,
              ticket: str | None = None, contact_attributes: dict[str, str] | None = None,
              subject: str | None = None) -> PipelineItem:
    message = InboundMessage(
        connector=connector, channel=channel, provider_id="p1", thread_key="t1", visibility=visibility,
        sender=ContactIdentity(IdentityKind.APP, "u1"), text=text, sent_at=TUESDAY_OPEN, subject=subject, flags=flags)
    conversation = ConversationView(
        id=None if is_first else 7, ticket=ticket, connector=connector, channel=channel.value, visibility=visibility,
        status=status, type=conversation_type, tags=tags, priority=priority, team=None, assignee=None,
        is_new=is_first, contact_id=1, contact_attributes=dict(contact_attributes or {}))
    classification = Classification(type, confidence, ("test",)) if type is not None else None
    item = PipelineItem(message=message, text=text, raw=None, conversation=conversation, is_first=is_first,
                        findings=list(findings or []), classification=classification, language=language,
                        subject=subject)
    if classification is not None and (is_first or conversation_type is None):
        item.effects.type = classification  # what the classify stage does before the rules stage
    return item
