"""Open agent event sockets by session, so a session that ends closes its sockets at once.

Logout closes the sockets of that token; deactivating an agent closes all of theirs (`end_agent_sessions`, for any
code that sets active=false). Each socket also re-checks its session now and then (events_ws), which catches token
expiry and changes made by another process (`inbox` commands, a second server).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.auth import Agent, agent_for_token_hash

# WebSocket close code (application range 4000-4999) telling the client its session is over: sign in again.
SESSION_ENDED = 4401


@dataclass(eq=False)
class LiveSession:
    ws: web.WebSocketResponse
    agent: Agent  # refreshed by the socket's re-check: role and team may change while it is open
    token_hash: str


class LiveSessions:
    def __init__(self) -> None:
        self._open: set[LiveSession] = set()
        self._closing: set[asyncio.Task[None]] = set()

    def add(self, session: LiveSession) -> None:
        self._open.add(session)

    def discard(self, session: LiveSession) -> None:
        self._open.discard(session)

    def __len__(self) -> int:
        return len(self._open)

    async def end(self, which: Callable[[LiveSession], bool], reason: str = "session ended") -> int:
        """Starts closing the matching sockets and returns how many. The close frame goes out at once; the closing
        handshake (up to the socket's timeout) is not waited for, so a logout answers without delay."""
        ending = [s for s in self._open if which(s)]
        for s in ending:
            self._open.discard(s)  # no more events for it from here on (the pump checks membership)
            task = asyncio.create_task(close(s.ws, reason))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        await asyncio.sleep(0)  # let the close frames be written before the caller answers
        return len(ending)

    def is_open(self, session: LiveSession) -> bool:
        return session in self._open

    async def end_token(self, token_hash: str) -> int:
        return await self.end(lambda s: s.token_hash == token_hash, "signed out")

    async def end_agent(self, agent_id: int, reason: str = "account deactivated") -> int:
        return await self.end(lambda s: s.agent.id == agent_id, reason)


async def close(ws: web.WebSocketResponse, reason: str) -> None:
    await ws.close(code=SESSION_ENDED, message=reason.encode()[:120])


LIVE = web.AppKey("inbox_live_sessions", LiveSessions)


async def end_agent_sessions(app: web.Application, agent_id: int, reason: str = "account deactivated") -> int:
    """Close every open event socket of an agent now (call after setting active=false). Returns how many."""
    return await app[LIVE].end_agent(agent_id, reason)


async def refresh_agent_sessions(app: web.Application, engine: AsyncEngine, agent_id: int) -> None:
    """After an agent was changed (deactivated, new role or team): their open sockets close or see the change now,
    not at the next periodic re-check."""
    live = app[LIVE]
    gone: set[LiveSession] = set()
    for session in [s for s in live._open if s.agent.id == agent_id]:
        agent = await agent_for_token_hash(engine, session.token_hash)
        if agent is None:
            gone.add(session)
        else:
            session.agent = agent
    if gone:
        await live.end(lambda s: s in gone, "account deactivated")
