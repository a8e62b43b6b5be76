"""The bodies of a queued reply's files, loaded when the outbox sends it (see inbox.attachments.outbound)."""
from __future__ import annotations

from typing import Any

from inbox.attachments.blobs import BlobStore
from inbox.domain import Attachment


async def load_for_sending(store: BlobStore | None, entries: list[Any]) -> tuple[Attachment, ...]:
    """The files of a queued reply, with their bytes; a body missing from the store fails the send (raised)."""
    files = []
    for entry in entries or []:
        digest = entry.get("blob") if isinstance(entry, dict) else None
        data = await store.get(digest) if store is not None and isinstance(digest, str) else None
        if data is None:
            raise LookupError(f"attachment {entry.get('name') if isinstance(entry, dict) else '?'} is not stored")
        files.append(Attachment(str(entry.get("name") or "file"), str(entry.get("content_type")), len(data),
                                content=data))
    return tuple(files)
