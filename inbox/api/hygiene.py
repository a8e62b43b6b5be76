"""Input every route refuses before it can reach the database: NUL characters.

PostgreSQL cannot store U+0000 in text (the driver raises, which used to surface as a 500), and no legitimate path,
query value or JSON string of this API carries one; so they are refused with a 400 at the door, on both stores.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

NUL = "\x00"


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f'{{"error": "{message}"}}', content_type="application/json")


@web.middleware
async def reject_nul_characters(request: web.Request, handler: Any) -> web.StreamResponse:
    if NUL in request.path or any(NUL in k or NUL in v for k, v in request.query.items()):
        raise _bad_request("NUL characters are not accepted in the path or query")
    return await handler(request)


def has_nul(value: Any) -> bool:
    """Whether any key or string in a decoded JSON value holds U+0000 (iterative: nesting depth is the client's)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def refuse_nul(body: Any) -> Any:
    """The body unchanged, or a 400 when a string in it holds U+0000."""
    if has_nul(body):
        raise _bad_request("NUL characters are not accepted in JSON strings")
    return body
