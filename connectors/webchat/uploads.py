"""In-app chat file uploads: `POST /chat/v1/upload` (multipart field `file`) with the same identity as the socket
(`user_id` + `user_hash`, or `visitor_token`), answered `{"upload_id", "name", "size"}`; then a message frame
`{"type": "message", "text": ..., "client_id": ..., "attachments": [upload_id]}` sends it.

An upload is bound to the identity's thread: another customer's frame cannot name it. It waits in memory (never on
disk) until its message is delivered, because the guard must read an image before anything of it is written; one
that no frame claims expires.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import web

from inbox.attachments.limits import limit_for
from inbox.attachments.multipart import UploadRefused, read_file_field
from inbox.domain import Attachment, Channel

UPLOAD_TTL_SECONDS = 15 * 60
MAX_PENDING_PER_THREAD = 5
MAX_FILES_PER_MESSAGE = 5


@dataclass
class _Pending:
    thread_key: str
    attachment: Attachment
    expires_at: float


@dataclass
class UploadShelf:
    clock: object = time.monotonic
    _pending: dict[str, _Pending] = field(default_factory=dict)

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator]

    def _prune(self) -> None:
        now = self._now()
        for key in [k for k, p in self._pending.items() if p.expires_at <= now]:
            del self._pending[key]

    def put(self, thread_key: str, attachment: Attachment) -> str:
        self._prune()
        if sum(1 for p in self._pending.values() if p.thread_key == thread_key) >= MAX_PENDING_PER_THREAD:
            raise web.HTTPTooManyRequests(text=f'{{"error": "at most {MAX_PENDING_PER_THREAD} files may wait to be '
                                               f'sent; send a message with them first"}}',
                                          content_type="application/json")
        upload_id = secrets.token_urlsafe(18)
        self._pending[upload_id] = _Pending(thread_key, attachment, self._now() + UPLOAD_TTL_SECONDS)
        return upload_id

    def claim(self, thread_key: str, upload_ids: list[str]) -> tuple[Attachment, ...] | str:
        """The attachments named, or why not (an unknown, expired or someone else's upload is the same error)."""
        self._prune()
        if len(upload_ids) > MAX_FILES_PER_MESSAGE:
            return f"at most {MAX_FILES_PER_MESSAGE} files per message"
        found = []
        for upload_id in upload_ids:
            pending = self._pending.get(upload_id) if isinstance(upload_id, str) else None
            if pending is None or pending.thread_key != thread_key:
                return "unknown or expired upload; upload the file again"
            found.append(pending.attachment)
        return tuple(found)

    def release(self, upload_ids: list[str]) -> None:
        for upload_id in upload_ids:
            self._pending.pop(upload_id, None)


async def read_upload(request: web.Request) -> Attachment:
    """The `file` part of a multipart body, read up to the chat's limit (a larger one is refused with 413, saying
    the limit, before more than limit + 1 bytes are read)."""
    try:
        upload = await read_file_field(request, limit_for(Channel.WEBCHAT), "the chat's")
    except UploadRefused as refused:
        raise _bad(refused.status, refused.message) from None
    # Browsers escape '"', CR and LF in the name as %22, %0D, %0A (WHATWG multipart); some clients escape all.
    name = unquote(upload.filename or "file")
    return Attachment(name, upload.content_type[:100], len(upload.data), content=upload.data)


def _bad(status: int, message: str) -> web.HTTPException:
    import json

    cls = {400: web.HTTPBadRequest, 413: web.HTTPRequestEntityTooLarge}.get(status, web.HTTPBadRequest)
    if cls is web.HTTPRequestEntityTooLarge:
        return web.HTTPRequestEntityTooLarge(max_size=limit_for(Channel.WEBCHAT), actual_size=0,
                                             text=json.dumps({"error": message}), content_type="application/json")
    return cls(text=json.dumps({"error": message}), content_type="application/json")
