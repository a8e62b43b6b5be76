"""The live events websocket of agents: who may open it, what each agent receives, and when it closes.

Credentials never travel in the URL. The browser's session cookie (web_session) or an `Authorization: Bearer`
header authenticate the upgrade; a client that can set neither sends `{"type": "auth", "token": ...}` as its first
frame within AUTH_TIMEOUT seconds and gets `{"type": "auth.ok"}` back. The socket closes (code 4401) when its
session ends: logout, expiry, deactivation.

Presence frames (viewing/typing/left) are relayed only for conversations the agent may see, and published with the
conversation's team, so other teams learn nothing about them.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import datetime

from aiohttp import WSMsgType, web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.api.context import bearer, can_see, ctx, json_error
from inbox.api.live_sessions import LIVE, SESSION_ENDED, LiveSession
from inbox.api.web_session import origin_allowed
from inbox.auth import Agent, agent_for_token, agent_for_token_hash, token_expires_at, token_hash
from inbox.domain import utcnow
from inbox.events import Event
from inbox.store.schema import conversations

AUTH_TIMEOUT = 5.0
PRESENCE_STATES = ("viewing", "typing", "left")
_TEAM_CACHE_SECONDS = 5.0  # typing frames come often; a conversation moved to another team is noticed this fast
_MAX_ID = 2**63 - 1


async def serve_events(request: web.Request) -> web.StreamResponse:
    app = ctx(request)
    if "token" in request.query:
        return json_error(400, "a token in the URL is not accepted: send it in the Authorization header, "
                               'or as the first frame {"type": "auth", "token": ...}')
    if not origin_allowed(request, app.settings.server.allowed_origins):
        return json_error(403, "origin not allowed")
    token = bearer(request)
    agent = await agent_for_token(app.engine, token) if token else None
    if token and agent is None:
        return json_error(401, "missing or invalid token")
    ws = web.WebSocketResponse(heartbeat=30)
    if agent is None and not ws.can_prepare(request).ok:
        return json_error(401, "missing or invalid token")  # a plain GET without credentials: no first frame to wait for
    await ws.prepare(request)
    if agent is None:
        token, agent = await _first_frame_auth(ws, app.engine)
        if agent is None:
            await ws.close(code=SESSION_ENDED, message=b"authentication required")
            return ws
        await ws.send_json({"type": "auth.ok", "agent_id": agent.id})
    session = LiveSession(ws, agent, token_hash(token))
    live = request.app[LIVE]
    live.add(session)
    app.sockets.add(ws)
    presence: dict[str, object] = {}
    presence_team: int | None = None
    teams = _TeamLookup(app.engine)
    with app.events.subscribe() as sub:
        tasks: list[asyncio.Task[None]] = []
        try:
            # Subscribed first, then the replay: nothing falls between; what both carry is sent once (by event id).
            replayed = await replay_missed(session, app.events, request.query.get("last_event_id"))
            tasks += [asyncio.create_task(_pump(session, sub, live, replayed)),
                      asyncio.create_task(_recheck(session, live, app.engine,
                                                   app.settings.inbox.session_recheck_seconds))]
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                # Agents tell each other who is viewing or typing on a conversation; relayed, never stored.
                target = _presence_target(frame.data)
                if target is None:
                    continue
                state, conversation_id = target
                found, team = await teams.team_of(conversation_id)
                if not found or not can_see(session.agent, team):
                    continue  # a conversation this agent cannot see: say nothing about it to anyone
                if presence and presence.get("conversation_id") != conversation_id and presence.get("state") != "left":
                    app.events.publish(Event("presence", presence["conversation_id"], presence_team,  # type: ignore[arg-type]
                                             {**presence, "state": "left"}))
                presence = {"type": "presence", "state": state, "conversation_id": conversation_id,
                            "agent_id": session.agent.id, "agent": session.agent.name}
                presence_team = team
                app.events.publish(Event("presence", conversation_id, team, presence))
        finally:
            live.discard(session)
            app.sockets.discard(ws)
            if presence and presence.get("state") != "left":
                # A closed tab or a crashed browser must not leave "X is viewing" behind on the others' screens.
                app.events.publish(Event("presence", presence["conversation_id"], presence_team,  # type: ignore[arg-type]
                                         {**presence, "state": "left"}))
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    return ws


async def _first_frame_auth(ws: web.WebSocketResponse, engine: AsyncEngine) -> tuple[str, Agent | None]:
    try:
        frame = await ws.receive(timeout=AUTH_TIMEOUT)
    except asyncio.TimeoutError:
        return "", None
    if frame.type != WSMsgType.TEXT:
        return "", None
    try:
        body = frame.json()
    except ValueError:
        return "", None
    token = body.get("token") if isinstance(body, dict) and body.get("type") == "auth" else None
    if not isinstance(token, str):
        return "", None
    return token, await agent_for_token(engine, token)


def _presence_target(data: str) -> tuple[str, int] | None:
    try:
        body = json.loads(data)
        state, cid = body.get("type"), int(body["conversation_id"])
    except (ValueError, AttributeError, TypeError, KeyError):
        return None
    if state not in PRESENCE_STATES or not 0 < cid <= _MAX_ID:
        return None
    return state, cid


def _for_agent(agent: Agent, event: Event) -> bool:
    """Whether this agent receives the event: the same test live and replayed events pass."""
    if event.type == "mention" and event.payload.get("agent_id") != agent.id:
        return False
    if event.type == "presence" and event.payload.get("agent_id") == agent.id:
        return False  # one's own presence is no news
    return can_see(agent, event.team_id)


async def replay_missed(session: LiveSession, bus, last_event_id: str | None) -> tuple[int, int] | None:  # noqa: ANN001
    """A reconnecting socket's missed events (`?last_event_id=`, the `event_id` of the last event it got), when the
    bus keeps them (Redis); else, or when it missed too much, `resync` (reload). Returns the last id replayed."""
    if last_event_id is None:
        return None
    from inbox.cluster.redis_bus import parse_id

    replay = getattr(bus, "replay", None)
    try:
        missed = await replay(last_event_id) if replay is not None and parse_id(last_event_id) else None
    except Exception:  # noqa: BLE001 - Redis away for a moment: a reload is the honest answer
        missed = None
    if missed is None:
        await session.ws.send_json({"type": "resync"})
        return None
    last = parse_id(last_event_id)
    for event in missed:
        if _for_agent(session.agent, event):
            await session.ws.send_json(event.payload if event.type != "resync" else {"type": "resync"})
        last = parse_id(str(event.payload.get("event_id", ""))) or last
    return last


async def _pump(session: LiveSession, sub, live, replayed: tuple[int, int] | None = None) -> None:  # noqa: ANN001
    while True:
        event = await sub.get()
        if not live.is_open(session):
            return  # its session ended: not one more event, even while the closing handshake runs
        if replayed is not None:
            from inbox.cluster.redis_bus import parse_id

            seen = parse_id(str(event.payload.get("event_id", "")))
            if seen is not None and seen <= replayed:
                continue  # sent by the replay already
        if _for_agent(session.agent, event):
            await session.ws.send_json(event.payload if event.type != "resync" else {"type": "resync"})


async def _recheck(session: LiveSession, live, engine: AsyncEngine, every: float) -> None:  # noqa: ANN001
    """Close the socket when its session is gone (expired, signed out elsewhere, agent deactivated); pick up a new
    role or team otherwise. Wakes at the expiry time itself when that comes before the next check."""
    expires = await token_expires_at(engine, session.token_hash)
    while True:
        await asyncio.sleep(_until_next_check(expires, every))
        agent = await agent_for_token_hash(engine, session.token_hash)
        if agent is None:
            await live.end(lambda s: s is session)
            return
        session.agent = agent


def _until_next_check(expires: datetime | None, every: float) -> float:
    if expires is None:
        return 0.0
    left = (expires - utcnow()).total_seconds()
    return max(0.05, min(every, left + 0.05))


class _TeamLookup:
    """A conversation's team for presence frames, cached briefly per socket."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.cache: dict[int, tuple[float, bool, int | None]] = {}

    async def team_of(self, conversation_id: int) -> tuple[bool, int | None]:
        now = time.monotonic()
        hit = self.cache.get(conversation_id)
        if hit is not None and now - hit[0] < _TEAM_CACHE_SECONDS:
            return hit[1], hit[2]
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(conversations.c.team_id).where(
                conversations.c.id == conversation_id))).first()
        if len(self.cache) > 1000:
            self.cache.clear()
        self.cache[conversation_id] = (now, row is not None, row.team_id if row else None)
        return row is not None, row.team_id if row else None
