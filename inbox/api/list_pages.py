"""Conversation list pages that stay fast at any size: keyset cursors, totals and sidebar counts from counters,
search pages from the index (inbox.api.search_query).

Cursor: the list is ordered by (last_message_at, id) descending; `next_cursor` names the last row's pair and the
next page reads strictly below it through the composite indexes (migration 0005), so page 1,000 costs what page 1
costs. `offset` still works (it reads and skips rows: fine for the first pages, documented in the README).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.auth import Agent
from inbox.store.schema import conversation_counts, conversations, messages

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TOTAL_CAP = 10_000  # a filtered list no counter answers is counted up to here, then shown as "10000+"
# Filters the counters can answer (status, view / assignee); any other one needs a (capped) count.
_COUNTED = {"status", "view", "assignee", "limit", "offset", "cursor"}


def date_range(q: Any) -> list[Any]:
    """`since` / `until` (ISO 8601; a date alone is midnight UTC) bound the last message's time."""
    conds = []
    for key, op in (("since", "ge"), ("until", "lt")):
        if q.get(key):
            try:
                moment = datetime.fromisoformat(q[key])
            except ValueError:
                raise ValueError(f"{key}: not an ISO 8601 date or time") from None
            moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
            column = conversations.c.last_message_at
            conds.append(column >= moment if op == "ge" else column < moment)
    return conds


def encode_cursor(last_message_at: datetime, conversation_id: int) -> str:
    delta = last_message_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{conversation_id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    if not re.fullmatch(r"-?[0-9]{1,18}\.[0-9]{1,18}", cursor):
        raise ValueError("cursor is not one this list returned")
    micros, cid = cursor.split(".")
    return _EPOCH + timedelta(microseconds=int(micros)), int(cid)


async def list_response(conn: AsyncConnection, agent: Agent, conds: list[Any], q: Any, limit: int,
                        offset: int, order: list[Any] | None = None) -> web.Response:
    """`order`: another order than the list's own (`sort=sla_due`); such a list pages by offset, not by cursor."""
    from inbox.api.conversations import conversation_views

    conds = list(conds)
    if q.get("cursor") and order is None:
        try:
            at, cid = decode_cursor(q["cursor"])
        except ValueError as e:
            return web.json_response({"error": str(e)}, status=400)
        column = conversations.c.last_message_at
        # `<=` first: an index range on last_message_at; the OR only breaks ties within one instant.
        conds += [column <= at, or_(column < at, conversations.c.id < cid)]
        offset = 0
    stmt = (select(conversations).where(and_(*conds)) if conds else select(conversations)).order_by(
        *(order or [conversations.c.last_message_at.desc(), conversations.c.id.desc()]))
    rows = (await conn.execute(stmt.limit(limit + 1).offset(offset))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    keyset = bool(q.get("cursor")) and order is None
    total, capped = await _total(conn, agent, conds[:-2] if keyset else conds, q)
    body: dict[str, Any] = {
        "conversations": await conversation_views(conn, rows), "total": total, "total_capped": capped,
        "next_cursor": encode_cursor(rows[-1].last_message_at, rows[-1].id) if more and rows and order is None
        else None,
    }
    return web.json_response(body)


async def _total(conn: AsyncConnection, agent: Agent, conds: list[Any], q: Any) -> tuple[int, bool]:
    assignee = q.get("assignee") or {"mine": "me", "unassigned": "none"}.get(q.get("view", "all"))
    if {k for k, v in q.items() if v} <= _COUNTED and q.get("view", "all") in ("all", "mine", "unassigned", "team") and (
            assignee in (None, "me", "none") or re.fullmatch(r"[0-9]{1,18}", assignee)):
        statuses = q["status"].split(",") if q.get("status") else None
        buckets = await _buckets(conn, statuses)
        view = q.get("view", "all")
        return sum(n for team, who, n in buckets if _visible(agent, team) and _in_view(agent, view, team, who)
                   and _assigned(agent, assignee, who)), False
    inner = select(conversations.c.id).where(and_(*conds)).limit(TOTAL_CAP + 1) if conds else \
        select(conversations.c.id).limit(TOTAL_CAP + 1)
    n = (await conn.execute(select(func.count()).select_from(inner.subquery()))).scalar_one()
    return min(n, TOTAL_CAP), n > TOTAL_CAP


async def _buckets(conn: AsyncConnection, statuses: list[str] | None) -> list[tuple[int, int, int]]:
    stmt = select(conversation_counts.c.team_key, conversation_counts.c.assignee_key, conversation_counts.c.n)
    if statuses is not None:
        stmt = stmt.where(conversation_counts.c.status.in_(statuses))
    return [(r.team_key, r.assignee_key, r.n) for r in await conn.execute(stmt)]


def _visible(agent: Agent, team_key: int) -> bool:
    """The same rule as the list's: an agent of a team sees that team's and unrouted conversations."""
    return agent.is_admin or agent.team_id is None or team_key in (0, agent.team_id)


def _in_view(agent: Agent, view: str, team_key: int, assignee_key: int) -> bool:
    if view == "mine":
        return assignee_key == agent.id
    if view == "unassigned":
        return assignee_key == 0
    if view == "team":
        return team_key == (agent.team_id or 0)
    return True


def _assigned(agent: Agent, assignee: str | None, assignee_key: int) -> bool:
    if assignee in (None, ""):
        return True
    if assignee == "me":
        return assignee_key == agent.id
    if assignee == "none":
        return assignee_key == 0
    return assignee_key == int(assignee)


async def view_counts(conn: AsyncConnection, agent: Agent, statuses: list[str]) -> dict[str, int]:
    buckets = await _buckets(conn, statuses)
    return {view: sum(n for team, who, n in buckets if _visible(agent, team) and _in_view(agent, view, team, who))
            for view in ("mine", "unassigned", "team", "all")}


async def search_response(conn: AsyncConnection, agent: Agent, conds: list[Any], q: Any, limit: int) -> web.Response:
    from inbox.api.conversations import conversation_views
    from inbox.api.search_query import search_conversations

    try:
        page = await search_conversations(conn, conds, q["q"], limit, q.get("cursor"))
    except ValueError as e:
        return web.json_response({"error": str(e)}, status=400)
    views = await conversation_views(conn, page.rows)
    for view in views:
        view["matched"] = page.matched.get(view["id"])
        view["snippet"] = page.snippets.get(view["id"])
    return web.json_response({
        "conversations": views, "total": len(views), "total_capped": page.next_cursor is not None,
        "next_cursor": page.next_cursor,
        "search": {"too_short": page.too_short, "partial": page.partial},
    })


def message_page(q: Any) -> tuple[int, int | None] | None:
    """`limit` (and `before`, a message id) → the newest `limit` messages below it, oldest first; neither → the
    whole thread, as before."""
    if not q.get("limit") and not q.get("before"):
        return None
    if not re.fullmatch(r"[0-9]{1,3}", q.get("limit", "50")) or not 1 <= int(q.get("limit", "50")) <= 500:
        raise ValueError("limit must be between 1 and 500")
    before = q.get("before")
    if before is not None and not re.fullmatch(r"[0-9]{1,18}", before):
        raise ValueError("before must be a message id")
    return int(q.get("limit", "50")), int(before) if before is not None else None


async def read_messages(conn: AsyncConnection, conversation_id: int, page: tuple[int, int | None] | None) -> list[Any]:
    stmt = select(messages).where(messages.c.conversation_id == conversation_id)
    if page is None:
        return list((await conn.execute(stmt.order_by(messages.c.id))).all())
    limit, before = page
    if before is not None:
        stmt = stmt.where(messages.c.id < before)
    rows = (await conn.execute(stmt.order_by(messages.c.id.desc()).limit(limit))).all()
    return rows[::-1]
