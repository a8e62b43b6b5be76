"""Canned replies: saved answers an agent inserts by typing /shortcut in the reply box. Everyone reads; any agent
adds; the author or an admin edits and deletes."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from inbox.api.access import access
from inbox.api.context import ctx, json_error, read_json, require_agent
from inbox.auth import Agent
from inbox.domain import utcnow
from inbox.store.schema import canned_replies
from inbox.views import iso
from routing.guard.typed import mask_typed

routes = web.RouteTableDef()
SHORTCUT = re.compile(r"^[\w-]{1,50}$")  # \w covers CJK, so 提现 is a valid shortcut
LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class CannedReplyInput:
    shortcut: str
    title: str
    text: str
    language: str | None


def parse_canned(body: dict[str, Any]) -> CannedReplyInput | list[str]:
    """Validate a create/replace body; returns the input or the list of problems."""
    problems: list[str] = []
    shortcut = body.get("shortcut")
    title = body.get("title")
    text = body.get("text")
    language = body.get("language") or None
    if not isinstance(shortcut, str) or not SHORTCUT.match(shortcut.strip().lstrip("/")):
        problems.append("shortcut: 1-50 letters, digits, '_' or '-' (no spaces)")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        problems.append("title: required, at most 200 characters")
    if not isinstance(text, str) or not text.strip() or len(text) > 10_000:
        problems.append("text: required, at most 10000 characters")
    if language is not None and language not in LANGUAGES:
        problems.append(f"language: one of {', '.join(LANGUAGES)} or empty")
    unknown = set(body) - {"shortcut", "title", "text", "language", "id", "created_by", "created_at"}
    if unknown:
        problems.append(f"unknown keys: {', '.join(sorted(unknown))}")
    if problems:
        return problems
    assert isinstance(shortcut, str) and isinstance(title, str) and isinstance(text, str)
    return CannedReplyInput(shortcut.strip().lstrip("/"), title.strip(), text, language)


def _masked(request: web.Request, parsed: CannedReplyInput) -> CannedReplyInput:
    """Stored like everything agents type: a secret in a saved answer is masked before the row is written."""
    policy = ctx(request).guard_policy
    return replace(parsed, title=mask_typed(parsed.title, policy).text, text=mask_typed(parsed.text, policy).text)


def _view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "shortcut": row.shortcut, "title": row.title, "text": row.text, "language": row.language,
            "created_by": row.created_by, "created_at": iso(row.created_at)}


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text='{"error": "no such canned reply"}', content_type="application/json") from None


async def _owned(request: web.Request, agent: Agent) -> Any:
    async with ctx(request).engine.connect() as conn:
        row = (await conn.execute(select(canned_replies).where(canned_replies.c.id == _id(request)))).first()
    if row is None:
        raise web.HTTPNotFound(text='{"error": "no such canned reply"}', content_type="application/json")
    if not agent.is_admin and row.created_by != agent.id:
        raise web.HTTPForbidden(text='{"error": "only its author or an admin may change it"}',
                                content_type="application/json")
    return row


@routes.get("/api/v1/canned-replies")
@access("agent")
async def list_canned(request: web.Request) -> web.Response:
    await require_agent(request)
    async with ctx(request).engine.connect() as conn:
        rows = (await conn.execute(select(canned_replies).order_by(canned_replies.c.shortcut))).all()
    return web.json_response({"canned_replies": [_view(r) for r in rows]})


@routes.post("/api/v1/canned-replies")
@access("agent")
async def create_canned(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    parsed = parse_canned(await read_json(request))
    if isinstance(parsed, list):
        return json_error(400, "invalid canned reply", problems=parsed)
    parsed = _masked(request, parsed)
    try:
        async with ctx(request).engine.begin() as conn:
            new_id = (await conn.execute(canned_replies.insert().returning(canned_replies.c.id), {
                "shortcut": parsed.shortcut, "title": parsed.title, "text": parsed.text,
                "language": parsed.language, "created_by": agent.id, "created_at": utcnow()})).scalar_one()
            row = (await conn.execute(select(canned_replies).where(canned_replies.c.id == new_id))).one()
    except IntegrityError:
        return json_error(409, f"the shortcut /{parsed.shortcut} is taken", problems=["shortcut: already in use"])
    return web.json_response({"canned_reply": _view(row)}, status=201)


@routes.put("/api/v1/canned-replies/{id}")
@access("agent")
async def replace_canned(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    row = await _owned(request, agent)
    parsed = parse_canned(await read_json(request))
    if isinstance(parsed, list):
        return json_error(400, "invalid canned reply", problems=parsed)
    parsed = _masked(request, parsed)
    try:
        async with ctx(request).engine.begin() as conn:
            await conn.execute(update(canned_replies).where(canned_replies.c.id == row.id).values(
                shortcut=parsed.shortcut, title=parsed.title, text=parsed.text, language=parsed.language))
            row = (await conn.execute(select(canned_replies).where(canned_replies.c.id == row.id))).one()
    except IntegrityError:
        return json_error(409, f"the shortcut /{parsed.shortcut} is taken", problems=["shortcut: already in use"])
    return web.json_response({"canned_reply": _view(row)})


@routes.delete("/api/v1/canned-replies/{id}")
@access("agent")
async def delete_canned(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    row = await _owned(request, agent)
    async with ctx(request).engine.begin() as conn:
        await conn.execute(delete(canned_replies).where(canned_replies.c.id == row.id))
    return web.json_response({"ok": True})
