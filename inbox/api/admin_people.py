"""Admin: what an admin does to agents and teams beyond adding them — reset a password, deactivate (ending every
session at once) and reactivate an agent; rename and delete a team; which teams the routing rules target that do
not exist.

Deleting a team that agents or conversations still use is refused (409, with counts) unless `move_to` names the
team they go to. Why not move them to "no team" silently: a conversation without a team is visible to every agent,
so the security team's history would open up to everyone; the admin picks where it goes instead.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.api.access import access
from inbox.api.context import ctx, json_error, read_json, require_admin
from inbox.auth import Agent, end_sessions
from inbox.domain import utcnow
from inbox.store.schema import agents, audit, conversations, teams

routes = web.RouteTableDef()
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is an attack on the CPU, not a password
MAX_TEAM_NAME = 100
_hasher = PasswordHasher()


def _path_id(request: web.Request, what: str) -> int:
    try:
        value = int(request.match_info["id"])
    except ValueError:
        value = 0
    if not 0 < value < 2**62:
        raise web.HTTPNotFound(text=f'{{"error": "no such {what}"}}', content_type="application/json")
    return value


async def _audit(conn: AsyncConnection, admin: Agent, action: str, detail: str) -> None:
    await conn.execute(audit.insert(), {"at": utcnow(), "actor": f"agent:{admin.id}", "action": action,
                                        "conversation_id": None, "detail": detail})


async def _agent_row(conn: AsyncConnection, agent_id: int) -> Any:
    row = (await conn.execute(select(agents).where(agents.c.id == agent_id))).first()
    if row is None:
        raise web.HTTPNotFound(text='{"error": "no such agent"}', content_type="application/json")
    return row


@routes.post("/api/v1/agents/{id}/password")
@access("admin")
async def reset_password(request: web.Request) -> web.Response:
    """Set a new password; the agent's sessions end (a reset is often because the old one leaked)."""
    admin = await require_admin(request)
    agent_id = _path_id(request, "agent")
    password = (await read_json(request)).get("password")
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return json_error(400, f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    async with ctx(request).engine.begin() as conn:
        row = await _agent_row(conn, agent_id)
        await conn.execute(update(agents).where(agents.c.id == agent_id).values(password_hash=_hasher.hash(password)))
        ended = await end_sessions(conn, agent_id) if agent_id != admin.id else 0
        await _audit(conn, admin, "agent.password_reset", f"{row.email}: {ended} session(s) ended")
    return web.json_response({"ok": True, "sessions_ended": ended})


async def _other_active_admins(conn: AsyncConnection, agent_id: int) -> int:
    return (await conn.execute(select(func.count()).select_from(agents).where(and_(
        agents.c.role == "admin", agents.c.active.is_(True), agents.c.id != agent_id)))).scalar_one()


@routes.post("/api/v1/agents/{id}/deactivate")
@access("admin")
async def deactivate_agent(request: web.Request) -> web.Response:
    """The agent can no longer sign in, every session ends now, and round-robin skips them; history stays."""
    admin = await require_admin(request)
    agent_id = _path_id(request, "agent")
    if agent_id == admin.id:
        return json_error(409, "you cannot deactivate yourself; ask another admin")
    async with ctx(request).engine.begin() as conn:
        row = await _agent_row(conn, agent_id)
        if row.role == "admin" and not await _other_active_admins(conn, agent_id):
            return json_error(409, "the last active admin cannot be deactivated")
        await conn.execute(update(agents).where(agents.c.id == agent_id).values(active=False, available=False))
        ended = await end_sessions(conn, agent_id)
        await _audit(conn, admin, "agent.deactivate", f"{row.email}: {ended} session(s) ended")
    return web.json_response({"ok": True, "sessions_ended": ended})


@routes.post("/api/v1/agents/{id}/activate")
@access("admin")
async def activate_agent(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    agent_id = _path_id(request, "agent")
    async with ctx(request).engine.begin() as conn:
        row = await _agent_row(conn, agent_id)
        await conn.execute(update(agents).where(agents.c.id == agent_id).values(active=True))
        await _audit(conn, admin, "agent.activate", row.email)
    return web.json_response({"ok": True})


def _team_name(body: dict[str, Any]) -> str | web.Response:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        return json_error(400, "name is required")
    name = " ".join(name.split())
    if len(name) > MAX_TEAM_NAME:
        return json_error(400, f"name: at most {MAX_TEAM_NAME} characters")
    return name


async def _team_row(conn: AsyncConnection, team_id: int) -> Any:
    row = (await conn.execute(select(teams).where(teams.c.id == team_id))).first()
    if row is None:
        raise web.HTTPNotFound(text='{"error": "no such team"}', content_type="application/json")
    return row


@routes.patch("/api/v1/teams/{id}")
@access("admin")
async def rename_team(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    team_id = _path_id(request, "team")
    name = _team_name(await read_json(request))
    if isinstance(name, web.Response):
        return name
    async with ctx(request).engine.begin() as conn:
        row = await _team_row(conn, team_id)
        clash = (await conn.execute(select(teams.c.id).where(and_(teams.c.name == name, teams.c.id != team_id)))).first()
        if clash:
            return json_error(409, "a team with that name exists")
        await conn.execute(update(teams).where(teams.c.id == team_id).values(name=name))
        await _audit(conn, admin, "team.rename", f"{row.name} -> {name}")
    # Rules name teams: the old name in the rules now targets nothing, which the rules page warns about.
    old_targets = rule_team_targets(request).get(row.name, [])
    return web.json_response({"team": {"id": team_id, "name": name}, "rules_naming_old_name": old_targets})


async def _usage(conn: AsyncConnection, team_id: int) -> dict[str, int]:
    count_agents = (await conn.execute(select(func.count()).select_from(agents).where(
        agents.c.team_id == team_id))).scalar_one()
    by_status = {s: n for s, n in await conn.execute(
        select(conversations.c.status, func.count()).where(conversations.c.team_id == team_id)
        .group_by(conversations.c.status))}
    return {"agents": count_agents, "open_conversations": sum(n for s, n in by_status.items() if s != "resolved"),
            "resolved_conversations": by_status.get("resolved", 0)}


@routes.delete("/api/v1/teams/{id}")
@access("admin")
async def delete_team(request: web.Request) -> web.Response:
    """`?move_to=<team id>` moves the team's agents and conversations there first; without it a team in use is
    refused (409, with what uses it)."""
    admin = await require_admin(request)
    team_id = _path_id(request, "team")
    move_to_text = request.query.get("move_to", "")
    move_to = int(move_to_text) if move_to_text.isdigit() and len(move_to_text) < 18 else None
    if move_to_text and move_to is None:
        return json_error(400, "move_to: a team id")
    if move_to == team_id:
        return json_error(400, "move_to must be another team")
    async with ctx(request).engine.begin() as conn:
        row = await _team_row(conn, team_id)
        usage = await _usage(conn, team_id)
        in_use = any(usage.values())
        if in_use and move_to is None:
            return json_error(409, "the team is in use: move its agents and conversations to another team "
                              "(move_to) or reassign them first", usage=usage)
        target = await _team_row(conn, move_to) if move_to is not None else None
        if target is not None:
            await conn.execute(update(agents).where(agents.c.team_id == team_id).values(team_id=target.id))
            await conn.execute(update(conversations).where(conversations.c.team_id == team_id)
                               .values(team_id=target.id))
        await conn.execute(delete(teams).where(teams.c.id == team_id))
        await _audit(conn, admin, "team.delete", f"{row.name}" + (f" (moved {usage} to {target.name})" if target
                                                                   else ""))
    return web.json_response({"ok": True, "moved": usage if target is not None else None})


def rule_team_targets(request: web.Request) -> dict[str, list[str]]:
    """Team name -> the rules (group/rule) that assign or escalate to it, from the rules in force."""
    holder = ctx(request).rules
    if holder is None:
        return {}
    holder.maybe_reload()
    targets: dict[str, list[str]] = {}
    for group in holder.current.groups:
        for rule in group.rules:
            for action in rule.actions:
                team = getattr(action, "team", None)
                if isinstance(team, str) and team:
                    targets.setdefault(team, []).append(f"{group.name}/{rule.name}")
    return targets


@routes.get("/api/v1/rules/team-check")
@access("admin")
async def rules_team_check(request: web.Request) -> web.Response:
    """Rules that send conversations to a team that does not exist, or has no active agent (nobody would see
    what they route there)."""
    await require_admin(request)
    targets = rule_team_targets(request)
    async with ctx(request).engine.connect() as conn:
        staffed = {name: n for name, n in await conn.execute(
            select(teams.c.name, func.count(agents.c.id)).select_from(teams.outerjoin(agents, and_(
                agents.c.team_id == teams.c.id, agents.c.active.is_(True)))).group_by(teams.c.name))}
    problems = [{"team": team, "rules": rules, "problem": "missing" if team not in staffed else "empty"}
                for team, rules in sorted(targets.items()) if staffed.get(team, 0) == 0]
    return web.json_response({"problems": problems})
