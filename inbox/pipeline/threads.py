"""Contact resolution and threading for a batch of new inbound messages.

Threading order (strongest first): a quoted ticket number of the same connector, a private-link token, the
connector's thread hints, its thread key; for email, a same-subject conversation of the same contact within a
window (conversations created earlier in the same batch included). Email conversations that one message proves
are one thread are merged, whatever order the mail arrived in (see inbox.pipeline.thread_merge). A resolved
conversation reopens when the customer writes within the reopen window, else a new one starts.

A quoted ticket number is not proof of anything: ticket numbers count up and are printed in every auto-reply. It
joins its ticket only when the sender is that conversation's contact (any identity of that contact) or the message
really replies in the thread (its In-Reply-To/References name a message of that conversation). Otherwise the
message threads as if no number were quoted, and the refusal is reported (`refused_tickets`) so the pipeline can
tag the conversation it lands in and tell the agents, who may merge it deliberately.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import Table, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import (
    Channel,
    ContactIdentity,
    ConversationStatus,
    InboundMessage,
    Priority,
    Visibility,
    format_ticket,
    parse_ticket,
)
from inbox.pipeline.thread_merge import absorb, may_merge, merged_ids_subquery, merged_into, note_unmerged
from inbox.private_links import token_hash
from inbox.store.bulk import insert_returning, select_in, sqlite_page_rows
from inbox.store.ops import chunks, select_by_pairs
from inbox.store.schema import contact_identities, contacts, conversation_tags, conversations, private_links, thread_links


@dataclass(slots=True, eq=False)  # identity: one object per conversation in a batch
class ConversationState:
    """A conversation as the batch changes it; written back once at the end of the batch."""

    id: int | None
    connector: str
    channel: str
    thread_key: str
    visibility: Visibility
    status: ConversationStatus
    type: str | None
    priority: Priority
    team_id: int | None
    assignee_id: int | None
    contact_id: int
    subject: str | None
    language: str | None
    message_count: int
    last_message_at: datetime
    tags: set[str] = field(default_factory=set)
    removed_tags: set[str] = field(default_factory=set)
    preview: str | None = None
    type_confidence: float | None = None
    type_reasons: tuple[str, ...] = ()
    type_set: bool = False  # a stage classified it in this batch: write type, confidence and reasons
    is_new: bool = False
    opened_by_this_batch: bool = False  # new or reopened: its first message here counts as "first"
    changed: bool = False  # status, type, tags, priority, team, assignee...: the full row is written
    touched: bool = False  # only message count / last message time / preview moved

    @property
    def ticket(self) -> str | None:
        return format_ticket(self.id) if self.id is not None else None


_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|回复|回覆|答复|转发|轉寄)\s*[:：]\s*)+", re.IGNORECASE)
_TICKET_TAG = re.compile(r"\s*\[#\d+\]\s*")


def normalize_subject(subject: str | None) -> str | None:
    if not subject:
        return None
    s = _TICKET_TAG.sub(" ", subject)
    s = _SUBJECT_PREFIX.sub("", s).strip().lower()
    return s[:500] or None


async def resolve_contacts(
    conn: AsyncConnection, senders: Sequence[ContactIdentity], now: datetime
) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, value) -> (identity id, contact id); creates what is missing."""
    wanted = {(s.kind.value, s.value): s for s in senders}
    found: dict[tuple[str, str], tuple[int, int]] = {}
    keys = list(wanted)
    ci = contact_identities.c
    for kind, value, ident_id, contact_id in await select_by_pairs(
        conn, (ci.kind, ci.value, ci.id, ci.contact_id), ci.kind, ci.value, keys
    ):
        found[(kind, value)] = (ident_id, contact_id)
    missing = [k for k in keys if k not in found]
    if missing:
        contact_rows = [
            {"name": wanted[k].display_name or wanted[k].handle, "attributes": {}, "unreachable": False,
             "created_at": now}
            for k in missing
        ]
        contact_ids = await _insert_ids(conn, contacts, contact_rows)
        ident_rows = [
            {"contact_id": cid, "kind": k[0], "value": k[1], "display_name": wanted[k].display_name,
             "handle": wanted[k].handle}
            for k, cid in zip(missing, contact_ids)
        ]
        for k, cid, iid in zip(missing, contact_ids, await _insert_ids(conn, contact_identities, ident_rows)):
            found[k] = (iid, cid)
    return found


async def _insert_ids(conn: AsyncConnection, table: Table, rows: list[dict]) -> list[int]:
    """New rows' ids in the order of `rows`.

    SQLite: one multi-row INSERT per page. With a single writer holding the transaction, an INTEGER PRIMARY KEY
    table gives the rows of one INSERT consecutive ids in VALUES order, so the sorted returned ids are that order
    (SQLAlchemy's `sort_by_parameter_order` falls back to one INSERT per row there).
    """
    if conn.dialect.name == "sqlite":
        columns = list(rows[0])
        ids: list[int] = []
        for page in chunks(rows, sqlite_page_rows(len(columns))):
            returned = await insert_returning(conn, table, columns, [[r[c] for c in columns] for r in page], ("id",))
            ids.extend(sorted(i for (i,) in returned))
        return ids
    result = await conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


# What the pipeline needs of a conversation (type_reasons is JSON: decoding it per batch is pure waste).
_STATE_COLUMNS = [conversations.c[name] for name in (
    "id", "connector", "channel", "thread_key", "visibility", "status", "type", "priority", "team_id", "assignee_id",
    "contact_id", "subject", "language", "message_count", "last_message_at", "preview")]


# Text -> enum member by dict lookup: calling the enum is slow, and this runs per conversation per batch.
_VISIBILITY = {m.value: m for m in Visibility}
_STATUS = {m.value: m for m in ConversationStatus}
_PRIORITY = {m.value: m for m in Priority}


def _state_from_row(row: tuple, tags: set[str]) -> ConversationState:
    (id_, connector, channel, thread_key, visibility, status, type_, priority, team_id, assignee_id, contact_id,
     subject, language, message_count, last_message_at, preview) = row
    return ConversationState(
        id=id_, connector=connector, channel=channel, thread_key=thread_key, visibility=_VISIBILITY[visibility],
        status=_STATUS[status], type=type_, priority=_PRIORITY[priority], team_id=team_id,
        assignee_id=assignee_id, contact_id=contact_id, subject=subject, language=language,
        message_count=message_count, last_message_at=last_message_at, tags=tags, preview=preview,
    )


async def load_conversations(conn: AsyncConnection, ids: set[int]) -> dict[int, ConversationState]:
    states: dict[int, ConversationState] = {}
    id_list = sorted(ids)
    ct = conversation_tags.c
    for part in chunks(id_list):
        tag_map: dict[int, set[str]] = {}
        for cid, tag in await select_in(conn, (ct.conversation_id, ct.tag), ct.conversation_id, part):
            tag_map.setdefault(cid, set()).add(tag)
        for row in await select_in(conn, _STATE_COLUMNS, conversations.c.id, part):
            states[row[0]] = _state_from_row(row, tag_map.get(row[0], set()))
    return states


class Threader:
    def __init__(self, reopen_window: timedelta, subject_window: timedelta) -> None:
        self.reopen_window = reopen_window
        self.subject_window = subject_window
        # Links found by the last assign(): the writer skips re-writing those that did not change.
        self.known_links: dict[tuple[str, str], int] = {}
        # Of the last assign(): message index -> the conversation id of a ticket it quoted but may not join.
        self.refused_tickets: dict[int, int] = {}
        self._ticket_alias: dict[int, int] = {}  # merged-away ticket id -> the conversation it went into
        self._merged_into: dict[int, ConversationState] = {}  # id(state) -> state it was merged into, this batch
        # Of the last assign(): stored conversations merged away (written back and announced with the batch).
        self.merged_away: list[ConversationState] = []

    async def assign(
        self,
        conn: AsyncConnection,
        msgs: Sequence[InboundMessage],
        contact_of: Sequence[int],
        now: datetime,
    ) -> list[ConversationState]:
        """The conversation of each message (new ones get ids before returning)."""
        link_keys = {(m.connector, k) for m in msgs for k in (*m.thread_hints, m.thread_key)}
        # a mail's own Message-ID is known already when a reply to it arrived first
        link_keys |= {(m.connector, m.provider_id) for m in msgs if m.channel == Channel.EMAIL}
        tl = thread_links.c
        linked = {
            (c, k): cid
            for c, k, cid in await select_by_pairs(
                conn, (tl.connector, tl.thread_key, tl.conversation_id), tl.connector, tl.thread_key, link_keys
            )
        }
        self.known_links = linked
        # Link tokens reach here only once vetted (inbox.private_links.vet_link_tokens: bound to their sender).
        by_hash = {token_hash(m.link_token): m.link_token for m in msgs if m.link_token}
        token_conv: dict[str, int] = {}
        if by_hash:
            for h, cid in await conn.execute(
                select(private_links.c.token_hash, private_links.c.conversation_id)
                .where(private_links.c.token_hash.in_(sorted(by_hash)))
            ):
                token_conv[by_hash[h]] = cid
        ticket_ids = {t for m in msgs if m.ticket_hint and (t := parse_ticket(m.ticket_hint)) is not None}
        self._ticket_alias = await merged_into(conn, ticket_ids)  # a quoted ticket that was merged away
        ticket_ids = {self._ticket_alias.get(t, t) for t in ticket_ids}
        states = await load_conversations(conn, set(linked.values()) | set(token_conv.values()) | ticket_ids)

        batch_links: dict[tuple[str, str], ConversationState] = {}
        batch_subjects: dict[tuple[str, int, str], ConversationState] = {}
        self._merged_into = {}
        self.merged_away = []
        out: list[ConversationState] = []
        self.refused_tickets = {}
        for index, (m, contact_id) in enumerate(zip(msgs, contact_of)):
            state = self._by_ticket(m, contact_id, states, linked, batch_links, index)
            if state is None:
                state = self._find(m, states, linked, token_conv, batch_links)
            state = self._final(state) if state is not None else None
            if m.channel == Channel.EMAIL:
                state = await self._join_linked(conn, m, state, states, linked, batch_links, now)
            if state is None and m.channel == Channel.EMAIL:
                subject = normalize_subject(m.subject)
                found = batch_subjects.get((m.connector, contact_id, subject)) if subject else None
                if found is not None and found.last_message_at >= now - self.subject_window:
                    state = self._final(found)
                else:
                    state = await self._by_subject(conn, m, contact_id, now, states)
            if state is not None and state.status == ConversationStatus.RESOLVED and not state.opened_by_this_batch:
                if now - state.last_message_at <= self.reopen_window:
                    state.status = ConversationStatus.OPEN
                    state.opened_by_this_batch = True
                    state.changed = True
                else:
                    state = None
            elif state is not None and state.status in (ConversationStatus.PENDING, ConversationStatus.SNOOZED):
                state.status = ConversationStatus.OPEN  # the customer wrote: it needs an agent again
                state.changed = True
            if state is None:
                state = ConversationState(
                    id=None, connector=m.connector, channel=m.channel.value, thread_key=m.thread_key,
                    visibility=m.visibility, status=ConversationStatus.OPEN, type=None, priority=Priority.NORMAL,
                    team_id=None, assignee_id=None, contact_id=contact_id, subject=normalize_subject(m.subject),
                    language=m.language, message_count=0, last_message_at=m.sent_at, is_new=True,
                    opened_by_this_batch=True, changed=True,
                )
            for k in (*m.thread_hints, m.thread_key, m.provider_id):
                batch_links[(m.connector, k)] = state
            if m.channel == Channel.EMAIL and state.subject:
                batch_subjects[(m.connector, state.contact_id, state.subject)] = state
            out.append(state)

        out = [self._final(s) for s in out]  # messages of conversations merged later in the batch follow them
        new_states = [s for s in dict.fromkeys(out) if s.id is None]
        if new_states:
            ids = await _insert_ids(conn, conversations, [_insert_row(s, now) for s in new_states])
            for s, cid in zip(new_states, ids):
                s.id = cid
        return out

    def _final(self, state: ConversationState) -> ConversationState:
        """The conversation `state` was merged into in this batch (itself if it was not)."""
        while id(state) in self._merged_into:
            state = self._merged_into[id(state)]
        return state

    def _usable(self, state: ConversationState, now: datetime) -> bool:
        """Whether a message may still join it: not resolved for longer than the reopen window."""
        return (state.status != ConversationStatus.RESOLVED or state.opened_by_this_batch
                or now - state.last_message_at <= self.reopen_window)

    async def _join_linked(
        self, conn: AsyncConnection, m: InboundMessage, state: ConversationState | None,
        states: dict[int, ConversationState], linked: dict[tuple[str, str], int],
        batch_links: dict[tuple[str, str], ConversationState], now: datetime,
    ) -> ConversationState | None:
        """Every conversation this mail's ids reach (its References, In-Reply-To and own Message-ID): more than
        one means they are one thread, so the younger ones are merged into the oldest (thread_merge decides
        whether it may)."""
        found: list[ConversationState] = [state] if state is not None else []
        for k in (*m.thread_hints, m.thread_key, m.provider_id):
            other = batch_links.get((m.connector, k))
            if other is None:
                cid = linked.get((m.connector, k))
                other = states.get(cid) if cid is not None else None
            if other is not None:
                other = self._final(other)
                if all(other is not s for s in found):
                    found.append(other)
        usable = [s for s in found if self._usable(s, now)]
        if len(usable) < 2:
            return usable[0] if usable else state
        # the oldest stored conversation survives (the ticket number customers saw first); else the first made
        kept = min(usable, key=lambda s: (s.id is None, s.id or 0))
        for other in usable:
            if other is kept:
                continue
            if not await may_merge(conn, kept, other):
                if kept.id is not None and other.id is not None:
                    await note_unmerged(conn, kept, other, m.provider_id, now)
                continue
            if other.id is not None:
                assert kept.id is not None  # stored conversations sort first
                await absorb(conn, kept, other, m.provider_id, now)
                for key, cid in linked.items():
                    if cid == other.id:
                        linked[key] = kept.id
                states[other.id] = kept
                self.merged_away.append(other)
            self._merged_into[id(other)] = kept
        return self._final(state) if state is not None else kept

    def _by_ticket(self, m, contact_id, states, linked, batch_links, index) -> ConversationState | None:  # noqa: ANN001
        """The quoted ticket's conversation, if this sender may join it (see the module's docstring)."""
        if not m.ticket_hint:
            return None
        cid = parse_ticket(m.ticket_hint)
        cid = self._ticket_alias.get(cid, cid) if cid is not None else None
        state = states.get(cid) if cid is not None else None
        if state is None or state.connector != m.connector:
            return None
        if state.contact_id == contact_id or _replies_in(m, state, linked, batch_links):
            return state
        self.refused_tickets[index] = state.id  # type: ignore[assignment] - loaded states have ids
        return None

    def _find(self, m, states, linked, token_conv, batch_links) -> ConversationState | None:  # noqa: ANN001
        if m.link_token and m.link_token in token_conv:
            return states.get(token_conv[m.link_token])
        for k in (*m.thread_hints, m.thread_key):
            if (m.connector, k) in batch_links:
                return batch_links[(m.connector, k)]
            cid = linked.get((m.connector, k))
            if cid is not None and cid in states:
                return states[cid]
        return None

    async def _by_subject(
        self, conn: AsyncConnection, m: InboundMessage, contact_id: int, now: datetime,
        states: dict[int, ConversationState],
    ) -> ConversationState | None:
        subject = normalize_subject(m.subject)
        if not subject:
            return None
        row = (
            await conn.execute(
                select(conversations.c.id).where(
                    and_(
                        conversations.c.contact_id == contact_id,
                        conversations.c.connector == m.connector,
                        conversations.c.subject == subject,
                        conversations.c.last_message_at >= now - self.subject_window,
                        conversations.c.id.not_in(merged_ids_subquery()),
                    )
                ).order_by(conversations.c.id.desc()).limit(1)
            )
        ).first()
        if row is None:
            return None
        if row.id not in states:
            states.update(await load_conversations(conn, {row.id}))
        found = states.get(row.id)
        return self._final(found) if found is not None else None


def _replies_in(m: InboundMessage, state: ConversationState, linked: dict[tuple[str, str], int],
                batch_links: dict[tuple[str, str], ConversationState]) -> bool:
    """Whether the message's In-Reply-To/References name a message of that conversation (a participant of the
    thread: someone in copy answering, a colleague of the customer)."""
    for hint in m.thread_hints:
        key = (m.connector, hint)
        if linked.get(key) == state.id or batch_links.get(key) is state:
            return True
    return False


def _insert_row(s: ConversationState, now: datetime) -> dict:
    return {
        "connector": s.connector, "channel": s.channel, "thread_key": s.thread_key, "visibility": s.visibility.value,
        "status": s.status.value, "priority": s.priority.value, "contact_id": s.contact_id, "subject": s.subject,
        "language": s.language, "message_count": 0, "type_reasons": [], "created_at": now, "updated_at": now,
        "last_message_at": s.last_message_at,
    }
