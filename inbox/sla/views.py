"""The SLA part of a conversation's JSON, and the list's filter and sort by it (used by inbox.api.conversations)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.sla.clock import STATES
from inbox.store.schema import conversation_sla, conversations
from inbox.views import iso

SORTS = ("sla_due",)


def sla_view(row: Any) -> dict[str, Any] | None:
    if row is None or row.policy is None:
        return None
    return {
        "policy": row.policy, "state": row.state, "next_due": iso(row.next_due),
        "first_response_due": iso(row.first_response_due), "first_response_at": iso(row.first_response_at),
        "next_response_due": iso(row.next_response_due), "resolution_due": iso(row.resolution_due),
        "first_response_breached": row.first_response_breached, "resolution_breached": row.resolution_breached,
        "next_response_breaches": row.next_response_breaches,
    }


async def sla_views(conn: AsyncConnection, ids: list[int]) -> dict[int, dict[str, Any] | None]:
    if not ids:
        return {}
    rows = await conn.execute(select(conversation_sla).where(conversation_sla.c.conversation_id.in_(ids)))
    return {r.conversation_id: sla_view(r) for r in rows}


def sla_conditions(query: Any) -> list[Any]:
    """`?sla=at_risk,breached`: conversations in one of these states (unknown names match nothing)."""
    wanted = [s for s in str(query.get("sla") or "").split(",") if s]
    if not wanted:
        return []
    states = [s for s in wanted if s in STATES]
    return [conversations.c.id.in_(select(conversation_sla.c.conversation_id)
                                   .where(conversation_sla.c.state.in_(states)))]


def sla_order(query: Any) -> list[Any] | None:
    """`?sort=sla_due`: the soonest due first; conversations with no running clock last."""
    if query.get("sort") != "sla_due":
        return None
    due = (select(conversation_sla.c.next_due).where(conversation_sla.c.conversation_id == conversations.c.id)
           .scalar_subquery())
    return [due.is_(None), due.asc(), conversations.c.id.desc()]
