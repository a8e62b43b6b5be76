"""Agents, argon2 password hashes and bearer tokens (only their sha256 is stored).

argon2 is made to be slow (some 150 ms of CPU and 64 MiB per check): it runs in a small thread pool, never on the
event loop, so a flood of logins queues there instead of stalling every other request (argon2-cffi releases the GIL).
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inbox.domain import utcnow
from inbox.store.schema import agents, api_tokens, teams

_hasher = PasswordHasher()



@functools.cache
def _dummy_hash() -> str:
    """Verifying against a dummy hash for unknown emails keeps login time the same: no account probing by timing.
    Made on first use, not at import: hashing costs ~0.5 s of CPU that every `inbox` command (scan, classify)
    paid at start-up without ever logging anyone in."""
    return _hasher.hash("not-a-real-password")


ROLES = ("admin", "agent")
# Bounded: each check already uses several lanes; more parallel checks than half the cores would starve the loop's
# own thread of CPU. Extra checks wait in the pool's queue (the login throttle keeps that queue short).
def _lower_priority() -> None:
    """On Linux the nice value belongs to each thread: the pool's threads (and the lanes argon2 starts from them)
    yield the CPU to the event loop's thread, so a queue of logins waits rather than everything else."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass  # elsewhere the bounded pool alone has to do


_ARGON2_POOL = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="argon2",
                                  initializer=_lower_priority)


async def _off_loop(fn, *args):  # noqa: ANN001, ANN002, ANN202 - a thin wrapper around run_in_executor
    return await asyncio.get_running_loop().run_in_executor(_ARGON2_POOL, fn, *args)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """Off the event loop; an unknown account is checked against a dummy hash so it takes as long."""
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return False

    return await _off_loop(check) and password_hash is not None


async def hash_password(password: str) -> str:
    return await _off_loop(_hasher.hash, password)


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


def token_hash(token: str) -> str:
    """What is stored for a token, and what names a session (open sockets, logout) without holding the token."""
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
    password_hash = await hash_password(password)
    async with engine.begin() as conn:
        team_id = None
        if team:
            team_id = (await conn.execute(select(teams.c.id).where(teams.c.name == team))).scalar()
            if team_id is None:
                team_id = (await conn.execute(teams.insert().returning(teams.c.id), {"name": team})).scalar_one()
        try:
            agent_id = (await conn.execute(agents.insert().returning(agents.c.id), {
                "email": email, "name": name or email.split("@")[0], "role": role,
                "password_hash": password_hash, "team_id": team_id, "active": True, "available": True,
                "created_at": utcnow(),
            })).scalar_one()
        except IntegrityError:
            raise AgentError(f"an agent with email {email} already exists") from None
    return Agent(agent_id, email, name or email.split("@")[0], role, team_id)


async def login(engine: AsyncEngine, email: str, password: str, ttl: timedelta) -> tuple[str, Agent] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(agents).where(and_(
            agents.c.email == email.strip().lower(), agents.c.active.is_(True))))).first()
    # No connection is held while argon2 runs: a queue of logins must not hold the pool (or SQLite's lock).
    if not await password_matches(row.password_hash if row else None, password) or row is None:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    async with engine.begin() as conn:
        await conn.execute(api_tokens.insert(), {
            "token_hash": token_hash(token), "agent_id": row.id, "created_at": now, "expires_at": now + ttl})
    return token, Agent(row.id, row.email, row.name, row.role, row.team_id)


async def agent_for_token(engine: AsyncEngine, token: str) -> Agent | None:
    if not token or len(token) > 200:
        return None
    return await agent_for_token_hash(engine, token_hash(token))


async def agent_for_token_hash(engine: AsyncEngine, hashed: str) -> Agent | None:
    """The agent of a live session (token not expired, agent active), read fresh: role and team may have changed."""
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(agents.c.id, agents.c.email, agents.c.name, agents.c.role, agents.c.team_id)
            .join(api_tokens, api_tokens.c.agent_id == agents.c.id)
            .where(and_(api_tokens.c.token_hash == hashed, api_tokens.c.expires_at > utcnow(),
                        agents.c.active.is_(True)))
        )).first()
    return Agent(row.id, row.email, row.name, row.role, row.team_id) if row else None


async def token_expires_at(engine: AsyncEngine, hashed: str) -> datetime | None:
    async with engine.connect() as conn:
        return (await conn.execute(select(api_tokens.c.expires_at).where(api_tokens.c.token_hash == hashed))).scalar()


async def logout(engine: AsyncEngine, token: str) -> str:
    """Ends the session; returns its token hash so open sockets of that session can be closed."""
    hashed = token_hash(token)
    async with engine.begin() as conn:
        await conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == hashed))
    return hashed


async def end_sessions(conn: AsyncConnection, agent_id: int) -> int:
    """Delete every bearer token of the agent (deactivation, a new password): each open tab is signed out on its
    next request, and a reactivated agent does not get the old tokens back."""
    return (await conn.execute(delete(api_tokens).where(api_tokens.c.agent_id == agent_id))).rowcount or 0
