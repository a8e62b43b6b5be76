"""Rows written straight into the store with chosen timestamps, so SLA clocks can be tested with a controlled clock."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.sla.policy import PolicySet, parse_policy_set
from inbox.store.schema import contacts, conversation_tags, conversations, messages

BEIJING_SPEC = {
    "calendars": {"beijing": {"timezone": "Asia/Shanghai", "weekly": {"mon-fri": "09:00-18:00"},
                              "holidays": ["2026-10-01", "2026-10-02"]}},
    "policies": [
        {"name": "urgent", "when": {"priority": ["urgent"]}, "calendar": "24/7", "first_response": "15m",
         "resolution": "4h"},
        {"name": "normal", "calendar": "beijing", "first_response": "4h", "next_response": "2h",
         "resolution": "16h", "at_risk": "25%"},
    ],
}


def policies(spec: dict[str, Any] = BEIJING_SPEC) -> Any:
    policy_set = parse_policy_set(spec, "config")

    async def load() -> PolicySet:
        return policy_set

    return load


async def conversation(engine: AsyncEngine, at: datetime, *, priority: str = "normal", channel: str = "email",
                       status: str = "open", type_: str | None = None, team_id: int | None = None,
                       tags: tuple[str, ...] = (), text: str = "my deposit has not arrived",
                       visibility: str = "private") -> int:
    async with engine.begin() as conn:
        contact = (await conn.execute(contacts.insert().returning(contacts.c.id),
                                      {"name": "Zoe", "attributes": {}, "unreachable": False, "created_at": at})).scalar_one()
        cid = (await conn.execute(conversations.insert().returning(conversations.c.id), {
            "connector": "mail", "channel": channel, "thread_key": f"t-{contact}", "visibility": visibility,
            "status": status, "type": type_, "type_reasons": [], "priority": priority, "team_id": team_id,
            "contact_id": contact, "message_count": 1, "created_at": at, "updated_at": at, "last_message_at": at,
        })).scalar_one()
        for tag in tags:
            await conn.execute(conversation_tags.insert(), {"conversation_id": cid, "tag": tag})
    await message(engine, cid, at, "inbound", text=text)
    return cid


async def message(engine: AsyncEngine, cid: int, at: datetime, direction: str, *, agent_id: int | None = None,
                  text: str = "text", reason: str | None = None) -> int:
    async with engine.begin() as conn:
        return (await conn.execute(messages.insert().returning(messages.c.id), {
            "conversation_id": cid, "connector": "mail", "direction": direction, "visibility": "private",
            "agent_id": agent_id, "text": text, "status": "sent" if direction != "inbound" else "received",
            "attachments": [], "findings": [], "flags": [], "reason": reason, "created_at": at})).scalar_one()


async def set_status(engine: AsyncEngine, cid: int, status: str, at: datetime) -> None:
    """As the agent API does it: the status and updated_at in one statement."""
    async with engine.begin() as conn:
        await conn.execute(update(conversations).where(conversations.c.id == cid).values(
            status=status, updated_at=at, resolved_at=at if status == "resolved" else None))
