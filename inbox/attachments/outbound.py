"""Agents' files: `POST /api/v1/conversations/{id}/attachments` (multipart field `file`) stores one and answers
`{"attachment": {"blob", "name", "size", "content_type"}}`; a reply names it in
`POST …/messages {"text", "attachments": [{"blob", "name"}]}`.

A reply may only name a body the blob store holds, by its SHA-256: knowing the digest of a file is having had the
file (views never show digests), so no other conversation's file can be reached this way. Files never go into a
public thread: a reply with files on a public conversation goes by the private path (the guard's public→private
policy), like a reply carrying a wallet address.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from inbox.api.access import access
from inbox.api.context import ctx
from inbox.attachments.blobs import BlobStore, valid_digest
from inbox.attachments.limits import MB
from inbox.attachments.multipart import UploadRefused, read_file_field
from inbox.attachments.names import safe_name
from inbox.attachments.sniff import sniff

routes = web.RouteTableDef()
MAX_AGENT_FILE = 20 * MB  # what every channel takes (Telegram bots send up to 50 MB, X far less: checked per send)
MAX_FILES = 5


class AttachmentError(ValueError):
    """A reply's `attachments` cannot be used; the message says why."""


@routes.post("/api/v1/conversations/{id}/attachments")
@access("conversation")
async def upload(request: web.Request) -> web.Response:
    store = ctx(request).pipeline.blob_store
    if store is None:
        return _error(503, "this server keeps no blob store")
    try:
        upload = await read_file_field(request, MAX_AGENT_FILE)
    except UploadRefused as refused:
        return _error(refused.status, refused.message)
    digest = await store.put(upload.data)
    return web.json_response({"attachment": {"blob": digest, "name": safe_name(upload.filename),
                                             "size": len(upload.data), "content_type": sniff(upload.data)}},
                             status=201)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def reply_entries(store: BlobStore | None, given: Any) -> tuple[dict[str, object], ...]:
    """A reply's `attachments` as message-row entries; raises AttachmentError for anything unusable."""
    if given in (None, []):
        return ()
    if not isinstance(given, list) or len(given) > MAX_FILES:
        raise AttachmentError(f"attachments must be a list of at most {MAX_FILES} uploaded files")
    if store is None:
        raise AttachmentError("this server keeps no blob store")
    out = []
    for item in given:
        digest = item.get("blob") if isinstance(item, dict) else None
        if not isinstance(digest, str) or not valid_digest(digest):
            raise AttachmentError("each attachment needs the 'blob' its upload answered")
        data = await store.get(digest)
        if data is None:
            raise AttachmentError("an attachment was not uploaded (upload it first)")
        name = safe_name(item.get("name") if isinstance(item.get("name"), str) else None)
        out.append({"name": name, "content_type": sniff(data), "size": len(data), "blob": digest})
    return tuple(out)
