"""Reading one uploaded file from a multipart body, bounded: the in-app chat's customer uploads
(connectors.webchat.uploads) and agents' reply files (inbox.attachments.outbound) read it the same way."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from inbox.attachments.limits import megabytes


class UploadRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class UploadedFile:
    data: bytes
    filename: str | None  # as the client sent it: display text only, never a path
    content_type: str  # as the client declared it: the caller sniffs the bytes


async def read_file_field(request: web.Request, limit: int, limit_name: str = "") -> UploadedFile:
    """The `file` part of a multipart body. Refuses (UploadRefused) a body that is not multipart, a missing or
    empty part, and a part over `limit` bytes before more than `limit` + one chunk is read. `limit_name` says whose
    limit it is in the 413's message ("the chat's limit of 10 MB")."""
    if not request.content_type.startswith("multipart/"):
        raise UploadRefused(400, "send the file as multipart/form-data in a field named 'file'")
    reader = await request.multipart()
    async for part in reader:
        if getattr(part, "name", None) != "file":
            continue
        data = bytearray()
        while chunk := await part.read_chunk(64 * 1024):  # type: ignore[union-attr]
            data += chunk
            if len(data) > limit:
                whose = f"{limit_name} limit of " if limit_name else ""
                raise UploadRefused(413, f"the file is larger than {whose}{megabytes(limit)}")
        if not data:
            raise UploadRefused(400, "the file is empty")
        declared = part.headers.get("Content-Type", "application/octet-stream")  # type: ignore[union-attr]
        return UploadedFile(bytes(data), part.filename, declared)  # type: ignore[union-attr]
    raise UploadRefused(400, "no field named 'file' in the upload")
