"""Conversations and messages: list with filters, read, reply (through the guard), notes, changes."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.api.access import access
from inbox.api.context import can_see, ctx, json_error, read_json, require_agent
from inbox.api.list_pages import date_range, list_response, message_page, read_messages, search_response, view_counts
from inbox.attachments.outbound import AttachmentError, reply_entries
from inbox.auth import Agent
from inbox.classifier_learning import record_correction
from inbox.domain import (
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Priority,
    Visibility,
    format_ticket,
    utcnow,
)
from inbox.events import Event
from inbox.outbox import MASKED_SECRET_FLAG, SECRET_REPLY_NEEDS_ONE_PROCESS
from inbox.recipients import customer_identity, identity_json
from inbox.replies import choose_target, enqueue_reply
from inbox.sla.views import sla_conditions, sla_order, sla_views
from inbox.store.ops import insert_ignore
from inbox.store.search import index_messages
from inbox.store.schema import (
    agents,
    audit,
    contact_identities,
    contacts,
    conversation_tags,
    conversations,
    messages,
    teams,
)
from inbox.views import conversation_core, message_view
from routing.guard.typed import MaskedInput, mask_typed

routes = web.RouteTableDef()
MAX_OFFSET = 10**12  # beyond any real table, far below the 64-bit bound a larger value would break in the driver
MENTION = re.compile(r"@([\w.+-]+@[\w-]+\.[\w.-]+|[\w.-]+)")


async def _tags(conn: AsyncConnection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for cid, tag in await conn.execute(select(conversation_tags.c.conversation_id, conversation_tags.c.tag)
                                           .where(conversation_tags.c.conversation_id.in_(ids))):
            out[cid].append(tag)
    return out


async def _contacts(conn: AsyncConnection, ids: set[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    if not ids:
        return out
    for r in await conn.execute(select(contacts).where(contacts.c.id.in_(ids))):
        out[r.id] = {"id": r.id, "name": r.name, "language": r.language, "unreachable": r.unreachable,
                     "attributes": r.attributes or {}, "identities": []}
    for r in await conn.execute(select(contact_identities).where(contact_identities.c.contact_id.in_(ids))):
        out[r.contact_id]["identities"].append(
            {"kind": r.kind, "value": r.value, "display_name": r.display_name, "handle": r.handle})
    return out


async def _agents(conn: AsyncConnection, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await conn.execute(select(agents.c.id, agents.c.name, agents.c.email).where(agents.c.id.in_(ids)))
    return {r.id: {"id": r.id, "name": r.name, "email": r.email} for r in rows}


async def conversation_views(conn: AsyncConnection, rows: list[Any]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    tags = await _tags(conn, ids)
    people = await _contacts(conn, {r.contact_id for r in rows})
    assignees = await _agents(conn, {r.assignee_id for r in rows if r.assignee_id})
    team_names = {t.id: t.name for t in await conn.execute(select(teams))}
    service_levels = await sla_views(conn, ids)
    out = []
    for r in rows:
        view = conversation_core(r, tags[r.id])
        view["sla"] = service_levels.get(r.id)
        view["contact"] = people.get(r.contact_id)
        view["assignee"] = assignees.get(r.assignee_id) if r.assignee_id else None
        view["team"] = team_names.get(r.team_id) if r.team_id else None
        out.append(view)
    return out


def _filters(agent: Agent, q: Any) -> list[Any]:
    conds: list[Any] = []
    if not agent.is_admin and agent.team_id is not None:
        conds.append(or_(conversations.c.team_id.is_(None), conversations.c.team_id == agent.team_id))
    for key, column in (("status", conversations.c.status), ("type", conversations.c.type),
                        ("channel", conversations.c.channel), ("connector", conversations.c.connector),
                        ("visibility", conversations.c.visibility), ("priority", conversations.c.priority)):
        if q.get(key):
            conds.append(column.in_(q[key].split(",")))
    view = q.get("view", "all")
    assignee = q.get("assignee") or {"mine": "me", "unassigned": "none"}.get(view)
    if assignee == "me":
        conds.append(conversations.c.assignee_id == agent.id)
    elif assignee == "none":
        conds.append(conversations.c.assignee_id.is_(None))
    elif assignee:
        if re.fullmatch(r"[0-9]{1,18}", assignee):  # not isdigit(): "²" or 10**30 would reach the driver
            conds.append(conversations.c.assignee_id == int(assignee))
        else:
            conds.append(conversations.c.assignee_id.in_(select(agents.c.id).where(agents.c.email == assignee.lower())))
    if view == "team":
        conds.append(conversations.c.team_id == agent.team_id if agent.team_id else conversations.c.team_id.is_(None))
    if q.get("team"):
        conds.append(conversations.c.team_id.in_(select(teams.c.id).where(teams.c.name == q["team"])))
    if q.get("tag"):
        conds.append(exists().where(and_(conversation_tags.c.conversation_id == conversations.c.id,
                                         conversation_tags.c.tag == q["tag"])))
    conds.extend(date_range(q))  # `q` (search) is answered by inbox.api.search_query from the indexes
    conds.extend(sla_conditions(q))
    return conds


@routes.get("/api/v1/conversations")
@access("agent")
async def list_conversations(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    q = request.query
    try:
        limit = min(int(q.get("limit", 50)), 200)
        offset = min(max(int(q.get("offset", 0)), 0), MAX_OFFSET)
        conds = _filters(agent, q)
    except ValueError as e:
        return json_error(400, str(e) if "date" in str(e) else "limit and offset must be numbers")
    if limit < 1:  # SQLite reads LIMIT -1 as "no limit": that would bypass the cap
        return json_error(400, "limit must be between 1 and 200")
    async with ctx(request).engine.connect() as conn:
        if q.get("q", "").strip():
            return await search_response(conn, agent, conds, q, limit)
        return await list_response(conn, agent, conds, q, limit, offset, order=sla_order(q))


@routes.get("/api/v1/conversations/counts")
@access("agent")
async def counts(request: web.Request) -> web.Response:
    """Conversations per view (open unless `status` says otherwise), for the inbox sidebar: read from the counters
    the database keeps with every write (inbox.api.list_pages), never by counting the table."""
    agent = await require_agent(request)
    async with ctx(request).engine.connect() as conn:
        out = await view_counts(conn, agent, request.query.get("status", "open").split(","))
    return web.json_response({"counts": out})


async def _load(request: web.Request, agent: Agent) -> Any:
    try:
        cid = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with ctx(request).engine.connect() as conn:
        row = (await conn.execute(select(conversations).where(conversations.c.id == cid))).first()
    if row is None:
        raise web.HTTPNotFound(text='{"error": "no such conversation"}', content_type="application/json")
    if not can_see(agent, row.team_id):  # 404 like a missing one: ids of other teams' conversations don't leak
        raise web.HTTPNotFound(text='{"error": "no such conversation"}', content_type="application/json")
    return row


@routes.get("/api/v1/conversations/{id}")
@access("conversation")
async def get_conversation(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    row = await _load(request, agent)
    async with ctx(request).engine.connect() as conn:
        [view] = await conversation_views(conn, [row])
        # Who a reply goes to (the conversation's customer), shown beside the composer.
        view["recipient"] = identity_json(await customer_identity(conn, row.id, row.connector))
    return web.json_response({"conversation": view})


@routes.get("/api/v1/conversations/{id}/messages")
@access("conversation")
async def list_messages(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    row = await _load(request, agent)
    reveal = request.query.get("reveal") in ("1", "true")
    if reveal and not agent.is_admin:
        return json_error(403, "revealing personal data needs the admin role")
    try:
        page = message_page(request.query)
    except ValueError as e:
        return json_error(400, str(e))
    async with ctx(request).engine.begin() as conn:
        rows = await read_messages(conn, row.id, page)
        if reveal:
            await conn.execute(audit.insert(), {"at": utcnow(), "actor": f"agent:{agent.id}", "action": "reveal",
                                                "conversation_id": row.id, "detail": agent.email})
    return web.json_response({"messages": [message_view(m, reveal=reveal) for m in rows],
                              "next_before": rows[0].id if page is not None and len(rows) == page[0] else None})


def _guard_decision(request: web.Request, text: str, conv: Any, wants_private: bool = False) -> Any:
    policy = ctx(request).guard_policy
    if policy is None:
        return None
    from routing.guard import check_outbound

    return check_outbound(text, Visibility(conv.visibility), policy, conv.language, wants_private=wants_private)


def _decision_json(decision: Any, conv: Any) -> dict[str, Any]:
    if decision is None:
        return {"visibility": conv.visibility, "reasons": [], "public_notice": None, "findings": []}
    return {
        "visibility": decision.route.value, "reasons": list(decision.reasons), "public_notice": decision.public_notice,
        "blocked_publicly": decision.blocked_publicly, "refused": decision.blocked,
        "refused_kinds": list(decision.refused_kinds), "refusal": decision.refusal,
        "findings": [{"kind": f.kind, "start": f.start, "end": f.end, "tier": f.tier} for f in decision.findings],
    }


@routes.post("/api/v1/conversations/{id}/preview")
@access("conversation")
async def preview(request: web.Request) -> web.Response:
    """What the guard will do with a draft, before it is sent."""
    agent = await require_agent(request)
    conv = await _load(request, agent)
    body = await read_json(request)
    text = body.get("text")
    if not isinstance(text, str):
        return json_error(400, "text must be a string")
    decision = _guard_decision(request, text, conv, body.get("visibility") == "private")  # as Send would decide
    route = _decision_json(decision, conv)
    async with ctx(request).engine.connect() as conn:
        target = await choose_target(conn, conv.id, Visibility(route["visibility"]))
        route["recipient"] = identity_json(await customer_identity(conn, conv.id, target.connector))
    return web.json_response({"route": route, "channel": conv.channel, "connector": conv.connector})


@routes.post("/api/v1/conversations/{id}/messages")
@access("conversation")
async def post_message(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    conv = await _load(request, agent)
    body = await read_json(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return json_error(400, "text must be a non-empty string")
    if len(text) > 50_000:
        return json_error(400, "text is longer than 50000 characters")
    app = ctx(request)
    now = utcnow()
    note = bool(body.get("private_note"))
    try:
        files = await reply_entries(app.pipeline.blob_store, body.get("attachments"))
    except AttachmentError as e:
        return json_error(400, str(e))
    # Files never go into a public thread (inbox.attachments.outbound): the reply takes the private path.
    wants_private = body.get("visibility") == "private" or (bool(files) and conv.visibility == Visibility.PUBLIC.value)
    decision = None if note else _guard_decision(request, text, conv, wants_private)
    if decision is not None and decision.blocked:
        # Nothing is stored but the attempt (kinds only): an agent never needs to send a customer's secret.
        async with app.engine.begin() as conn:
            await conn.execute(audit.insert(), {"at": now, "actor": f"agent:{agent.id}", "action": "reply_refused",
                                                "conversation_id": conv.id,
                                                "detail": "kinds: " + ", ".join(decision.refused_kinds)})
        return json_error(422, decision.refusal, kinds=list(decision.refused_kinds))
    typed = mask_typed(text, app.guard_policy)  # what agents type is masked at rest like inbound text
    message_id = None
    try:
        async with app.engine.begin() as conn:
            if note:
                message_id = (await conn.execute(messages.insert().returning(messages.c.id), {
                    "conversation_id": conv.id, "connector": conv.connector, "direction": Direction.NOTE.value,
                    "visibility": Visibility.PRIVATE.value, "agent_id": agent.id, "text": typed.text,
                    "status": DeliveryStatus.SENT.value, "attachments": list(files), "findings": typed.findings_json(),
                    "flags": [], "created_at": now,
                })).scalar_one()
                await index_messages(conn, [(message_id, conv.id, typed.text, None)])
                mentions = await _mentions(conn, typed.text)
                route: dict[str, Any] = {"visibility": "note", "reasons": [], "public_notice": None, "findings": []}
            else:
                message_id, route = await _queue_reply(request, conn, conv, agent, typed, text, decision,
                                                       wants_private, now, files)
                mentions = []
            row = (await conn.execute(select(messages).where(messages.c.id == message_id))).one()
    except BaseException:
        app.dispatcher.release_clear_text(message_id)
        raise
    app.dispatcher.wake()
    view = message_view(row)
    app.events.publish(Event("message.created", conv.id, conv.team_id,
                             {"type": "message.created", "conversation_id": conv.id, "message": view}))
    for mentioned in mentions:
        app.events.publish(Event("mention", conv.id, conv.team_id, {
            "type": "mention", "conversation_id": conv.id, "ticket": format_ticket(conv.id), "agent_id": mentioned,
            "by": agent.name, "message_id": message_id}))
    return web.json_response({"message": view, "route": route}, status=201)


async def _queue_reply(request: web.Request, conn: AsyncConnection, conv: Any, agent: Agent, typed: MaskedInput,
                       text: str, decision: Any, wants_private: bool, now: datetime,
                       files: tuple[dict[str, object], ...] = ()) -> tuple[int, dict[str, Any]]:
    """The message and outbox rows of an agent's reply. A secret the admin's policy allows is sent as typed and
    stored masked: the typed text is handed to the dispatcher in memory (sending the mask would give the customer
    "[otp removed]", which makes allowing the kind pointless)."""
    app = ctx(request)
    if typed.masked and not app.dispatcher.sends_secret_replies:
        # Never stored in clear, so another process could not send it as typed: refused before anything is stored.
        raise web.HTTPConflict(text=json.dumps({"error": SECRET_REPLY_NEEDS_ONE_PROCESS}),
                               content_type="application/json")
    goes_private = wants_private or (decision is not None and decision.route == Visibility.PRIVATE)
    queued = await enqueue_reply(
        conn, conv.id, typed.text, Visibility.PRIVATE if goes_private else Visibility.PUBLIC, now,
        agent_id=agent.id, reason=None,
        private_link_fallback=goes_private and conv.visibility == Visibility.PUBLIC.value,
        notice=decision.public_notice if decision is not None and goes_private
        and conv.visibility == Visibility.PUBLIC.value else None,
        findings=typed.findings_json(), flags=(MASKED_SECRET_FLAG,) if typed.masked else (), attachments=files,
    )
    message_id = queued.message_id
    if typed.masked:
        app.dispatcher.hold_clear_text(message_id, text)
    route = _decision_json(decision, conv)
    route.update({"visibility": queued.target.visibility.value, "connector": queued.target.connector,
                  "stored_masked": list(typed.kinds),
                  "recipient": identity_json(await customer_identity(conn, conv.id, queued.target.connector))})
    if goes_private and conv.visibility == Visibility.PUBLIC.value:
        await conn.execute(audit.insert(), {"at": now, "actor": f"agent:{agent.id}", "action": "redirect_private",
                                            "conversation_id": conv.id, "detail": "; ".join(route["reasons"])})
    if conv.assignee_id is None:
        await conn.execute(update(conversations).where(conversations.c.id == conv.id)
                           .values(assignee_id=agent.id, updated_at=now))
    return message_id, route


async def _mentions(conn: AsyncConnection, text: str) -> list[int]:
    names = {m.lower() for m in MENTION.findall(text)}
    if not names:
        return []
    rows = await conn.execute(select(agents.c.id).where(or_(agents.c.email.in_(names), func.lower(agents.c.name).in_(names))))
    return [r.id for r in rows]


@routes.patch("/api/v1/conversations/{id}")
@access("conversation")
async def patch_conversation(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    conv = await _load(request, agent)
    body = await read_json(request)
    problems = patch_type_problems(body)
    if problems:
        return json_error(400, "invalid change", problems=problems)
    values: dict[str, Any] = {}
    try:
        if "status" in body:
            values["status"] = ConversationStatus(body["status"]).value
            values["resolved_at"] = utcnow() if values["status"] == "resolved" else None
        if "priority" in body:
            values["priority"] = Priority(body["priority"]).value
        if "snooze_until" in body:
            values["snoozed_until"] = _aware(datetime.fromisoformat(body["snooze_until"])) if body["snooze_until"] else None
            if values["snoozed_until"] is not None:
                values["status"] = ConversationStatus.SNOOZED.value
        if "type" in body:
            values["type"] = str(body["type"]) if body["type"] else None
    except (ValueError, TypeError, OverflowError) as e:  # OverflowError: year 9999 with a negative offset
        return json_error(400, f"invalid value: {e}")
    app = ctx(request)
    now = utcnow()
    async with app.engine.begin() as conn:
        if "assignee_id" in body:
            aid = body["assignee_id"]
            if aid is not None and (await conn.execute(select(agents.c.id).where(agents.c.id == aid))).first() is None:
                return json_error(400, "no such agent")
            values["assignee_id"] = aid
        if "team" in body:
            values["team_id"] = (await conn.execute(select(teams.c.id).where(teams.c.name == body["team"]))).scalar() \
                if body["team"] else None
            if body["team"] and values["team_id"] is None:
                return json_error(400, "no such team")
        if values:
            await conn.execute(update(conversations).where(conversations.c.id == conv.id).values(updated_at=now, **values))
        if "type" in body:  # an agent's type is a labelled example for the classifier (inbox.classifier_learning)
            await record_correction(conn, conv.id, conv.type, values["type"], agent.id)
        # Masked before the 100-character cut, so a cut can never leave part of a secret unrecognised.
        add = [mask_typed(str(t), app.guard_policy).text[:100] for t in body.get("add_tags", []) if str(t).strip()]
        remove = [str(t) for t in body.get("remove_tags", [])]
        await insert_ignore(conn, conversation_tags, [{"conversation_id": conv.id, "tag": t} for t in add])
        if remove:
            await conn.execute(delete(conversation_tags).where(and_(
                conversation_tags.c.conversation_id == conv.id, conversation_tags.c.tag.in_(remove))))
        changes = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
        await conn.execute(audit.insert(), {"at": now, "actor": f"agent:{agent.id}", "action": "update",
                                            "conversation_id": conv.id,
                                            "detail": str({**changes, "add_tags": add, "remove_tags": [
                                                mask_typed(t, app.guard_policy).text for t in remove]})})
        row = (await conn.execute(select(conversations).where(conversations.c.id == conv.id))).one()
        [view] = await conversation_views(conn, [row])
    app.events.publish(Event("conversation.updated", conv.id, row.team_id,
                             {"type": "conversation.updated", "conversation": view}))
    return web.json_response({"conversation": view})


_PATCH_TYPES: dict[str, tuple[type, ...]] = {
    "status": (str,), "priority": (str,), "snooze_until": (str, type(None)), "type": (str, type(None)),
    "team": (str, type(None)), "assignee_id": (int, type(None)), "add_tags": (list,), "remove_tags": (list,),
}


def patch_type_problems(body: dict[str, Any]) -> list[str]:
    """Wrong JSON types in a conversation change (`add_tags: 5`, an id of 10**30) are a 400, never a 500."""
    problems = [f"{key}: wrong type" for key, types in _PATCH_TYPES.items()
                if key in body and (not isinstance(body[key], types) or isinstance(body[key], bool))]
    for key, longest in (("type", 30), ("team", 100)):
        if isinstance(body.get(key), str) and len(body[key]) > longest:
            problems.append(f"{key}: at most {longest} characters")
    aid = body.get("assignee_id")
    if isinstance(aid, int) and not isinstance(aid, bool) and not 0 < aid < 2**63:
        problems.append("assignee_id: no such agent")
    for key in ("add_tags", "remove_tags"):
        if isinstance(body.get(key), list) and (len(body[key]) > 100 or not all(isinstance(t, str) for t in body[key])):
            problems.append(f"{key}: a list of at most 100 strings")
    return problems


def _aware(moment: datetime) -> datetime:
    """A time without a zone is read as UTC (PostgreSQL refuses naive values for a timestamptz column)."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


@routes.get("/api/v1/conversations/{id}/audit")
@access("conversation")
async def conversation_audit(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    conv = await _load(request, agent)
    async with ctx(request).engine.connect() as conn:
        rows = (await conn.execute(select(audit).where(audit.c.conversation_id == conv.id).order_by(audit.c.id))).all()
    return web.json_response({"audit": [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action,
                                         "detail": r.detail} for r in rows]})
