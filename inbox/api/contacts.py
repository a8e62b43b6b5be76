"""Contacts: a contact's page (identities, every conversation the agent may see on every channel, merge history),
rename, add an email or phone, merge two contacts and undo a merge.

Who sees a contact: an agent who may see at least one of its conversations (admins: all; a contact without
conversations is visible to every agent). Conversations of other teams are left out of the page, never counted.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.api.access import access
from inbox.api.context import can_see, ctx, json_error, read_json, require_agent
from inbox.api.conversations import conversation_views
from inbox.auth import Agent
from inbox.contacts import identity_json, merge, merged_into, unmerge
from inbox.domain import utcnow
from inbox.identities import TYPED_KINDS, ContactError, normalize_identity
from inbox.store.schema import audit, contact_identities, contact_merges, contacts, conversations

routes = web.RouteTableDef()
MAX_NAME = 200
SEARCH_LIMIT = 20


def _id(request: web.Request, key: str = "id") -> int:
    try:
        value = int(request.match_info[key])
    except ValueError:
        raise web.HTTPNotFound(text='{"error": "no such contact"}', content_type="application/json") from None
    if not 0 < value < 2**62:
        raise web.HTTPNotFound(text='{"error": "no such contact"}', content_type="application/json")
    return value


def _visible(agent: Agent) -> Any:
    """The SQL condition for conversations this agent may see (None: all)."""
    if agent.is_admin or agent.team_id is None:
        return None
    return or_(conversations.c.team_id.is_(None), conversations.c.team_id == agent.team_id)


async def _load(conn: AsyncConnection, agent: Agent, contact_id: int) -> Any:
    row = (await conn.execute(select(contacts).where(contacts.c.id == contact_id))).first()
    if row is None:
        raise web.HTTPNotFound(text='{"error": "no such contact"}', content_type="application/json")
    if agent.is_admin:
        return row
    teams = [r.team_id for r in await conn.execute(
        select(conversations.c.team_id).where(conversations.c.contact_id == contact_id))]
    kept = await merged_into(conn, contact_id) if not teams else None
    if kept is not None and kept != contact_id:
        # A merged-away contact is empty: who may see it is who may see the contact it went into.
        await _load(conn, agent, kept)
        return row
    if teams and not any(can_see(agent, t) for t in teams):
        # 404 as for another team's conversation: an agent must not learn which contact ids exist elsewhere.
        raise web.HTTPNotFound(text='{"error": "no such contact"}', content_type="application/json")
    return row


async def _audit(conn: AsyncConnection, agent: Agent, action: str, detail: str) -> None:
    await conn.execute(audit.insert(), {"at": utcnow(), "actor": f"agent:{agent.id}", "action": action,
                                        "conversation_id": None, "detail": detail})


async def contact_page(conn: AsyncConnection, agent: Agent, row: Any) -> dict[str, Any]:
    idents = (await conn.execute(select(contact_identities).where(contact_identities.c.contact_id == row.id)
                                 .order_by(contact_identities.c.id))).all()
    cond = conversations.c.contact_id == row.id
    visible = _visible(agent)
    stmt = select(conversations).where(and_(cond, visible) if visible is not None else cond)
    convs = (await conn.execute(stmt.order_by(conversations.c.last_message_at.desc()).limit(500))).all()
    merges = (await conn.execute(select(contact_merges).where(or_(
        contact_merges.c.kept_id == row.id, contact_merges.c.merged_id == row.id)).order_by(contact_merges.c.id))).all()
    views = await conversation_views(conn, convs)
    for view in views:
        view.pop("contact", None)  # it is this page's contact
    return {
        "id": row.id, "name": row.name, "language": row.language, "unreachable": row.unreachable,
        "created_at": row.created_at.isoformat(), "merged_into": await merged_into(conn, row.id),
        "identities": [identity_json(i) for i in idents],
        "conversations": views,
        "merges": [{"id": m.id, "kept_id": m.kept_id, "merged_id": m.merged_id, "actor": m.actor, "reason": m.reason,
                    "merged_at": m.merged_at.isoformat(), "identities": len(m.identity_ids or []),
                    "conversations": len(m.conversation_ids or []),
                    "unmerged_at": m.unmerged_at.isoformat() if m.unmerged_at else None} for m in merges],
    }


@routes.get("/api/v1/contacts")
@access("agent")
async def search_contacts(request: web.Request) -> web.Response:
    """Contacts by name or identity value (for the merge picker); only contacts the agent may see."""
    agent = await require_agent(request)
    text = request.query.get("q", "").strip()
    if not text or len(text) > 200:
        return json_error(400, "q: 1 to 200 characters")
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matching = or_(func.lower(contacts.c.name).like(pattern, escape="\\"), contacts.c.id.in_(
        select(contact_identities.c.contact_id).where(
            func.lower(contact_identities.c.value).like(pattern, escape="\\"))))
    merged_away = select(contact_merges.c.id).where(and_(contact_merges.c.merged_id == contacts.c.id,
                                                         contact_merges.c.unmerged_at.is_(None)))
    stmt = select(contacts).where(and_(matching, ~merged_away.exists()))
    visible = _visible(agent)
    if visible is not None:
        has_conv = select(conversations.c.id).where(conversations.c.contact_id == contacts.c.id)
        stmt = stmt.where(or_(~has_conv.exists(), has_conv.where(visible).exists()))
    async with ctx(request).engine.connect() as conn:
        rows = (await conn.execute(stmt.order_by(contacts.c.id.desc()).limit(SEARCH_LIMIT))).all()
        ids = [r.id for r in rows]
        idents: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            for r in await conn.execute(select(contact_identities).where(contact_identities.c.contact_id.in_(ids))):
                idents[r.contact_id].append(identity_json(r))
    return web.json_response({"contacts": [{"id": r.id, "name": r.name, "identities": idents[r.id]} for r in rows]})


@routes.get("/api/v1/contacts/{id}")
@access("agent")
async def get_contact(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    contact_id = _id(request)
    async with ctx(request).engine.connect() as conn:
        row = await _load(conn, agent, contact_id)
        return web.json_response({"contact": await contact_page(conn, agent, row)})


def _clean_name(request: web.Request, value: Any) -> str | None:
    """An agent-typed name goes through the same masking as inbound text: a pasted secret is not stored."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise web.HTTPBadRequest(text='{"error": "name must be a string or null"}', content_type="application/json")
    name = " ".join(value.split())
    if len(name) > MAX_NAME:
        raise web.HTTPBadRequest(text=f'{{"error": "name is longer than {MAX_NAME} characters"}}',
                                 content_type="application/json")
    if not name:
        return None
    from routing.guard import GuardPolicy, mask_secrets

    masked, _ = mask_secrets(name, ctx(request).guard_policy or GuardPolicy())
    return masked[:MAX_NAME]


@routes.patch("/api/v1/contacts/{id}")
@access("agent")
async def patch_contact(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    contact_id = _id(request)
    body = await read_json(request)
    if set(body) - {"name"}:
        return json_error(400, f"unknown fields {sorted(set(body) - {'name'})}; only name can be changed")
    name = _clean_name(request, body.get("name"))
    async with ctx(request).engine.begin() as conn:
        row = await _load(conn, agent, contact_id)
        await conn.execute(contacts.update().where(contacts.c.id == contact_id).values(name=name))
        await _audit(conn, agent, "contact.rename", f"contact {contact_id}: {row.name!r} -> {name!r}")
        row = await _load(conn, agent, contact_id)
        return web.json_response({"contact": await contact_page(conn, agent, row)})


@routes.post("/api/v1/contacts/{id}/identities")
@access("agent")
async def add_identity(request: web.Request) -> web.Response:
    """An email or phone an agent learned (unverified: it never merges contacts by itself)."""
    agent = await require_agent(request)
    contact_id = _id(request)
    body = await read_json(request)
    kind, value = body.get("kind"), body.get("value")
    if kind not in TYPED_KINDS or not isinstance(value, str):
        return json_error(400, f"kind: one of {', '.join(TYPED_KINDS)}; value: a string")
    policy = ctx(request).guard_policy
    try:
        normal = normalize_identity(kind, value, tuple(getattr(policy, "phone_regions", ()) or ()))
    except ContactError as e:
        return json_error(400, str(e))
    async with ctx(request).engine.begin() as conn:
        await _load(conn, agent, contact_id)
        if await merged_into(conn, contact_id) is not None:
            return json_error(409, "this contact was merged into another; add it there")
        owner = (await conn.execute(select(contact_identities.c.contact_id).where(and_(
            contact_identities.c.kind == kind, contact_identities.c.value == normal)))).scalar()
        if owner == contact_id:
            return json_error(409, f"this contact already has that {kind}")
        if owner is not None:
            return json_error(409, f"another contact has that {kind}: merge the two contacts instead",
                              **({"contact_id": owner} if await _may_see(conn, agent, owner) else {}))
        await conn.execute(contact_identities.insert(), {
            "contact_id": contact_id, "kind": kind, "value": normal, "display_name": None, "handle": None,
            "verified": False})
        await _audit(conn, agent, "contact.identity_add", f"contact {contact_id}: {kind}")
        row = await _load(conn, agent, contact_id)
        return web.json_response({"contact": await contact_page(conn, agent, row)}, status=201)


async def _may_see(conn: AsyncConnection, agent: Agent, contact_id: int) -> bool:
    try:
        await _load(conn, agent, contact_id)
    except web.HTTPException:
        return False
    return True


@routes.delete("/api/v1/contacts/{id}/identities/{identity_id}")
@access("agent")
async def remove_identity(request: web.Request) -> web.Response:
    """Only what an agent typed can be removed; channel identities carry the conversations."""
    agent = await require_agent(request)
    contact_id, identity_id = _id(request), _id(request, "identity_id")
    async with ctx(request).engine.begin() as conn:
        await _load(conn, agent, contact_id)
        row = (await conn.execute(select(contact_identities).where(and_(
            contact_identities.c.id == identity_id, contact_identities.c.contact_id == contact_id)))).first()
        if row is None:
            return json_error(404, "no such identity on this contact")
        if row.verified:
            return json_error(409, "a channel's identity cannot be removed; unmerge instead")
        await conn.execute(delete(contact_identities).where(contact_identities.c.id == identity_id))
        await _audit(conn, agent, "contact.identity_remove", f"contact {contact_id}: {row.kind}")
        page = await contact_page(conn, agent, await _load(conn, agent, contact_id))
    return web.json_response({"contact": page})


@routes.post("/api/v1/contacts/{id}/merge")
@access("agent")
async def merge_contacts(request: web.Request) -> web.Response:
    """Merge contact `other` into this one: its identities and conversations move here (undo: the merge's id)."""
    agent = await require_agent(request)
    contact_id = _id(request)
    other = (await read_json(request)).get("other")
    if not isinstance(other, int) or isinstance(other, bool) or not 0 < other < 2**62:
        return json_error(400, "other: the id of the contact to merge into this one")
    async with ctx(request).engine.begin() as conn:
        await _load(conn, agent, contact_id)
        if not await _may_see(conn, agent, other):
            return json_error(404, "no such contact")
        try:
            done = await merge(conn, contact_id, other, f"agent:{agent.id}", f"by {agent.email}", utcnow())
        except ContactError as e:
            return json_error(409, str(e))
        await _audit(conn, agent, "contact.merge", f"contact {other} merged into {contact_id} (merge {done.id}): "
                     f"{len(done.identity_ids)} identities, {len(done.conversation_ids)} conversations")
        page = await contact_page(conn, agent, await _load(conn, agent, contact_id))
    return web.json_response({"merge": {"id": done.id}, "contact": page})


@routes.post("/api/v1/contacts/merges/{merge_id}/undo")
@access("agent")
async def undo_merge(request: web.Request) -> web.Response:
    """Undo a merge: the identities and conversations that came with the merged contact go back to it."""
    agent = await require_agent(request)
    merge_id = _id(request, "merge_id")
    async with ctx(request).engine.begin() as conn:
        row = (await conn.execute(select(contact_merges).where(contact_merges.c.id == merge_id))).first()
        if row is None or not await _may_see(conn, agent, row.kept_id):
            return json_error(404, "no such merge")
        try:
            done = await unmerge(conn, merge_id, f"agent:{agent.id}", utcnow())
        except ContactError as e:
            return json_error(409, str(e))
        await _audit(conn, agent, "contact.unmerge", f"merge {merge_id} undone: contact {done.merged_id} "
                     f"split from {done.kept_id}")
        # After the split the kept contact may hold only other teams' conversations: then there is no page to show.
        page = await contact_page(conn, agent, await _load(conn, agent, row.kept_id)) \
            if await _may_see(conn, agent, row.kept_id) else None
    return web.json_response({"contact": page, "restored_contact_id": done.merged_id})
