"""What pipeline stages see and what they may ask for.

A stage (sensitive-data detection, classification, rules) reads `PipelineItem`s and records `Effects`; it never
touches the database. The pipeline applies the effects when it persists the batch, in the same transaction, so a
stage stays a pure, fast function of its input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Protocol, Sequence

from inbox.domain import Attachment, ConversationStatus, InboundMessage, Priority, Visibility


@dataclass(frozen=True, slots=True)
class Finding:
    """One sensitive span: `start`/`end` are Python string indices into the original text."""

    kind: str  # seed_phrase, private_key, password, otp, card_number, cn_id, iban, phone, email, wallet_address, tx_hash
    start: int
    end: int
    tier: str  # secret | personal | linkable


@dataclass(frozen=True, slots=True)
class Classification:
    type: str
    confidence: float
    reasons: tuple[str, ...] = ()
    # Secondary signals and the triage flag (routing.classifier.signals, "needs_triage"): become conversation tags
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str  # "rule:<name>", "guard", "agent:<id>"
    action: str  # "tag", "assign", "escalate", "redirect_private", ...
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AutoReply:
    """A reply the inbox sends by itself; it goes through the outbox like an agent's reply."""

    text: str
    visibility: Visibility  # PRIVATE on a public conversation means: by the platform's private path
    reason: str  # who asked for it: "guard:secret_warning", "rule:<name>"
    private_link_fallback: bool = False  # when the private path is refused, post a notice with a private link
    in_reply_to: str | None = None  # public: answer this post (provider id), not simply the latest in the thread


@dataclass(frozen=True, slots=True)
class WebhookCall:
    url: str
    rule: str


@dataclass(frozen=True, slots=True)
class StoredMask:
    """Mask part of a message stored by an earlier batch (the first half of a seed phrase split across two
    messages): `fragment` in its text becomes `label`; its raw copy and HTML are dropped; `hide` its public post."""

    connector: str
    provider_id: str
    fragment: str
    label: str
    hide: bool = False


@dataclass(slots=True)
class Effects:
    add_tags: set[str] = field(default_factory=set)
    remove_tags: set[str] = field(default_factory=set)
    priority: Priority | None = None  # the highest asked for wins
    type: Classification | None = None
    team: str | None = None
    assignee: str | None = None  # agent email; "round_robin" picks among the team's available agents
    status: ConversationStatus | None = None
    snooze_until: datetime | None = None
    replies: list[AutoReply] = field(default_factory=list)
    hide_public: bool = False  # delete/hide the customer's public post where the platform allows
    webhooks: list[WebhookCall] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    mask_stored: list[StoredMask] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (reason, text): system notes for the agents
    restrict_sender: bool = False  # take the sender's right to post in this public chat (where we moderate)
    reports: list[dict[str, object]] = field(default_factory=list)  # accounts to list as impersonators

    def raise_priority(self, priority: Priority) -> None:
        if self.priority is None or priority.rank > self.priority.rank:
            self.priority = priority


@dataclass(slots=True)
class ConversationView:
    """The conversation as it stands before this message (a new one has `is_new`)."""

    id: int | None
    ticket: str | None
    connector: str
    channel: str
    visibility: Visibility
    status: ConversationStatus
    type: str | None
    tags: frozenset[str]
    priority: Priority
    team: str | None
    assignee: str | None
    is_new: bool
    contact_id: int | None
    contact_language: str | None = None
    contact_attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Prepared:
    """What stages would work out from a message's own text, done ahead (in another process, while the writer is
    busy with the batch before). A stage uses a part only if the text it would read is the text analysed."""

    text: str  # the message text as received: the guard's findings are offsets into it
    findings: tuple[Finding, ...]  # every kind the detector knows: the guard's policy filters
    classify_text: str  # subject + text, as the classify stage reads it when the guard changed nothing
    classification: Classification
    language: str


@dataclass(slots=True)
class PipelineItem:
    message: InboundMessage
    text: str  # what will be stored: stages replace secret spans with masks here
    raw: str | None
    conversation: ConversationView
    is_first: bool  # the first message of its conversation (new or reopened)
    findings: list[Finding] = field(default_factory=list)
    classification: Classification | None = None
    language: str | None = None  # "zh" / "en", detected if the connector did not say
    effects: Effects = field(default_factory=Effects)
    subject: str | None = None  # stored as given here: the guard masks secrets in it
    html: str | None = None  # stored as given here: the guard drops it when the message had a secret
    # stored as given here (None: the message's own): the guard drops the bytes of a text attachment with a secret
    attachments: tuple[Attachment, ...] | None = None
    prepared: Prepared | None = None  # analysis done ahead, if any (see Prepared)
    sender_contact_id: int | None = None  # the sender's contact (the conversation's `contact_id`: its customer)
    image_scans: dict[int, Any] | None = None  # attachment index -> its OCR/QR scan (inbox.pipeline.images)


class Preparer(Protocol):
    """Analysis done ahead of the writer (see Prepared); None from either method: the stages do it themselves."""

    def submit(self, messages: Sequence[InboundMessage]) -> Awaitable[list[Prepared]] | None: ...

    async def result(self, pending: Awaitable[list[Prepared]] | None) -> list[Prepared] | None: ...


class Stage(Protocol):
    name: str

    def process(self, items: Sequence[PipelineItem]) -> None:
        """Read items, update their text/findings/classification and record effects. Pure CPU work."""
        ...
