"""`inbox import mbox FILE --connector NAME`: feed an mbox archive through the same parser as IMAP mail.

Idempotent: provider ids are Message-IDs (or a hash of the raw bytes), so the pipeline stores a re-imported mail
once. Batches keep memory flat on multi-gigabyte archives.
"""
from __future__ import annotations

import asyncio
import logging
import mailbox
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from connectors.base import ConnectorHost
from connectors.email.parse import MailRejected, parse_mail
from inbox.domain import InboundMessage

log = logging.getLogger(__name__)

IMPORT_BATCH = 200


@runtime_checkable
class KnowsProviderIds(Protocol):
    """Optional host capability: which of these provider ids are already stored (exact duplicate counts)."""

    async def existing_provider_ids(self, connector: str, provider_ids: Sequence[str]) -> set[str]: ...


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int  # 0-based position of the mail in the mbox
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    read: int  # mails found in the file
    imported: int  # newly stored
    duplicates: int  # already stored (earlier import, IMAP) or repeated within the file
    rejected: tuple[Rejection, ...]  # not ingested, with the reason
    skipped_own: int = 0  # our own sent replies found in the archive: never ingested as customer mail


async def import_mbox(
    path: str | os.PathLike[str],
    connector_name: str,
    host: ConnectorHost,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import every mail of an mbox file into `connector_name`'s inbox; `progress(done, total)` as it goes.

    Reading and parsing run in a worker thread; only host.deliver runs on the event loop.
    """
    return await _Importer(Path(path), connector_name, host, progress).run()


class _Importer:
    def __init__(
        self, path: Path, connector: str, host: ConnectorHost, progress: Callable[[int, int], None] | None
    ) -> None:
        self.path = path
        self.connector = connector
        self.host = host
        self.progress = progress
        self.read = 0
        self.imported = 0
        self.duplicates = 0
        self.skipped_own = 0
        self.rejected: list[Rejection] = []
        self._seen: set[str] = set()
        self._stored_ids: set[int] = set()

    async def run(self) -> ImportReport:
        if not self.path.is_file():
            raise FileNotFoundError(f"mbox file not found: {self.path}")
        box = mailbox.mbox(self.path, create=False)
        try:
            keys = await asyncio.to_thread(box.keys)  # scans the whole file once for "From " lines
            total = len(keys)
            for start in range(0, total, IMPORT_BATCH):
                chunk = [(i, keys[i]) for i in range(start, min(start + IMPORT_BATCH, total))]
                batch = await asyncio.to_thread(self._parse_chunk, box, chunk)
                if batch:
                    await self._deliver(batch)
                if self.progress:
                    self.progress(self.read, total)
            if self.progress and total == 0:
                self.progress(0, 0)
        finally:
            box.close()
        return ImportReport(self.read, self.imported, self.duplicates, tuple(self.rejected), self.skipped_own)

    def _parse_chunk(self, box: mailbox.mbox, chunk: list[tuple[int, str]]) -> list[tuple[int, InboundMessage]]:
        out: list[tuple[int, InboundMessage]] = []
        for index, key in chunk:
            self.read += 1
            message = self._parse(index, box, key)
            if message is not None:
                out.append((index, message))
        return out

    def _parse(self, index: int, box: mailbox.mbox, key: str) -> InboundMessage | None:
        try:
            raw = box.get_bytes(key)
            message = parse_mail(raw, self.connector)
        except MailRejected as error:
            return self._reject(index, str(error))
        except Exception as error:
            log.exception("mbox import: mail %d could not be parsed", index)
            return self._reject(index, f"unparseable: {type(error).__name__}")
        if "own" in message.flags:
            self.skipped_own += 1
            return None
        if message.provider_id in self._seen:
            self.duplicates += 1
            return None
        self._seen.add(message.provider_id)
        return message

    def _reject(self, index: int, reason: str) -> None:
        log.warning("mbox import: mail %d rejected: %s", index, reason)
        self.rejected.append(Rejection(index, reason))

    async def _deliver(self, batch: list[tuple[int, InboundMessage]]) -> None:
        messages = [message for _, message in batch]
        known: set[str] = set()
        if isinstance(self.host, KnowsProviderIds):
            known = await self.host.existing_provider_ids(self.connector, [m.provider_id for m in messages])
        ids = await self.host.deliver(messages)
        for (index, message), stored_id in zip(batch, ids, strict=True):
            if stored_id is None:
                self._reject(index, "the inbox refused it")
            elif message.provider_id in known or stored_id in self._stored_ids:
                self.duplicates += 1
            else:
                self.imported += 1
                self._stored_ids.add(stored_id)
