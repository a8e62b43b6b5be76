"""EmailConnector: IMAP in (IDLE when offered, polling otherwise), SMTP out.

Receive rounds: SELECT, pick the UIDs the cursor hasn't seen (the backlog window on first start, a date-bounded
re-sync after a UIDVALIDITY change), fetch them in size-bounded batches, parse in a worker thread, and hand each
batch to host.deliver together with the advanced cursor, so a crash never loses or repeats a batch.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import ClassVar, TypeVar

from connectors.base import AuthError, Connector, ConnectorConfig, ConnectorHost, TransientError
from connectors.email.config import EmailConfig
from connectors.email.cursor import ImapCursor
from connectors.email.imap_session import FetchedMail, ImapSession, file_copy
from connectors.email.parse import MailRejected, parse_mail
from connectors.email.smtp_out import build_reply, send_built
from inbox.domain import InboundMessage, OutboundMessage, SendResult, utcnow

log = logging.getLogger(__name__)

R = TypeVar("R")

MAX_BATCH_BYTES = 32 * 1024 * 1024  # one fetch holds at most this much mail (a single larger mail goes alone)
_BACKOFF_START = 1.0
_BACKOFF_MAX = 60.0


class EmailConnector(Connector):
    type_name: ClassVar[str] = "email"
    config_model: ClassVar[type[ConnectorConfig]] = EmailConfig
    sends_files: ClassVar[bool] = True  # multipart/mixed (smtp_out.build_reply)

    def __init__(self, name: str, config: ConnectorConfig, host: ConnectorHost) -> None:
        if not isinstance(config, EmailConfig):
            raise TypeError(f"EmailConnector needs an EmailConfig, got {type(config).__name__}")
        super().__init__(name, config, host)
        self.settings: EmailConfig = config
        self._session = ImapSession(config.imap)
        self._executor: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._cursor: ImapCursor | None = None
        self._cursor_loaded = False
        self.rejected = 0  # mails skipped with a logged reason (health detail, tests)
        self._copies: set[asyncio.Task[None]] = set()  # sent mail being filed in the Sent folder
        self._copy_lock = asyncio.Lock()

    # ---- lifecycle --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._stop.clear()
        if self._executor is None:
            # one thread: imapclient sessions are not thread-safe, and this serializes every IMAP call
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"imap-{self.name}")
        await self._imap(self._session.connect)

    async def run(self) -> None:
        delay = _BACKOFF_START
        while True:
            try:
                if not self._session.connected:
                    await self._imap(self._session.connect)
                await self.sync_once()
                self.host.mark_synced()
                delay = _BACKOFF_START
                await self._wait_for_mail()
            except AuthError:
                raise
            except TransientError as error:
                self.host.report_problem(f"{error}; reconnecting in {delay:.0f}s")
                log.warning("email connector %s: %s; reconnecting in %.0fs", self.name, error, delay)
                await self._imap(self._session.close)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)

    async def stop(self) -> None:
        self._stop.set()
        await self.flush_copies()
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # queued behind any IDLE in progress, which notices the stop flag within a second
        await asyncio.get_running_loop().run_in_executor(executor, self._session.close)
        executor.shutdown(wait=False)

    async def send(self, message: OutboundMessage) -> SendResult:
        mail, message_id = build_reply(message, self.settings.smtp)
        result = await send_built(mail, message_id, self.settings.smtp)
        folder = self.settings.imap.sent_folder
        if folder:
            # The reply is out: filing its copy must neither delay nor fail the send.
            task = asyncio.create_task(self._file_copy(folder, mail.as_bytes(), result))
            self._copies.add(task)
            task.add_done_callback(self._copies.discard)
        return result

    async def _file_copy(self, folder: str, raw: bytes, result: SendResult) -> None:
        try:
            async with self._copy_lock:  # one at a time: the folder shows replies in the order they were sent
                await asyncio.to_thread(file_copy, self.settings.imap, folder, raw, result.sent_at)
        except Exception as error:  # noqa: BLE001 - every failure is reported the same way
            self.host.report_problem(f"reply {result.provider_id} was sent, but its copy could not be filed in "
                                     f"{folder!r}: {error}")

    async def flush_copies(self) -> None:
        """Wait for copies still being filed (stop does this; tests too)."""
        if self._copies:
            await asyncio.wait(set(self._copies), timeout=self.settings.imap.timeout * 2)

    @property
    def uses_idle(self) -> bool:
        """Whether new mail is awaited by IDLE (True) or by polling every poll_interval (False)."""
        return self.settings.imap.idle and self._session.supports_idle

    # ---- receiving --------------------------------------------------------------------------------------------

    async def sync_once(self) -> int:
        """One receive round; returns how many mails were delivered (own and rejected mail not counted)."""
        if not self._cursor_loaded:
            self._cursor = ImapCursor.from_checkpoint(await self.host.load_checkpoint())
            self._cursor_loaded = True
        state = await self._imap(self._session.select)
        cursor = self._cursor
        if cursor is not None and cursor.uidvalidity == state.uidvalidity:
            uids = await self._imap(self._session.uids_after, cursor.last_uid)
            return await self._deliver_uids(uids, cursor)
        if cursor is None:
            since = (utcnow() - timedelta(days=self.settings.backlog_days)).date()
            log.info("email connector %s: first start, importing mail since %s", self.name, since)
        else:
            # UIDs were renumbered: fetch again from shortly before the newest mail we had (provider ids are
            # Message-IDs, so what we already have dedupes in the pipeline)
            newest = cursor.last_date or utcnow() - timedelta(days=self.settings.backlog_days)
            since = (newest - timedelta(days=1)).date()
            self.host.report_problem(f"UIDVALIDITY changed ({cursor.uidvalidity} -> {state.uidvalidity}); "
                                     f"re-syncing mail since {since}")
        uids = await self._backlog_uids(since)
        fresh = ImapCursor(state.uidvalidity, 0, cursor.last_date if cursor else None)
        delivered = await self._deliver_uids(uids, fresh)
        # everything below UIDNEXT that was outside the window is deliberately skipped
        top = (state.uidnext - 1) if state.uidnext else max(uids, default=0)
        if self._cursor is None or self._cursor.uidvalidity != state.uidvalidity or self._cursor.last_uid < top:
            self._cursor = ImapCursor(state.uidvalidity, top, (self._cursor or fresh).last_date)
            await self.host.save_checkpoint(self._cursor.to_checkpoint())
        return delivered

    async def _backlog_uids(self, since: date) -> list[int]:
        if self.settings.backlog_days == 0 and self._cursor is None:
            return []
        return await self._imap(self._session.uids_since, since)

    async def _deliver_uids(self, uids: list[int], cursor: ImapCursor) -> int:
        if not uids:
            return 0
        sizes = await self._imap(self._session.sizes, uids)
        batches = _batches(uids, sizes, self.settings.batch_size)
        delivered = 0
        # fetch batch n+1 in the IMAP thread while batch n is parsed and delivered
        pending = asyncio.ensure_future(self._imap(self._session.fetch, batches[0]))
        try:
            for index, batch in enumerate(batches):
                fetched = await pending
                if index + 1 < len(batches):
                    pending = asyncio.ensure_future(self._imap(self._session.fetch, batches[index + 1]))
                messages = await asyncio.to_thread(self._parse_batch, fetched)
                for mail in fetched:
                    cursor = cursor.advanced(mail.uid, mail.internal_date)
                cursor = cursor.advanced(batch[-1], None)  # UIDs expunged since the SEARCH count as seen
                await self.host.deliver(messages, checkpoint=cursor.to_checkpoint())
                self._cursor = cursor
                delivered += len(messages)
        finally:
            if not pending.done():
                pending.cancel()
        return delivered

    def _parse_batch(self, fetched: list[FetchedMail]) -> list[InboundMessage]:
        out: list[InboundMessage] = []
        for mail in fetched:
            try:
                message = parse_mail(mail.raw, self.name, mail.internal_date)
            except MailRejected as error:
                self.rejected += 1
                log.warning("email connector %s: rejected UID %s: %s", self.name, mail.uid, error)
                continue
            except Exception:
                self.rejected += 1
                log.exception("email connector %s: could not parse UID %s; skipped", self.name, mail.uid)
                continue
            if "own" in message.flags:
                log.debug("email connector %s: UID %s is our own mail; not ingested", self.name, mail.uid)
                continue
            out.append(message)
        return out

    async def _wait_for_mail(self) -> None:
        if self.uses_idle:
            last_uid = self._cursor.last_uid if self._cursor is not None else None
            await self._imap(functools.partial(self._session.wait_for_change, self._stop,
                                               self.settings.imap.idle_recheck, last_uid=last_uid))
        else:
            await asyncio.sleep(self.settings.imap.poll_interval)
            await self._imap(self._session.poll)

    async def _imap(self, call: Callable[..., R], *args: object) -> R:
        if self._executor is None:
            raise TransientError("email connector is not started")
        return await asyncio.get_running_loop().run_in_executor(self._executor, call, *args)


def _batches(uids: list[int], sizes: dict[int, int], max_count: int) -> list[list[int]]:
    batches: list[list[int]] = []
    current: list[int] = []
    current_bytes = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if current and (len(current) >= max_count or current_bytes + size > MAX_BATCH_BYTES):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(uid)
        current_bytes += size
    if current:
        batches.append(current)
    return batches
