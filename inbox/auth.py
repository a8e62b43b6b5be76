"""Agents, argon2 password hashes and bearer tokens (only their sha256 is stored)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.domain import utcnow
from inbox.store.schema import agents, api_tokens, teams

_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown emails keeps login time the same: no account probing by timing.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
ROLES = ("admin", "agent")


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    email: str
    name: str
    role: str
    team_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class AgentError(ValueError):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_agent(
    engine: AsyncEngine, email: str, password: str, role: str, name: str | None = None, team: str | None = None
) -> Agent:
    email = email.strip().lower()
    if "@" not in email:
        raise AgentError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise AgentError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise AgentError("the password must have at least 8 characters")
    async with engine.begin() as conn:
        team_id = None
        if team:
            team_id = (await conn.execute(select(teams.c.id).where(teams.c.name == team))).scalar()
            if team_id is None:
                team_id = (await conn.execute(teams.insert().returning(teams.c.id), {"name": team})).scalar_one()
        try:
            agent_id = (await conn.execute(agents.insert().returning(agents.c.id), {
                "email": email, "name": name or email.split("@")[0], "role": role,
                "password_hash": _hasher.hash(password), "team_id": team_id, "active": True, "available": True,
                "created_at": utcnow(),
            })).scalar_one()
        except IntegrityError:
            raise AgentError(f"an agent with email {email} already exists") from None
    return Agent(agent_id, email, name or email.split("@")[0], role, team_id)


async def login(engine: AsyncEngine, email: str, password: str, ttl: timedelta) -> tuple[str, Agent] | None:
    async with engine.begin() as conn:
        row = (await conn.execute(select(agents).where(and_(
            agents.c.email == email.strip().lower(), agents.c.active.is_(True))))).first()
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        token = secrets.token_urlsafe(32)
        now = utcnow()
        await conn.execute(api_tokens.insert(), {
            "token_hash": _token_hash(token), "agent_id": row.id, "created_at": now, "expires_at": now + ttl})
        return token, Agent(row.id, row.email, row.name, row.role, row.team_id)


async def agent_for_token(engine: AsyncEngine, token: str) -> Agent | None:
    if not token or len(token) > 200:
        return None
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(agents.c.id, agents.c.email, agents.c.name, agents.c.role, agents.c.team_id)
            .join(api_tokens, api_tokens.c.agent_id == agents.c.id)
            .where(and_(api_tokens.c.token_hash == _token_hash(token), api_tokens.c.expires_at > utcnow(),
                        agents.c.active.is_(True)))
        )).first()
    return Agent(row.id, row.email, row.name, row.role, row.team_id) if row else None


async def logout(engine: AsyncEngine, token: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == _token_hash(token)))
