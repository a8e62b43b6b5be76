"""A generated support history with known answers: conversations on several channels and teams, each with a
customer message, an agent's reply after a chosen delay and sometimes a resolution. The generator keeps the plain
facts (times, counts); tests compute the expected report figures from those facts on their own."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.store.schema import contacts, conversations, messages, teams

CHANNELS = ("email", "telegram", "twitter", "webchat")
TYPES = ("deposit", "withdrawal", "account_access", None)


@dataclass
class Fact:
    conversation_id: int
    channel: str
    type: str | None
    team: str
    created_at: datetime
    reply_after: timedelta
    resolved_after: timedelta | None
    extra_inbound: int
    agent_id: int


async def generate(engine: AsyncEngine, agent_id: int, n: int = 120, seed: int = 7,
                   start: datetime = datetime(2026, 11, 2, tzinfo=timezone.utc)) -> list[Fact]:
    """The facts, and two teams; `insert` writes a fact's rows when its time has come."""
    rng = random.Random(seed)
    facts: list[Fact] = []
    async with engine.begin() as conn:
        for name in ("red", "blue"):
            await conn.execute(teams.insert(), {"name": f"{name}-{seed}"})
    for _ in range(n):
        created = start + timedelta(minutes=rng.randrange(0, 20 * 1440))
        channel, type_, team = rng.choice(CHANNELS), rng.choice(TYPES), rng.choice(("red", "blue"))
        reply_after = timedelta(minutes=rng.choice((3, 10, 45, 200, 300, 700)) + rng.randrange(0, 3))
        resolved_after = timedelta(hours=rng.randrange(1, 60)) if rng.random() < 0.7 else None
        if resolved_after is not None and resolved_after <= reply_after:
            resolved_after = reply_after + timedelta(minutes=30)
        facts.append(Fact(0, channel, type_, f"{team}-{seed}", created, reply_after, resolved_after,
                          rng.randrange(0, 3), agent_id))
    return facts


async def insert(engine: AsyncEngine, fact: Fact) -> None:
    async with engine.begin() as conn:
        team_id = (await conn.execute(select(teams.c.id).where(teams.c.name == fact.team))).scalar_one()
        created = fact.created_at
        contact = (await conn.execute(contacts.insert().returning(contacts.c.id), {
            "name": "c", "attributes": {}, "unreachable": False, "created_at": created})).scalar_one()
        fact.conversation_id = (await conn.execute(conversations.insert().returning(conversations.c.id), {
            "connector": fact.channel, "channel": fact.channel, "thread_key": f"k{contact}", "visibility": "private",
            "status": "open", "type": fact.type, "type_reasons": [], "priority": "normal", "team_id": team_id,
            "contact_id": contact, "message_count": 1, "created_at": created, "updated_at": created,
            "last_message_at": created})).scalar_one()
        rows = [(created, "inbound", None)] + [(created + timedelta(minutes=1 + k), "inbound", None)
                                              for k in range(fact.extra_inbound)]
        rows.append((created + fact.reply_after, "outbound", fact.agent_id))
        await conn.execute(messages.insert(), [{
            "conversation_id": fact.conversation_id, "connector": fact.channel, "direction": direction,
            "visibility": "private", "agent_id": agent, "text": "t", "status": "sent", "attachments": [],
            "findings": [], "flags": [], "created_at": at} for at, direction, agent in rows])


async def resolve(engine: AsyncEngine, fact: Fact) -> None:
    assert fact.resolved_after is not None
    at = fact.created_at + fact.resolved_after
    async with engine.begin() as conn:
        await conn.execute(update(conversations).where(conversations.c.id == fact.conversation_id).values(
            status="resolved", resolved_at=at, updated_at=at))
