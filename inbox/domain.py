"""Typed values that cross layer boundaries: connector <-> pipeline <-> store <-> API.

Everything here is a frozen dataclass or an enum, so a message handed from one layer to the next cannot be
changed under the sender's feet and carries no untyped dict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"
    TWITTER = "twitter"
    WEBCHAT = "webchat"

    @property
    def quotes_messages(self) -> bool:
        """A customer can point at an earlier message by its provider id (email References, a Telegram or X reply),
        so every message id needs a thread link. In-app chat threads by user only."""
        return self is not Channel.WEBCHAT


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"


class ConversationStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    RECEIVED = "received"  # inbound messages
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class IdentityKind(StrEnum):
    """Which namespace a contact identity value lives in."""

    EMAIL = "email"  # an email address, lower-cased
    TELEGRAM = "telegram"  # a Telegram user id
    TWITTER = "twitter"  # an X user id
    APP = "app"  # the wallet app's user id (signed by the app backend)
    VISITOR = "visitor"  # an anonymous in-app chat visitor token id
    PHONE = "phone"  # E.164; typed by an agent, or vouched for by a signed app profile


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class ContactIdentity:
    kind: IdentityKind
    value: str
    display_name: str | None = None
    handle: str | None = None  # @username / screen name where the channel has one


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    size: int
    provider_ref: str | None = None  # e.g. Telegram file_id, X media key: fetched on demand
    content: bytes | None = field(default=None, repr=False)  # bytes the connector already has (email parts)
    findings: tuple[str, ...] = ()  # kinds of sensitive data the guard found in it (OCR, QR, text files)
    note: str | None = None  # why its content was changed or is missing (redacted, too large), shown to agents


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A customer's message, normalized by its connector.

    `(connector, provider_id)` is unique: ingesting the same message twice stores it once.
    `thread_key` is the connector's idea of the thread (chat id, DM conversation id, email root id);
    `thread_hints` are further keys that may already name an existing thread (email References).
    """

    connector: str
    channel: Channel
    provider_id: str
    thread_key: str
    visibility: Visibility
    sender: ContactIdentity
    text: str
    sent_at: datetime
    subject: str | None = None
    html: str | None = None  # already sanitized by the connector
    attachments: tuple[Attachment, ...] = ()
    reply_to_provider_id: str | None = None
    thread_hints: tuple[str, ...] = ()
    ticket_hint: int | None = None  # a ticket number the customer quoted (e.g. "[#10234]" in a subject)
    link_token: str | None = None  # a private-link token (Telegram /start <token>) joining an existing ticket
    edit_of: str | None = None  # provider id of the message this edits; the stored text is replaced, history kept
    flags: frozenset[str] = frozenset()  # e.g. {"auto_reply", "bounce", "list"}: never answered automatically
    raw: str | None = field(default=None, repr=False)  # provider payload copy (JSON or MIME); masked before storage
    language: str | None = None
    # Further identities the channel vouches for (a signed app profile's email/phone): linked to the sender's
    # contact, and a contact that already has one of them verified is the same person (merged).
    verified_identities: tuple[ContactIdentity, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One reply to send. `idempotency_key` is stable across retries and restarts."""

    idempotency_key: str
    connector: str
    channel: Channel
    thread_key: str
    visibility: Visibility  # PUBLIC: reply in the public thread; PRIVATE: DM / private chat / mail
    recipient: ContactIdentity
    text: str
    ticket: str  # "#10234"
    subject: str | None = None
    in_reply_to: str | None = None  # provider id of the message being answered (quoted in groups, email headers)
    references: tuple[str, ...] = ()  # earlier provider ids in the thread, oldest first (email References)
    message_id: int | None = None  # the inbox's own id of this message (the in-app chat shows it to the customer)
    attachments: tuple[Attachment, ...] = ()  # the agent's files, with their bytes (loaded by the outbox)


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_id: str  # the id the provider gave the sent message (first part when split)
    sent_at: datetime
    extra_provider_ids: tuple[str, ...] = ()  # further parts of a split message
    # Thread keys this send opened (an X DM started from a public thread): linked to the conversation, so the
    # customer's answer there joins the same ticket.
    thread_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Names one stored message to a connector (for hiding/deleting a public post)."""

    connector: str
    provider_id: str
    thread_key: str


def format_ticket(conversation_id: int) -> str:
    return f"#{conversation_id + TICKET_OFFSET}"


def parse_ticket(ticket: str | int) -> int | None:
    """Ticket text or number -> conversation id, or None if it can't be one."""
    try:
        number = int(str(ticket).lstrip("#"))
    except ValueError:
        return None
    return number - TICKET_OFFSET if number > TICKET_OFFSET else None


# Tickets read as 5-digit numbers from the first conversation on; they are ids shifted, so they never collide.
TICKET_OFFSET = 10000
