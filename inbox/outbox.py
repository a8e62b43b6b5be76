"""The outbox dispatcher: sends queued replies through their connector and records the outcome.

A row is claimed (queued → sending) before the provider is called and marked after, so a reply goes out at most
once. A row found in `sending` at start-up was interrupted mid-call: the provider may already have delivered it. It
becomes `resume`; once its connector runs, a channel that can take the same reply twice without the customer seeing
it twice (`Connector.redelivery_safe`: the in-app chat dedupes by message id) gets it again, and any other channel's
reply is failed with the `interrupted` flag and a "check and resend" error, never resent by itself.
Each connector has its own sender task: a slow mail server never delays chat.
A private message the platform refuses waits (`waiting`) while the public thread gets a link to a private channel;
when the customer opens it, the pipeline requeues the message and it goes by that channel.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base import (
    AuthError,
    Connector,
    ConnectorError,
    NotSupported,
    PermanentError,
    PrivateChannelRefused,
    RecipientUnreachable,
    TransientError,
)
from inbox.attachments.sending import load_for_sending
from inbox.domain import (
    Channel,
    ContactIdentity,
    DeliveryStatus,
    Direction,
    IdentityKind,
    MessageRef,
    OutboundMessage,
    SendResult,
    Visibility,
    format_ticket,
    utcnow,
)
from inbox.cluster.claims import ClaimLease, recover_expired, renew
from inbox.events import Event, EventBus
from inbox.private_links import DEFAULT_TTL, mask_issued_tokens, new_token, record_link
from inbox.recipients import customer_identity
from inbox.replies import choose_target, enqueue_reply
from inbox.store.ops import upsert
from inbox.store.schema import contact_identities, contacts, conversations, messages, outbox, thread_links
from inbox.texts import private_link_notice
from inbox.views import message_view

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
PRIVATE_LINK_REASON = "guard:private_link"
INTERRUPTED = "delivery interrupted by a restart; not resent to avoid a duplicate: check the channel and resend if needed"
INTERRUPTED_FLAG = "interrupted"
RESUME = "resume"  # outbox state: found in `sending` at start-up; re-pushed or marked interrupted once its connector runs
# A reply the admin's policy let carry a secret is stored masked; what the agent typed lives only in this process.
MASKED_SECRET_FLAG = "masked_secret"
SECRET_REPLY_NEEDS_ONE_PROCESS = (
    "not sent: this reply carries a secret the policy allows, which is sent as typed but never stored; with several "
    "inbox processes another one would send it and could not: send it without the secret, or run the inbox as one "
    "process (--role all)")
CLEAR_TEXT_LOST = ("not sent: this reply carried a secret that is never stored, and the server restarted before it "
                   "went out; write the reply again")


def backoff(attempts: int) -> float:
    return min(2.0 ** attempts, 300.0)


class OutboxDispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        events: EventBus,
        connector: Callable[[str], Connector | None],
        public_url: str,
        *,
        link_ttl: timedelta = DEFAULT_TTL,
        claims: ClaimLease | None = None,
    ) -> None:
        self.engine = engine
        # None: this is the only sending process (a row in `sending` at start-up was ours). Else claims carry a
        # lease other processes honour until it runs out (inbox.cluster.claims).
        self.claims = claims
        self.sends_secret_replies = True  # False where another process may send it (inbox.cluster.runtime)
        self._claims_checked = 0.0
        self.link_ttl = link_ttl
        self.events = events
        self.connector = connector
        self.public_url = public_url.rstrip("/")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._senders: dict[str, asyncio.Task[None]] = {}
        self._clear_text: dict[int, str] = {}
        self._down: set[str] = set()  # connectors a reply found not running
        self.blob_store: Any = None  # inbox.attachments.blobs.BlobStore: the bodies of agents' files

    def wake(self) -> None:
        self._wake.set()

    def hold_clear_text(self, message_id: int, text: str) -> None:
        """What the agent typed, for a reply whose stored text is masked (flag `masked_secret`): sent as typed.
        Memory only, until the send's outcome is final; after a restart the reply fails with CLEAR_TEXT_LOST."""
        self._clear_text[message_id] = text

    def release_clear_text(self, message_id: int | None) -> None:
        if message_id is not None:
            self._clear_text.pop(message_id, None)

    async def start(self) -> None:
        if self.claims is not None:
            await recover_expired(self.engine)  # only the dead's claims: a live worker's sends are its own
        else:
            async with self.engine.begin() as conn:
                await conn.execute(update(outbox).where(outbox.c.state == "sending").values(
                    state=RESUME, next_attempt_at=utcnow(), last_error="interrupted by a restart", updated_at=utcnow()))
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._senders.values()) if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._senders.clear()

    async def _keep_claims(self) -> None:
        """Renew this process's claims and recover those of processes that died (several processes only)."""
        if self.claims is None or time.monotonic() - self._claims_checked < self.claims.renew_every:
            return
        self._claims_checked = time.monotonic()
        await renew(self.engine, self.claims)
        if await recover_expired(self.engine):
            self.wake()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._keep_claims()
                due = await self._due_connectors()
            except Exception:  # the database may be briefly unavailable; try again shortly
                log.exception("outbox poll failed")
                due = set()
            for name in due:
                if name not in self._senders or self._senders[name].done():
                    self._senders[name] = asyncio.create_task(self._drain(name), name=f"outbox:{name}")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass

    async def _due_connectors(self) -> set[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox.c.connector).where(
                    and_(outbox.c.state.in_(("queued", RESUME)), outbox.c.next_attempt_at <= utcnow())
                ).distinct()
            )
            due = {r[0] for r in rows}
        # Replies that waited for a connector to come up (at start-up every connector is still starting) go as soon
        # as it runs, not after the retry delay.
        for name in [n for n in self._down if self.connector(n) is not None]:
            self._down.discard(name)
            async with self.engine.begin() as conn:
                await conn.execute(update(outbox).where(and_(
                    outbox.c.connector == name, outbox.c.state.in_(("queued", RESUME)),
                    outbox.c.last_error == _not_running(name),
                )).values(next_attempt_at=utcnow()))
            due.add(name)
        return due

    async def _drain(self, connector_name: str) -> None:
        while True:
            async with self.engine.begin() as conn:
                # SKIP LOCKED (PostgreSQL; SQLite has one writer): workers never queue behind each other's rows.
                row = (await conn.execute(
                    select(outbox).where(and_(
                        outbox.c.connector == connector_name, outbox.c.state.in_(("queued", RESUME)),
                        outbox.c.next_attempt_at <= utcnow(),
                    )).order_by(outbox.c.id).limit(1).with_for_update(skip_locked=True)
                )).first()
                if row is None:
                    return
                claim = {} if self.claims is None else {"claimed_by": self.claims.process,
                                                        "lease_until": self.claims.until()}
                # `row.state` stays what it was before the claim: _deliver tells a resumed send from a new one.
                claimed = await conn.execute(
                    update(outbox).where(and_(outbox.c.id == row.id, outbox.c.state == row.state))
                    .values(state="sending", attempts=outbox.c.attempts + 1, updated_at=utcnow(), **claim)
                )
                if claimed.rowcount != 1:
                    continue
            try:
                await self._deliver(row)
            except Exception:
                log.exception("outbox row %s: unexpected failure", row.id)
                async with self.engine.begin() as conn:
                    await self._retry(conn, row, "internal error; will retry", None)

    async def _deliver(self, row) -> None:  # noqa: ANN001 - an outbox Row
        connector = self.connector(row.connector)
        if connector is None:
            self._down.add(row.connector)
            async with self.engine.begin() as conn:
                await self._retry(conn, row, _not_running(row.connector), 30.0)
            return
        if row.kind in ("hide", "restrict"):  # a resumed hide runs again: hiding a post twice is harmless
            await self._hide(row, connector)
            return
        async with self.engine.begin() as conn:
            out = await self._build(conn, row)
            if out is None:
                return
            connector = self.connector(out.connector)
            if connector is None:  # the private channel found is on a connector that is down
                self._down.add(out.connector)
                await self._retry(conn, row, _not_running(out.connector), 30.0)
                return
            if out.attachments and not connector.sends_files:  # failed, not sent without them: the agent decides
                await self._finish(conn, row.id, row.message_id, "failed",
                                   f"{connector.type_name} cannot send files yet: send the reply without them")
                return
            if row.state == RESUME and not connector.redelivery_safe:
                await self._interrupted(conn, row)
                return
            if connector.type_name in Channel.__members__.values():  # plugins may have types of their own
                out = replace(out, channel=Channel(connector.type_name))
        try:
            result = await connector.send(out)
        except PrivateChannelRefused as e:
            await self._refused(row, str(e), out.recipient)
        except RecipientUnreachable as e:
            async with self.engine.begin() as conn:
                await conn.execute(update(contacts).where(contacts.c.id == (
                    select(conversations.c.contact_id).where(conversations.c.id == row.conversation_id)
                    .scalar_subquery())).values(unreachable=True))
                await self._finish(conn, row.id, row.message_id, "failed", f"recipient unreachable: {e}")
        except PermanentError as e:
            async with self.engine.begin() as conn:
                await self._finish(conn, row.id, row.message_id, "failed", str(e))
        except TransientError as e:
            async with self.engine.begin() as conn:
                await self._retry(conn, row, str(e), e.retry_after)
        except AuthError as e:
            async with self.engine.begin() as conn:
                await self._retry(conn, row, f"credentials refused: {e}", 60.0)
        except ConnectorError as e:
            async with self.engine.begin() as conn:
                await self._retry(conn, row, str(e), None)
        else:
            await self._sent(row, out, result)

    async def _build(self, conn: AsyncConnection, row) -> OutboundMessage | None:  # noqa: ANN001
        msg = (await conn.execute(select(messages).where(messages.c.id == row.message_id))).one()
        conv = (await conn.execute(select(conversations).where(conversations.c.id == row.conversation_id))).one()
        connector_name, thread_key, visibility = msg.connector, msg.thread_key, Visibility(msg.visibility)
        if thread_key is None:
            # The private path of a public thread: a private channel the customer opened since wins.
            target = await choose_target(conn, conv.id, Visibility.PRIVATE)
            if target.thread_key is not None:
                connector_name, thread_key = target.connector, target.thread_key
                await conn.execute(update(messages).where(messages.c.id == msg.id)
                                   .values(connector=connector_name, thread_key=thread_key))
                await conn.execute(update(outbox).where(outbox.c.id == row.id).values(connector=connector_name))
        text = msg.text
        if MASKED_SECRET_FLAG in (msg.flags or []):
            held = self._clear_text.get(msg.id)
            if held is None:
                if row.state == RESUME:  # it may have arrived before the restart: the agent checks
                    await self._interrupted(conn, row)
                else:
                    await self._finish(conn, row.id, row.message_id, "failed", CLEAR_TEXT_LOST)
                return None
            text = held
        recipient = await _recipient(conn, conv.id, connector_name)
        if recipient is None:
            await self._finish(conn, row.id, row.message_id, "failed", "no customer identity to write to")
            return None
        earlier = (await conn.execute(
            select(messages.c.provider_id, messages.c.direction, messages.c.subject).where(and_(
                messages.c.conversation_id == conv.id, messages.c.connector == connector_name,
                messages.c.provider_id.is_not(None),
            )).order_by(messages.c.id)
        )).all()
        inbound = [r for r in earlier if r.direction == Direction.INBOUND.value]
        subject = next((r.subject for r in earlier if r.subject), None)
        try:
            files = await load_for_sending(self.blob_store, msg.attachments or [])
        except LookupError as error:
            await self._finish(conn, row.id, row.message_id, "failed", str(error))
            return None
        return OutboundMessage(
            idempotency_key=row.idempotency_key, connector=connector_name, channel=Channel(conv.channel),
            thread_key=thread_key or conv.thread_key, visibility=visibility, recipient=recipient, text=text,
            ticket=format_ticket(conv.id), subject=subject,
            # A warning to an impersonator names the post it answers; other replies answer the latest inbound.
            in_reply_to=row.target_provider_id or (inbound[-1].provider_id if inbound else None),
            references=tuple(r.provider_id for r in earlier[-100:]), message_id=msg.id, attachments=files,
        )

    async def _sent(self, row, out: OutboundMessage, result: SendResult) -> None:  # noqa: ANN001
        self.release_clear_text(row.message_id)
        async with self.engine.begin() as conn:
            sent = {"status": DeliveryStatus.SENT.value, "provider_id": result.provider_id,
                    "sent_at": result.sent_at, "error": None}
            if out.visibility == Visibility.PUBLIC:
                # A private link's token is a credential: once posted, the stored copy keeps it masked.
                masked = await mask_issued_tokens(conn, out.text)
                if masked != out.text:
                    sent["text"] = masked
            await conn.execute(update(messages).where(messages.c.id == row.message_id).values(**sent))
            await conn.execute(update(outbox).where(outbox.c.id == row.id).values(
                state="sent", last_error=None, updated_at=utcnow()))
            await upsert(conn, thread_links, [
                {"connector": out.connector, "thread_key": pid, "conversation_id": row.conversation_id}
                for pid in (result.provider_id, *result.extra_provider_ids, *result.thread_keys)
            ], ["connector", "thread_key"], ["conversation_id"])
            if row.notice and out.visibility == Visibility.PRIVATE:
                await enqueue_reply(conn, row.conversation_id, row.notice, Visibility.PUBLIC, utcnow(),
                                    reason="guard:public_notice")
                self.wake()
            await self._publish_message(conn, row.message_id)

    async def _refused(self, row, reason: str, recipient: ContactIdentity) -> None:  # noqa: ANN001
        async with self.engine.begin() as conn:
            if not row.private_link_fallback:
                await self._finish(conn, row.id, row.message_id, "failed", f"private channel refused: {reason}")
                return
            # Check and mark under the locks the pipeline takes when a link binds (PostgreSQL: the conversation row;
            # SQLite: the write lock, held from the first write): a binding either is seen here or requeues this row.
            await conn.execute(select(conversations.c.id).where(conversations.c.id == row.conversation_id)
                               .with_for_update())
            await conn.execute(update(outbox).where(outbox.c.id == row.id).values(state="waiting", updated_at=utcnow()))
            if await self._private_channel_opened_since(conn, row):
                await conn.execute(update(outbox).where(outbox.c.id == row.id).values(
                    state="queued", next_attempt_at=utcnow(), last_error=None, updated_at=utcnow()))
                self.wake()
                return
            connector = self.connector(row.connector)
            link = await self._private_link(conn, row.conversation_id, connector, recipient)
            conv = (await conn.execute(select(conversations.c.language).where(
                conversations.c.id == row.conversation_id))).one()
            notice = private_link_notice(link, format_ticket(row.conversation_id), conv.language)
            await enqueue_reply(conn, row.conversation_id, notice, Visibility.PUBLIC, utcnow(),
                                reason=PRIVATE_LINK_REASON)
            await conn.execute(update(outbox).where(outbox.c.id == row.id).values(
                state="waiting", last_error=f"private channel refused ({reason}); a private link was posted",
                updated_at=utcnow()))
            await conn.execute(update(messages).where(messages.c.id == row.message_id).values(
                error="waiting for the customer to open the private link"))
            await self._publish_message(conn, row.message_id)
        self.wake()

    async def _private_channel_opened_since(self, conn: AsyncConnection, row) -> bool:  # noqa: ANN001
        """The customer opened a private channel (a link bound) while this send was in flight: the pipeline's requeue
        of waiting replies came before this row was waiting, so it goes by that channel now instead of a new link."""
        tried = (await conn.execute(select(messages.c.thread_key).where(messages.c.id == row.message_id))).scalar()
        if tried is not None:
            return False
        return (await choose_target(conn, row.conversation_id, Visibility.PRIVATE)).thread_key is not None

    async def _private_link(
        self, conn: AsyncConnection, conversation_id: int, connector: Connector | None, recipient: ContactIdentity
    ) -> str:
        """A link for `recipient` only: the platform's own (Telegram deep link, X DM) is bound to the identity the
        private message was refused to; the in-app chat fallback, where that identity means nothing, is bound to the
        customer's signed app identity when there is exactly one, else to its first claimer."""
        token = new_token()
        link = connector.private_link(token) if connector is not None else None
        for_identity = recipient if link else await _signed_app_identity(conn, conversation_id)
        await record_link(conn, token, conversation_id, utcnow(), for_identity=for_identity, ttl=self.link_ttl)
        return link or f"{self.public_url}/chat/demo?link={token}"

    async def _hide(self, row, connector: Connector) -> None:  # noqa: ANN001
        ref = MessageRef(row.connector, row.target_provider_id, "")
        try:
            if row.kind == "restrict":
                from inbox.moderation import restrict_sender

                await restrict_sender(self.engine, connector, ref)
            else:
                await connector.hide_public(ref)
            state, error = "sent", None
        except NotSupported as e:
            state, error = "failed", str(e)
        except TransientError as e:
            async with self.engine.begin() as conn:
                await self._retry(conn, row, str(e), e.retry_after)
            return
        except ConnectorError as e:
            state, error = "failed", str(e)
        async with self.engine.begin() as conn:
            await conn.execute(update(outbox).where(outbox.c.id == row.id).values(
                state=state, last_error=error, updated_at=utcnow()))

    async def _retry(self, conn: AsyncConnection, row, error: str, retry_after: float | None) -> None:  # noqa: ANN001
        attempts = row.attempts + 1
        resumed = row.state == RESUME and row.kind == "send"
        if attempts >= MAX_ATTEMPTS:
            if resumed:  # never known whether the interrupted send arrived: the agent decides
                await self._interrupted(conn, row)
            else:
                await self._finish(conn, row.id, row.message_id, "failed", f"gave up after {attempts} attempts: {error}")
            return
        delay = retry_after if retry_after is not None else backoff(attempts)
        await conn.execute(update(outbox).where(outbox.c.id == row.id).values(
            state=RESUME if resumed else "queued", next_attempt_at=utcnow() + timedelta(seconds=delay), last_error=error,
            updated_at=utcnow()))
        if row.message_id is not None:
            await conn.execute(update(messages).where(messages.c.id == row.message_id).values(
                error=f"retrying: {error}"))
            await self._publish_message(conn, row.message_id)

    async def _interrupted(self, conn: AsyncConnection, row) -> None:  # noqa: ANN001
        """A send cut short by a restart on a channel that cannot take it twice: the agent checks and resends."""
        await self._finish(conn, row.id, row.message_id, "failed", INTERRUPTED, add_flag=INTERRUPTED_FLAG)

    async def _finish(
        self, conn: AsyncConnection, outbox_id: int, message_id: int | None, state: str, error: str | None,
        add_flag: str | None = None,
    ) -> None:
        self.release_clear_text(message_id)
        await conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(
            state=state, last_error=error, updated_at=utcnow()))
        if message_id is not None:
            values: dict[str, object] = {
                "status": DeliveryStatus.FAILED.value if state == "failed" else DeliveryStatus.SENT.value, "error": error}
            if add_flag is not None:
                flags = (await conn.execute(select(messages.c.flags).where(messages.c.id == message_id))).scalar()
                values["flags"] = sorted({*(flags or []), add_flag})
            await conn.execute(update(messages).where(messages.c.id == message_id).values(**values))
            await self._publish_message(conn, message_id)

    async def _publish_message(self, conn: AsyncConnection, message_id: int) -> None:
        r = (await conn.execute(select(messages).where(messages.c.id == message_id))).one()
        team = (await conn.execute(select(conversations.c.team_id).where(
            conversations.c.id == r.conversation_id))).scalar_one()
        self.events.publish(Event("message.updated", r.conversation_id, team,
                                  {"type": "message.updated", "conversation_id": r.conversation_id,
                                   "message": message_view(r)}))


async def _signed_app_identity(conn: AsyncConnection, conversation_id: int) -> ContactIdentity | None:
    ci = contact_identities.c
    values = (await conn.execute(
        select(ci.value).join(conversations, conversations.c.contact_id == ci.contact_id)
        .where(and_(conversations.c.id == conversation_id, ci.kind == IdentityKind.APP.value)).limit(2)
    )).scalars().all()
    return ContactIdentity(IdentityKind.APP, values[0]) if len(values) == 1 else None


def _not_running(connector: str) -> str:
    return f"connector {connector} is not running"


async def _recipient(conn: AsyncConnection, conversation_id: int, connector_name: str) -> ContactIdentity | None:
    """The conversation's customer on this connector (inbox.recipients), never simply the last sender."""
    return await customer_identity(conn, conversation_id, connector_name)
