"""Tables. Core, not ORM: the pipeline writes in batches and reads with plain selects.

`(connector, provider_id)` on messages is unique, so every ingest is idempotent; `thread_links` maps every known
thread key of a connector (chat id, email Message-IDs, provider ids of replies) to its conversation.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.sql.expression import false, true
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both backends (SQLite keeps no zone: we store UTC and attach it on the way out)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use inbox.domain.utcnow() or an aware value")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _ts(name: str, **kw) -> Column:
    return Column(name, UTCDateTime(), **kw)


# BigInteger ids on PostgreSQL, INTEGER PRIMARY KEY (rowid alias) on SQLite.
_Id = BigInteger().with_variant(Integer(), "sqlite")

teams = Table(
    "teams",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)

agents = Table(
    "agents",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # admin | agent
    Column("password_hash", String(200), nullable=False),
    Column("team_id", _Id, ForeignKey("teams.id"), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("available", Boolean, nullable=False, default=True),  # round-robin assignment skips unavailable agents
    _ts("created_at", nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the bearer token; the token itself is never stored
    Column("agent_id", _Id, ForeignKey("agents.id"), nullable=False),
    _ts("created_at", nullable=False),
    _ts("expires_at", nullable=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("name", String(200)),
    Column("language", String(10)),
    Column("attributes", JSON, nullable=False, default=dict),
    Column("unreachable", Boolean, nullable=False, default=False),
    _ts("created_at", nullable=False),
)

contact_identities = Table(
    "contact_identities",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("contact_id", _Id, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("value", String(320), nullable=False),
    Column("display_name", String(200)),
    Column("handle", String(200)),
    # True when the channel proved the value (an email's sender, a signed app profile); False when an agent typed
    # it. Only verified identities merge contacts automatically.
    Column("verified", Boolean, nullable=False, default=True, server_default=true()),
    UniqueConstraint("kind", "value"),
    Index("ix_contact_identities_value", "value"),  # search by a contact's email / phone / id (migration 0005)
)
Index("ix_contact_identities_handle", func.lower(contact_identities.c.handle))  # an X / Telegram @handle

contact_merges = Table(
    "contact_merges",
    metadata,
    # One row per merge: what moved from the merged-away contact into the kept one, so an unmerge can move it back.
    Column("id", _Id, primary_key=True),
    Column("kept_id", _Id, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("merged_id", _Id, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("identity_ids", JSON, nullable=False, default=list),
    Column("conversation_ids", JSON, nullable=False, default=list),
    Column("merged_name", String(200)),
    Column("actor", String(200), nullable=False),  # "agent:<id>" or "auto:<kind>" for a verified-identity match
    Column("reason", String(200), nullable=False, default=""),
    _ts("merged_at", nullable=False),
    _ts("unmerged_at"),
    Column("unmerged_by", String(200)),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", _Id, primary_key=True),  # the ticket number is id + TICKET_OFFSET
    Column("connector", String(64), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("thread_key", String(500), nullable=False),  # the public/primary thread replies go to
    Column("visibility", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("type", String(30)),
    Column("type_confidence", Float),
    Column("type_reasons", JSON, nullable=False, default=list),
    Column("priority", String(10), nullable=False),
    Column("team_id", _Id, ForeignKey("teams.id")),
    Column("assignee_id", _Id, ForeignKey("agents.id")),
    Column("contact_id", _Id, ForeignKey("contacts.id"), nullable=False),
    Column("subject", String(500)),
    Column("language", String(10)),
    Column("message_count", Integer, nullable=False, default=0),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    _ts("last_message_at", nullable=False),
    _ts("snoozed_until"),
    _ts("resolved_at"),
    Column("preview", String(300)),
    Index("ix_conversations_status_last", "status", "last_message_at"),
    Index("ix_conversations_contact", "contact_id", "connector"),
    # One per list filter the UI offers, with the list order behind it (migration 0005).
    Index("ix_conversations_assignee_status_last", "assignee_id", "status", "last_message_at"),
    Index("ix_conversations_team_status_last", "team_id", "status", "last_message_at"),
    Index("ix_conversations_type_status_last", "type", "status", "last_message_at"),
    Index("ix_conversations_channel_status_last", "channel", "status", "last_message_at"),
    Index("ix_conversations_visibility_status_last", "visibility", "status", "last_message_at"),
    Index("ix_conversations_last", "last_message_at", "id"),
    Index("ix_conversations_updated_at", "updated_at"),  # the SLA tracker reads what changed (migration 0007)
)

# Open/pending/... conversations per (team, assignee, status), kept by database triggers on `conversations` (migration
# 0005) in the same transaction as every write, so the sidebar counts never count the table. 0 = no team / nobody.
conversation_counts = Table(
    "conversation_counts",
    metadata,
    Column("team_key", BigInteger, primary_key=True),
    Column("assignee_key", BigInteger, primary_key=True),
    Column("status", String(10), primary_key=True),
    Column("n", BigInteger, nullable=False),
)
# The message search index (SQLite FTS5 `message_fts`, PostgreSQL `message_search`) is created by migration 0005
# and written by inbox.store.search; it has no Table here (a virtual table is not something metadata can describe).

conversation_tags = Table(
    "conversation_tags",
    metadata,
    Column("conversation_id", _Id, ForeignKey("conversations.id"), primary_key=True),
    Column("tag", String(100), primary_key=True),
    Index("ix_conversation_tags_tag", "tag"),
)

thread_links = Table(
    "thread_links",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("thread_key", String(500), primary_key=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False, index=True),
)

messages = Table(
    "messages",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False),
    Column("connector", String(64), nullable=False),
    Column("provider_id", String(500)),  # NULL for notes and for outbound rows not yet sent
    Column("thread_key", String(500)),
    Column("direction", String(10), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("sender_identity_id", _Id, ForeignKey("contact_identities.id")),
    Column("agent_id", _Id, ForeignKey("agents.id")),
    Column("text", Text, nullable=False),
    Column("html", Text),
    Column("subject", String(500)),
    Column("status", String(10), nullable=False),
    Column("error", Text),
    Column("attachments", JSON, nullable=False, default=list),
    Column("findings", JSON, nullable=False, default=list),
    Column("flags", JSON, nullable=False, default=list),
    Column("raw", Text),
    Column("reply_to_provider_id", String(500)),
    Column("reason", String(100)),  # why the inbox sent it by itself ("guard:...", "rule:...")
    Column("idempotency_key", String(100), unique=True),  # outbound: the outbox row's key (one send per message)
    _ts("created_at", nullable=False),
    _ts("sent_at"),
    _ts("edited_at"),
    UniqueConstraint("connector", "provider_id"),
    Index("ix_messages_conversation", "conversation_id", "id"),
)

message_edits = Table(
    "message_edits",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("provider_id", String(500), primary_key=True),  # the edit event's own id: an edit is applied once
    Column("message_id", _Id, ForeignKey("messages.id"), nullable=False, index=True),
    Column("previous_text", Text, nullable=False),
    _ts("edited_at", nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("kind", String(10), nullable=False),  # send | hide
    Column("message_id", _Id, ForeignKey("messages.id"), unique=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False),
    Column("connector", String(64), nullable=False),
    Column("idempotency_key", String(100), nullable=False, unique=True),
    Column("route", String(10), nullable=False),  # public | private
    Column("private_link_fallback", Boolean, nullable=False, default=False),
    Column("target_provider_id", String(500)),  # hide: the message to hide
    # A public-thread notice posted after this private send succeeds (or, refused, a notice with a private link).
    Column("notice", Text),
    Column("state", String(10), nullable=False),  # queued | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    _ts("next_attempt_at", nullable=False),
    Column("last_error", Text),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    # Several processes (inbox.cluster.claims): who is sending this row, and until when that claim holds.
    Column("claimed_by", String(200)),
    _ts("lease_until"),
    Index("ix_outbox_state_next", "state", "next_attempt_at"),
)

# A link to a private channel posted in a public thread (inbox.private_links). The token is a credential: only its
# SHA-256 is kept. It binds once, to the identity it was issued for (the public post's author) or, with no such
# identity (in-app chat link), to its first claimer; it cannot bind after `expires_at`.
private_links = Table(
    "private_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False),
    Column("for_kind", String(20)),
    Column("for_value", String(320)),
    Column("bound_kind", String(20)),
    Column("bound_value", String(320)),
    _ts("created_at", nullable=False),
    _ts("expires_at", nullable=False),
    _ts("bound_at"),
)

connector_state = Table(
    "connector_state",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

connector_configs = Table(
    "connector_configs",
    metadata,
    # Connectors added in the admin UI; the config file's connectors are not copied here.
    Column("name", String(64), primary_key=True),
    Column("config", JSON, nullable=False),
    _ts("updated_at", nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", _Id, primary_key=True),
    _ts("at", nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("conversation_id", _Id, ForeignKey("conversations.id")),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_audit_conversation", "conversation_id"),
)

blobs = Table(
    "blobs",
    metadata,
    # Attachment bodies over the inline limit, stored once by content hash.
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

canned_replies = Table(
    "canned_replies",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("shortcut", String(50), nullable=False, unique=True),  # typed as /shortcut in the reply box
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(10)),
    Column("created_by", _Id, ForeignKey("agents.id")),
    _ts("created_at", nullable=False),
)

conversation_merges = Table(
    "conversation_merges",
    metadata,
    # The journal of conversations joined because a message proved they are one thread (email threading in any
    # arrival order): which ticket went into which, and the message id or thread key that proved it.
    Column("id", _Id, primary_key=True),
    Column("kept_id", _Id, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("merged_id", _Id, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("connector", String(64), nullable=False),
    Column("proof", String(500), nullable=False),
    Column("message_count", Integer, nullable=False, default=0),
    Column("actor", String(200), nullable=False),
    _ts("merged_at", nullable=False),
)

# --- service levels (inbox.sla; migration 0007) ---------------------------------------------------------------

# One row per conversation with a policy: its clocks as last worked out (inbox.sla.tracker), for the list's filter
# and sort, the timers (`next_alert_at`) and reports. `pauses` are [start, end|null] ISO pairs (pending, snoozed,
# resolved); `fired` the alert keys already sent, so each fires once even across restarts and processes.
conversation_sla = Table(
    "conversation_sla",
    metadata,
    Column("conversation_id", _Id, ForeignKey("conversations.id"), primary_key=True),
    Column("policy", String(100)),
    Column("state", String(10), nullable=False),  # none | on_track | at_risk | breached | paused | met
    _ts("first_response_due"),
    _ts("first_response_at"),
    _ts("next_response_due"),
    _ts("resolution_due"),
    _ts("next_due"),
    Column("first_response_minutes", Float),  # business minutes, pauses excluded
    Column("resolution_minutes", Float),
    Column("first_response_breached", Boolean, nullable=False, default=False),
    Column("resolution_breached", Boolean, nullable=False, default=False),
    Column("next_response_breaches", Integer, nullable=False, default=0),
    Column("pauses", JSON, nullable=False, default=list),
    Column("last_status", String(10)),
    _ts("next_alert_at"),
    Column("fired", JSON, nullable=False, default=list),
    _ts("seen_updated_at"),  # the conversation's updated_at when last read: it differs once the row changes again
    _ts("updated_at", nullable=False),
    Index("ix_conversation_sla_next_alert_at", "next_alert_at"),
    Index("ix_conversation_sla_state_next_due", "state", "next_due"),
)

sla_settings = Table(
    "sla_settings",
    metadata,
    Column("key", String(50), primary_key=True),  # "policies": the admin's policy set (overrides the config file)
    Column("value", JSON, nullable=False),
    _ts("updated_at", nullable=False),
)

# How far the tracker has read: the last message id and conversation change it has seen.
sla_cursor = Table(
    "sla_cursor",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("message_id", BigInteger, nullable=False, default=0),
    _ts("changed_at"),
)

# A request for a rating sent to a customer: the token in its link is a credential, only its SHA-256 is kept.
rating_requests = Table(
    "rating_requests",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("channel", String(20), nullable=False),
    _ts("created_at", nullable=False),
    _ts("expires_at", nullable=False),
    _ts("used_at"),
)

satisfaction_ratings = Table(
    "satisfaction_ratings",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("request_id", _Id, ForeignKey("rating_requests.id"), unique=True),
    Column("score", Integer, nullable=False),  # 1..5
    Column("comment", Text),
    Column("channel", String(20), nullable=False),
    Column("type", String(30)),
    Column("team_id", _Id, ForeignKey("teams.id")),
    Column("agent_id", _Id, ForeignKey("agents.id")),
    _ts("created_at", nullable=False),
    Index("ix_satisfaction_ratings_created", "created_at"),
)

follow_ups = Table(
    "follow_ups",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False, index=True),
    _ts("due_at", nullable=False),
    Column("note", String(500), nullable=False, default=""),
    Column("created_by", _Id, ForeignKey("agents.id")),
    _ts("created_at", nullable=False),
    _ts("done_at"),
    Index("ix_follow_ups_open_due", "done_at", "due_at"),
)

# Report rollups, kept current by the tracker as it reads new messages and clocks: a report sums a few thousand of
# these rows instead of scanning messages. One row set per dimension (channel, type, team; "all" for totals), not
# their cross product, so a report over a year reads at most days × values rows. `value` "" stands for none.
report_volume = Table(
    "report_volume",
    metadata,
    # Key order = how reports search: one dimension, a range of days.
    Column("dimension", String(10), primary_key=True),  # channel | type | team
    Column("day", String(10), primary_key=True),  # UTC date, ISO
    Column("value", String(100), primary_key=True),  # the channel, the type, or the team id
    Column("direction", String(10), primary_key=True),
    Column("count", BigInteger, nullable=False, default=0),
)

# Messages per UTC hour: read in any time zone's hours and days (whole-hour offsets exactly).
report_hourly = Table(
    "report_hourly",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("direction", String(10), primary_key=True),
    Column("count", BigInteger, nullable=False, default=0),
)

report_times = Table(
    "report_times",
    metadata,
    Column("metric", String(20), primary_key=True),  # first_response | resolution
    Column("dimension", String(10), primary_key=True),  # all | channel | type | team
    Column("day", String(10), primary_key=True),  # UTC date the clock was met
    Column("value", String(100), primary_key=True),
    Column("bucket", Integer, primary_key=True),  # business minutes, bucketed (inbox.sla.rollup.bucket)
    Column("count", BigInteger, nullable=False, default=0),
    Column("breached", BigInteger, nullable=False, default=0),
)
# Accounts seen impersonating us (routing.impersonation), one row per platform account, with the latest evidence.
impersonators = Table(
    "impersonators",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("platform", String(20), nullable=False),  # x | telegram
    Column("account_id", String(64), nullable=False),  # the platform's user id
    Column("handle", String(100)),
    Column("display_name", String(200)),
    Column("score", Float, nullable=False),
    Column("signals", JSON, nullable=False),  # [{"name", "weight", "detail"}] of the latest sighting
    Column("excerpt", Text),  # what it said last (as stored: secrets masked)
    Column("conversation_id", _Id, ForeignKey("conversations.id")),  # where it was seen last
    Column("provider_id", String(500)),
    Column("times_seen", Integer, nullable=False, default=1),
    Column("status", String(20), nullable=False, default="open"),  # open | reported | dismissed
    _ts("first_seen", nullable=False),
    _ts("last_seen", nullable=False),
    UniqueConstraint("platform", "account_id"),
)

# The official registry as an admin last saved it (one row, id 1): wins over the config file's
# `impersonation.registry` (routing.impersonation.holder), shared by every server process.
official_registry = Table(
    "official_registry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("data", JSON, nullable=False),
    Column("updated_by", _Id, ForeignKey("agents.id")),
    _ts("updated_at", nullable=False),
)

# Issue-type corrections agents made (one per conversation, the latest): the masked text the classifier read and
# the type the agent chose. `inbox classify retrain` folds them into the deployment's model (migration 0011).
classifier_corrections = Table(
    "classifier_corrections",
    metadata,
    Column("id", _Id, primary_key=True),
    Column("conversation_id", _Id, ForeignKey("conversations.id"), nullable=False, unique=True),
    Column("text", Text, nullable=False),  # every sensitive span masked, whatever its tier
    Column("language", String(10)),
    Column("from_type", String(30)),
    Column("to_type", String(30), nullable=False),
    Column("agent_id", _Id, ForeignKey("agents.id")),
    _ts("created_at", nullable=False),
)

# Retrained models: which corrections trained it, which were held out to measure it, the before/after report.
# The model itself is rebuilt from these (deterministic) and cached on disk; at most one row is active.
classifier_versions = Table(
    "classifier_versions",
    metadata,
    Column("id", _Id, primary_key=True),
    _ts("created_at", nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("correction_ids", JSON, nullable=False),
    Column("heldout_ids", JSON, nullable=False),
    Column("report", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=False, server_default=false()),
    _ts("rolled_back_at"),
)
