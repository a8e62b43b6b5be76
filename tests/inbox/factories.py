"""Inbound messages for tests, built the way a connector would."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from inbox.domain import Channel, ContactIdentity, IdentityKind, InboundMessage, Visibility

_seq = itertools.count(1)
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def chat(
    text: str = "hello",
    user: str = "u1",
    *,
    provider_id: str | None = None,
    connector: str = "app-chat",
    thread_key: str | None = None,
    visibility: Visibility = Visibility.PRIVATE,
    at: datetime | None = None,
    **extra,
) -> InboundMessage:
    n = next(_seq)
    return InboundMessage(
        connector=connector,
        channel=extra.pop("channel", Channel.WEBCHAT),
        provider_id=provider_id or f"{user}:{n}",
        thread_key=thread_key or f"user:{user}",
        visibility=visibility,
        sender=ContactIdentity(extra.pop("kind", IdentityKind.APP), user, display_name=f"User {user}"),
        text=text,
        sent_at=at or T0 + timedelta(seconds=n),
        **extra,
    )
