"""The list of accounts seen impersonating us: written by the pipeline, read (and triaged) by admins.

Each platform account is one row: the latest sighting's score, signals, excerpt and conversation, how often it was
seen, and the links a person needs to report it to the platform (platforms offer no API for reports, so the
inbox gathers the evidence and the admin files the report with one click).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.domain import format_ticket
from inbox.store.schema import impersonators

STATUSES = ("open", "reported", "dismissed")
# Where each platform takes impersonation reports (no API: a person files them).
X_REPORT_FORM = "https://help.x.com/en/forms/authenticity/impersonation"
TELEGRAM_REPORT = "https://t.me/notoscam"  # Telegram's own account for scam and impersonation reports


async def record_reports(conn: AsyncConnection, reports: list[tuple[int, dict[str, Any]]], now: datetime) -> None:
    for conversation_id, r in reports:
        key = and_(impersonators.c.platform == r["platform"], impersonators.c.account_id == r["account_id"])
        latest = {
            "handle": r.get("handle"), "display_name": r.get("display_name"), "score": r["score"],
            "signals": r["signals"], "excerpt": (r.get("excerpt") or "")[:500], "conversation_id": conversation_id,
            "provider_id": r.get("provider_id"), "last_seen": now,
        }
        found = (await conn.execute(select(impersonators.c.id).where(key))).first()
        if found is None:
            await conn.execute(impersonators.insert().values(
                platform=r["platform"], account_id=r["account_id"], times_seen=1, status="open", first_seen=now,
                **latest))
        else:
            await conn.execute(update(impersonators).where(impersonators.c.id == found.id)
                               .values(times_seen=impersonators.c.times_seen + 1, **latest))


def report_links(platform: str, account_id: str, handle: str | None) -> dict[str, str]:
    if platform == "x":
        profile = f"https://x.com/{quote(handle.lstrip('@'))}" if handle else f"https://x.com/i/user/{account_id}"
        return {"profile": profile, "report": X_REPORT_FORM}
    if platform == "telegram":
        profile = f"https://t.me/{quote(handle.lstrip('@'))}" if handle else f"tg://user?id={account_id}"
        return {"profile": profile, "report": TELEGRAM_REPORT}
    return {}


def view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "platform": row.platform, "account_id": row.account_id, "handle": row.handle,
        "display_name": row.display_name, "score": row.score, "signals": row.signals, "excerpt": row.excerpt,
        "conversation_id": row.conversation_id,
        "ticket": format_ticket(row.conversation_id) if row.conversation_id is not None else None,
        "times_seen": row.times_seen, "status": row.status, "first_seen": row.first_seen.isoformat(),
        "last_seen": row.last_seen.isoformat(), "links": report_links(row.platform, row.account_id, row.handle),
    }


async def list_impersonators(conn: AsyncConnection, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(impersonators).order_by(impersonators.c.last_seen.desc(), impersonators.c.id.desc()).limit(limit)
    if status:
        query = query.where(impersonators.c.status == status)
    return [view(r) for r in await conn.execute(query)]


async def set_status(conn: AsyncConnection, impersonator_id: int, status: str) -> dict[str, Any] | None:
    await conn.execute(update(impersonators).where(impersonators.c.id == impersonator_id).values(status=status))
    row = (await conn.execute(select(impersonators).where(impersonators.c.id == impersonator_id))).first()
    return view(row) if row is not None else None
