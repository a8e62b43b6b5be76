"""The inbound pipeline: dedupe → contact → thread → stages (sensitive, classify, rules) → persist → events.

Deliveries are group-committed: concurrent `ingest` calls queue up and a single writer takes everything waiting
(up to `batch_size` messages) into one transaction, so single chat messages under load still get batch speed and
SQLite never sees two writers.
"""
from __future__ import annotations

import asyncio
import logging
from collections import namedtuple
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inbox.cluster.thread_locks import lock_threads
from inbox.config import InboxSettings
from inbox.contacts import link_verified
from inbox.domain import InboundMessage, utcnow
from inbox.events import Event, EventBus
from inbox.attachments.blobs import BlobStore
from inbox.pipeline.effects import AppliedEffects, apply_effects, write_effects
from inbox.pipeline.images import ImageScanner, pending_scans
from inbox.pipeline.mentions import mark_refused, write_notes
from inbox.pipeline.persist import PersistedBatch, persist_batch
from inbox.pipeline.stages import ConversationView, PipelineItem, Prepared, Preparer, Stage, WebhookCall
from inbox.pipeline.threads import ConversationState, Threader, load_conversations, resolve_contacts
from inbox.private_links import vet_link_tokens
from inbox.store.bulk import select_in
from inbox.store.hygiene import AnalyzeSchedule
from inbox.store.ops import chunks, select_by_pairs, upsert
from inbox.store.schema import connector_state, conversations, message_edits, messages, outbox

log = logging.getLogger(__name__)

WebhookSender = Callable[[WebhookCall, int], Awaitable[None]]


@dataclass(slots=True)
class _Request:
    messages: list[InboundMessage]
    checkpoint: tuple[str, dict[str, str]] | None
    prepared: Awaitable[list[Prepared]] | None = None  # analysis under way in the preparer, if any
    images: Awaitable[list[dict[int, Any]]] | None = None  # image scans under way (inbox.pipeline.images)
    future: asyncio.Future[list[int | None]] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Pipeline:
    def __init__(
        self,
        engine: AsyncEngine,
        events: EventBus,
        stages: Sequence[Stage] = (),
        settings: InboxSettings | None = None,
        on_outbox: Callable[[], None] | None = None,
        send_webhook: WebhookSender | None = None,
        preparer: Preparer | None = None,
        blob_store: BlobStore | None = None,
        image_scanner: ImageScanner | None = None,
    ) -> None:
        self.engine = engine
        self._analyze = AnalyzeSchedule()
        self.events = events
        self.stages = list(stages)
        self.settings = settings or InboxSettings()
        self.on_outbox = on_outbox
        self.send_webhook = send_webhook
        self.preparer = preparer
        self.blob_store = blob_store  # attachment bodies; None: the database's `blobs` table
        self.image_scanner = image_scanner  # OCR and QR on customer images, in a worker process
        self.threader = Threader(
            timedelta(hours=self.settings.reopen_window_hours), timedelta(days=self.settings.subject_match_days)
        )
        self._queue: asyncio.Queue[_Request] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    # ---- public ---------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="pipeline-writer")

    async def stop(self) -> None:
        """Finish what is queued, then stop: an acked message is always written."""
        if self._worker is None:
            return
        await self._queue.join()
        self._worker.cancel()
        try:
            await self._worker
        except asyncio.CancelledError:
            pass
        self._worker = None

    async def ingest(
        self, batch: Sequence[InboundMessage], checkpoint: tuple[str, dict[str, str]] | None = None
    ) -> list[int | None]:
        """Store a batch (and a connector checkpoint) atomically; returns the message id per input."""
        msgs = [_clean(m) for m in batch]
        # Analysis starts now, so it runs while the writer is still storing the deliveries queued before this one.
        request = _Request(msgs, checkpoint, self.preparer.submit(msgs) if self.preparer and self.stages else None,
                           pending_scans(self.image_scanner, msgs) if self.stages else None)
        if self._worker is None:
            await self._write([request])
        else:
            self._queue.put_nowait(request)
        return await request.future

    # ---- writer ---------------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            requests, size = [first], len(first.messages)
            while size < self.settings.batch_size and not self._queue.empty():
                nxt = self._queue.get_nowait()
                requests.append(nxt)
                size += len(nxt.messages)
            try:
                await self._write(requests)
            except Exception:  # _write resolves every future; this is a last guard for the loop itself
                log.exception("pipeline writer failed")
            finally:
                for _ in requests:
                    self._queue.task_done()

    async def _write(self, requests: list[_Request]) -> None:
        try:
            ids, after = await self._transaction(requests)
        except Exception as exc:
            if len(requests) > 1:
                # One bad request must not fail its neighbours: retry each alone.
                for r in requests:
                    await self._write([r])
                return
            log.exception("ingest of %d message(s) failed", len(requests[0].messages))
            if not requests[0].future.done():
                requests[0].future.set_exception(exc)
            return
        pos = 0
        for r in requests:
            if not r.future.done():
                r.future.set_result(ids[pos : pos + len(r.messages)])
            pos += len(r.messages)
        await self._after_commit(after)
        if self.engine.dialect.name == "postgresql" and self._analyze.note(len(after.message_ids)):
            await self._analyze.run(self.engine)  # no autovacuum here: keep the planner's statistics current

    async def _transaction(self, requests: list[_Request]) -> tuple[list[int | None], PersistedBatch]:
        msgs = [m for r in requests for m in r.messages]
        async with self.engine.begin() as conn:
            ids, after = await self._write_messages(conn, msgs, requests)
            for r in requests:
                if r.checkpoint is not None:
                    name, values = r.checkpoint
                    await upsert(
                        conn, connector_state,
                        [{"connector": name, "key": k, "value": v} for k, v in values.items()],
                        ["connector", "key"], ["value"],
                    )
        return ids, after

    async def _prepared(self, requests: list[_Request]) -> list[Prepared | None]:
        out: list[Prepared | None] = []
        for r in requests:
            found = await self.preparer.result(r.prepared) if self.preparer and r.prepared is not None else None
            out.extend(found if found is not None and len(found) == len(r.messages) else [None] * len(r.messages))
        return out

    async def _write_messages(
        self, conn: AsyncConnection, msgs: list[InboundMessage], requests: list[_Request]
    ) -> tuple[list[int | None], PersistedBatch]:
        now = utcnow()
        ids: list[int | None] = [None] * len(msgs)
        # Several processes: whoever else stores messages of these threads or senders now goes first or waits.
        await lock_threads(conn, msgs)
        existing = await _existing_ids(conn, [(m.connector, m.provider_id) for m in msgs])
        applied_edits = await _applied_edits(conn, [(m.connector, m.provider_id) for m in msgs if m.edit_of])
        originals = await _existing_ids(conn, [(m.connector, m.edit_of) for m in msgs if m.edit_of])
        first_at: dict[tuple[str, str], int] = {}
        duplicate_of: dict[int, int] = {}
        fresh: list[int] = []
        edits: list[int] = []
        for i, m in enumerate(msgs):
            key = (m.connector, m.provider_id)
            if key in existing:
                ids[i] = existing[key]
            elif m.edit_of and key in applied_edits:
                ids[i] = applied_edits[key]
            elif key in first_at:
                duplicate_of[i] = first_at[key]
            else:
                first_at[key] = i
                (edits if m.edit_of and (m.connector, m.edit_of) in originals else fresh).append(i)

        # A private-link token that is not its sender's to use is dropped here, before threading can act on it.
        new_msgs = await vet_link_tokens(conn, [msgs[i] for i in fresh], now)
        for i, m in zip(fresh, new_msgs):
            msgs[i] = m
        identities = await resolve_contacts(conn, [m.sender for m in new_msgs], now)
        if any(m.verified_identities for m in new_msgs):
            await link_verified(conn, new_msgs, identities, now)  # may merge contacts: before threading uses them
        states = await self.threader.assign(
            conn, new_msgs, [identities[(m.sender.kind.value, m.sender.value)][1] for m in new_msgs], now
        )
        edit_states, edit_rows = await _edit_context(conn, [msgs[i] for i in edits], originals)
        prepared = await self._prepared(requests)
        scans = [scan for r in requests for scan in (await r.images if r.images else [{}] * len(r.messages))]
        # One view per conversation: every message of a batch sees the conversation as it stood before the batch.
        views: dict[int, ConversationView] = {}
        items = []
        for i, s in zip(fresh, states):
            first = s.opened_by_this_batch and id(s) not in views
            items.append(self._item(msgs[i], s, first, views, prepared[i], scans[i]))
            items[-1].sender_contact_id = identities[(msgs[i].sender.kind.value, msgs[i].sender.value)][1]
        items += [self._item(msgs[i], s, False, views, prepared[i], scans[i]) for i, s in zip(edits, edit_states)]
        refused = self.threader.refused_tickets
        mark_refused(items, refused)
        self._run_stages(items)

        all_states = states + edit_states + self.threader.merged_away  # merged-away conversations are written too
        applied = await apply_effects(conn, items, all_states, now)
        batch = await persist_batch(
            conn, items[: len(new_msgs)], states, identities, items[len(new_msgs) :], edit_rows, all_states, now,
            self.threader.known_links, with_events=self.events.has_subscribers, blob_store=self.blob_store,
        )
        await write_effects(conn, applied, now)
        if refused:
            # published after commit with the auto-replies
            applied.reply_message_ids.extend(await write_notes(conn, items, states, refused, now))
        batch.applied = applied
        linked = sorted({s.id for m, s in zip(new_msgs, states) if m.link_token and s.id is not None})
        if linked:
            # The customer opened a private link: replies waiting for a private channel can go now.
            requeued = await conn.execute(
                update(outbox).where(and_(outbox.c.conversation_id.in_(linked), outbox.c.state == "waiting"))
                .values(state="queued", next_attempt_at=now, updated_at=now)
            )
            applied.outbox_added = applied.outbox_added or requeued.rowcount > 0
        for pos, i in enumerate(fresh):
            ids[i] = batch.message_ids[pos]
        for i, (message_id, _old) in zip(edits, edit_rows):
            ids[i] = message_id
        for i, j in duplicate_of.items():
            ids[i] = ids[j]
        return ids, batch

    def _item(
        self, m: InboundMessage, s: ConversationState, first: bool, views: dict[int, ConversationView],
        prepared: Prepared | None, image_scans: dict[int, Any] | None = None,
    ) -> PipelineItem:
        view = views.get(id(s))
        if view is None:
            view = views[id(s)] = ConversationView(
                id=s.id, ticket=s.ticket, connector=s.connector, channel=s.channel, visibility=s.visibility,
                status=s.status, type=s.type, tags=frozenset(s.tags), priority=s.priority, team=None, assignee=None,
                is_new=s.is_new, contact_id=s.contact_id, contact_language=s.language,
            )
        return PipelineItem(message=m, text=m.text, raw=m.raw, conversation=view, is_first=first, language=m.language,
                            subject=m.subject, html=m.html, prepared=prepared, image_scans=image_scans or None)

    def _run_stages(self, items: list[PipelineItem]) -> None:
        for stage in self.stages:
            try:
                stage.process(items)
            except Exception:
                if len(items) > 1:
                    raise  # the writer retries requests one by one to find the bad message
                # One message the stage cannot handle: store it withheld rather than risk a secret in clear.
                log.exception("stage %s failed on %s; text withheld", stage.name, items[0].message.provider_id)
                item = items[0]
                item.text = "[message withheld: it could not be checked for sensitive data]"
                item.raw = None
                item.html = None  # the HTML part, file contents and subject are unchecked too
                item.attachments = tuple(replace(a, content=None) for a in item.message.attachments)
                item.subject = "[subject withheld]" if item.subject else item.subject
                item.effects.add_tags.add("processing_error")

    async def _after_commit(self, batch: PersistedBatch) -> None:
        self.events.publish_many(batch.events)
        applied: AppliedEffects | None = batch.applied
        if applied is None:
            return
        if applied.reply_message_ids and self.events.has_subscribers:
            async with self.engine.connect() as conn:
                from inbox.views import message_view

                for part in chunks(applied.reply_message_ids):
                    rows = [_MessageRow(*r) for r in await select_in(conn, _MESSAGE_ROW, messages.c.id, part)]
                    # Auto-replies and guard notices carry ticket numbers and texts: only the conversation's team
                    # (and admins) may receive them, like every other event of that conversation.
                    team_of = dict(await select_in(conn, (conversations.c.id, conversations.c.team_id),
                                                   conversations.c.id, list({r.conversation_id for r in rows})))
                    self.events.publish_many(
                        [Event("message.created", r.conversation_id, team_of.get(r.conversation_id),
                               {"type": "message.created", "conversation_id": r.conversation_id,
                                "message": message_view(r)}) for r in rows]
                    )
        if applied.outbox_added and self.on_outbox is not None:
            self.on_outbox()
        if self.send_webhook is not None:
            for call, conversation_id in applied.webhooks:
                asyncio.create_task(self.send_webhook(call, conversation_id))


_MESSAGE_ROW = tuple(messages.c)  # every column, as `select(messages)` gives, for message_view
_MessageRow = namedtuple("_MessageRow", [c.name for c in _MESSAGE_ROW])


def _clean(m: InboundMessage) -> InboundMessage:
    """NUL characters are valid in Python strings but not in PostgreSQL text: drop them, keep the rest."""
    if "\x00" in m.text or (m.raw and "\x00" in m.raw) or (m.html and "\x00" in m.html) or (m.subject and "\x00" in m.subject):
        return replace(
            m,
            text=m.text.replace("\x00", ""),
            raw=m.raw.replace("\x00", "") if m.raw else m.raw,
            html=m.html.replace("\x00", "") if m.html else m.html,
            subject=m.subject.replace("\x00", "") if m.subject else m.subject,
        )
    return m


async def _existing_ids(conn: AsyncConnection, keys: list[tuple[str, str | None]]) -> dict[tuple[str, str], int]:
    rows = await select_by_pairs(conn, (messages.c.connector, messages.c.provider_id, messages.c.id),
                                 messages.c.connector, messages.c.provider_id, (k for k in keys if k[1] is not None))
    return {(c, p): i for c, p, i in rows}


async def _applied_edits(conn: AsyncConnection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    rows = await select_by_pairs(
        conn, (message_edits.c.connector, message_edits.c.provider_id, message_edits.c.message_id),
        message_edits.c.connector, message_edits.c.provider_id, keys)
    return {(c, p): i for c, p, i in rows}


async def _edit_context(
    conn: AsyncConnection, edits: list[InboundMessage], originals: dict[tuple[str, str], int]
) -> tuple[list[ConversationState], list[tuple[int, str]]]:
    """For each edit: the original's conversation and (original message id, its current text)."""
    if not edits:
        return [], []
    ids = [originals[(m.connector, m.edit_of)] for m in edits]  # type: ignore[index]
    rows = {
        r.id: r
        for r in await conn.execute(
            select(messages.c.id, messages.c.conversation_id, messages.c.text).where(messages.c.id.in_(ids))
        )
    }
    states = await load_conversations(conn, {r.conversation_id for r in rows.values()})
    return [states[rows[i].conversation_id] for i in ids], [(i, rows[i].text) for i in ids]

