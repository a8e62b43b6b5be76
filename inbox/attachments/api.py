"""GET an attachment (or its thumbnail) of a message, for agents who may see the conversation.

Safe to open: the type served is the one sniffed from the bytes; only plain raster images are `inline`, everything
else (HTML, SVG, PDF, archives, a text file, an HTML page named .png) is an `attachment` download sent as
application/octet-stream; `nosniff` and a CSP with `sandbox` keep a browser from running anything it was sent.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from sqlalchemy import and_, select

from inbox.api.access import access, path_id
from inbox.api.context import ctx
from inbox.attachments.blobs import BlobStore, valid_digest
from inbox.attachments.names import content_disposition, safe_name
from inbox.attachments.sniff import inline_image, sniff
from inbox.attachments.thumbs import thumbnail
from inbox.store.schema import blobs, messages

routes = web.RouteTableDef()
BLOB_STORE = web.AppKey("inbox_blob_store", BlobStore)
# A download is a file, never a page: nothing in it may run, load or frame anything.
_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"


def _missing(what: str = "no such attachment") -> web.HTTPNotFound:
    return web.HTTPNotFound(text=json.dumps({"error": what}), content_type="application/json")


async def _stored(request: web.Request) -> tuple[dict[str, Any], bytes | None]:
    """The attachment's entry and its body (None: not stored, e.g. refused or withheld by the guard)."""
    entry = await _entry(request)
    digest = entry.get("blob")
    return entry, await read_body(request, digest) if isinstance(digest, str) else None


async def _entry(request: web.Request) -> dict[str, Any]:
    conversation_id, message_id = path_id(request), path_id(request, "message_id")
    index = path_id(request, "index")
    async with ctx(request).engine.connect() as conn:
        row = (await conn.execute(select(messages.c.attachments).where(
            and_(messages.c.id == message_id, messages.c.conversation_id == conversation_id)))).first()
    entries = (row.attachments or []) if row is not None else []
    if index >= len(entries) or not isinstance(entries[index], dict):
        raise _missing()
    return entries[index]


async def read_body(request: web.Request, digest: str) -> bytes | None:
    """From the blob store, else the `blobs` table (bodies stored before the blob store existed)."""
    if not valid_digest(digest):
        return None
    store = ctx(request).pipeline.blob_store
    if store is not None and (data := await store.get(digest)) is not None:
        return data
    async with ctx(request).engine.connect() as conn:
        row = (await conn.execute(select(blobs.c.data).where(blobs.c.sha256 == digest))).first()
    return bytes(row.data) if row is not None else None


def _headers(disposition: str, name: str) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(disposition, name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": _CSP,
        "Cache-Control": "private, max-age=300",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


@routes.get("/api/v1/conversations/{id}/messages/{message_id}/attachments/{index}")
@access("conversation")
async def download(request: web.Request) -> web.StreamResponse:
    entry, data = await _stored(request)
    if data is None:
        raise _missing(entry.get("note") or "the file's content is not stored")
    kind = sniff(data)
    name = safe_name(entry.get("name"))
    if request.query.get("download") != "1" and inline_image(kind):
        return web.Response(body=data, content_type=kind, headers=_headers("inline", name))
    return web.Response(body=data, content_type="application/octet-stream", headers=_headers("attachment", name))


@routes.get("/api/v1/conversations/{id}/messages/{message_id}/attachments/{index}/thumbnail")
@access("conversation")
async def thumbnail_of(request: web.Request) -> web.StreamResponse:
    entry, data = await _stored(request)
    if data is None or not inline_image(sniff(data)):
        raise _missing("no thumbnail")
    small = await asyncio.to_thread(thumbnail, data)
    if small is None:
        raise _missing("no thumbnail")
    kind = sniff(small)
    return web.Response(body=small, content_type=kind,
                        headers=_headers("inline", "thumbnail-" + safe_name(entry.get("name"))))
