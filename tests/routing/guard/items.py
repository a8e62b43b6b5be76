"""Pipeline items as the pipeline hands them to the sensitive stage."""
from __future__ import annotations

from datetime import UTC, datetime

from inbox.domain import (
    Channel,
    ContactIdentity,
    ConversationStatus,
    IdentityKind,
    InboundMessage,
    Priority,
    Visibility,
)
from inbox.pipeline.stages import ConversationView, PipelineItem


def make_item(text: str, *, visibility: Visibility = Visibility.PUBLIC, channel: Channel = Channel.TWITTER,
              raw: str | None = None, language: str | None = None, flags: frozenset[str] = frozenset(),
              tags: frozenset[str] = frozenset()) -> PipelineItem:
    message = InboundMessage(
        connector="x-support", channel=channel, provider_id="m1", thread_key="t1", visibility=visibility,
        sender=ContactIdentity(IdentityKind.TWITTER, "42"), text=text,
        sent_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC), flags=flags, raw=raw, language=language)
    conversation = ConversationView(
        id=None, ticket=None, connector="x-support", channel=channel.value, visibility=visibility,
        status=ConversationStatus.OPEN, type=None, tags=tags, priority=Priority.NORMAL, team=None, assignee=None,
        is_new=True, contact_id=1)
    return PipelineItem(message=message, text=text, raw=raw, conversation=conversation, is_first=True,
                        language=language)
