"""Admin API: agents, teams, connectors (secrets write-only), routing rules."""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel, SecretStr
from sqlalchemy import and_, delete, select, update

from inbox.api.access import access, path_id
from inbox.api.context import ctx, json_error, read_json, require_admin, require_agent
from inbox import logsecrets
from inbox.api.live_sessions import refresh_agent_sessions
from inbox.auth import ROLES, AgentError, create_agent, end_sessions
from inbox.config import ConfigError, parse_connector
from inbox.domain import utcnow
from inbox.store.ops import upsert
from inbox.store.schema import agents, connector_configs, teams
from inbox.supervisor import secret_values

routes = web.RouteTableDef()
CONNECTOR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # as in the config file (inbox.config)


@routes.get("/api/v1/agents")
@access("agent")
async def list_agents(request: web.Request) -> web.Response:
    await require_agent(request)
    async with ctx(request).engine.connect() as conn:
        team_names = {t.id: t.name for t in await conn.execute(select(teams))}
        rows = (await conn.execute(select(agents).order_by(agents.c.id))).all()
    return web.json_response({"agents": [
        {"id": r.id, "email": r.email, "name": r.name, "role": r.role, "team": team_names.get(r.team_id),
         "team_id": r.team_id, "active": r.active, "available": r.available} for r in rows]})


@routes.post("/api/v1/agents")
@access("admin")
async def add_agent(request: web.Request) -> web.Response:
    await require_admin(request)
    body = await read_json(request)
    if any(body.get(k) is not None and not isinstance(body[k], str) for k in ("email", "password", "role", "name", "team")):
        return json_error(400, "email, password, role, name and team are strings")
    if len(str(body.get("email", ""))) > 320 or len(body.get("name") or "") > 200 or len(body.get("team") or "") > 100:
        return json_error(400, "email: at most 320 characters, name 200, team 100")
    try:
        agent = await create_agent(ctx(request).engine, str(body.get("email", "")), str(body.get("password", "")),
                                   str(body.get("role", "agent")), body.get("name"), body.get("team"))
    except AgentError as e:
        return json_error(400, str(e))
    return web.json_response({"agent": {"id": agent.id, "email": agent.email, "name": agent.name,
                                        "role": agent.role, "team_id": agent.team_id}}, status=201)


# Who may change what on an agent: everyone their own availability and display name; only admins anything else,
# on anyone (issue #12: a plain agent could make anyone admin or deactivate them).
SELF_EDITABLE = frozenset({"available", "name"})
ADMIN_EDITABLE = frozenset({"available", "name", "role", "active", "team"})


def _agent_changes(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The column values a PATCH body asks for (team still by name), or the problems with it."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key in ("available", "active"):
        if key in body:
            if isinstance(body[key], bool):
                values[key] = body[key]
            else:
                problems.append(f"{key}: true or false")
    if "role" in body:
        if body["role"] in ROLES:
            values["role"] = body["role"]
        else:
            problems.append(f"role: one of {', '.join(ROLES)}")
    if "name" in body:
        name = body["name"].strip() if isinstance(body["name"], str) else ""
        if name and len(name) <= 200:
            values["name"] = name
        else:
            problems.append("name: 1-200 characters")
    if "team" in body and body["team"] is not None and not isinstance(body["team"], str):
        problems.append("team: a team name or null")
    return values, problems


async def _leaves_no_admin(conn: Any, agent_id: int, values: dict[str, Any]) -> bool:
    """Would this change leave no active admin? Locks the admin rows (PostgreSQL) so two admins demoting each other
    at the same moment cannot both succeed."""
    if values.get("role", "admin") == "admin" and values.get("active", True):
        return False
    admins = (await conn.execute(select(agents.c.id).where(and_(agents.c.role == "admin", agents.c.active.is_(True)))
                                 .order_by(agents.c.id).with_for_update())).scalars().all()
    return agent_id in admins and len(admins) == 1


@routes.patch("/api/v1/agents/{id}")
@access("agent")
async def patch_agent(request: web.Request) -> web.Response:
    me = await require_agent(request)
    agent_id = path_id(request)
    body = await read_json(request)
    unknown = set(body) - ADMIN_EDITABLE
    if unknown:
        return json_error(400, f"unknown fields {sorted(unknown)}; one of {sorted(ADMIN_EDITABLE)}")
    if not me.is_admin and me.id != agent_id:
        return json_error(403, "only an admin may change another agent")
    refused = set(body) - (ADMIN_EDITABLE if me.is_admin else SELF_EDITABLE)
    if refused:
        return json_error(403, f"only an admin may change {sorted(refused)}")
    values, problems = _agent_changes(body)
    if problems:
        return json_error(400, "invalid agent settings", problems=problems)
    async with ctx(request).engine.begin() as conn:
        if (await conn.execute(select(agents.c.id).where(agents.c.id == agent_id))).first() is None:
            return json_error(404, "no such agent")
        if "team" in body:
            values["team_id"] = None
            if body["team"]:
                values["team_id"] = (await conn.execute(select(teams.c.id).where(teams.c.name == body["team"]))).scalar()
                if values["team_id"] is None:
                    return json_error(400, "no such team")
        if await _leaves_no_admin(conn, agent_id, values):
            return json_error(409, "this is the last active admin: make another agent admin first")
        if values:
            await conn.execute(update(agents).where(agents.c.id == agent_id).values(**values))
        if values.get("active") is False:
            await end_sessions(conn, agent_id)  # as POST …/deactivate: reactivating must not bring old tokens back
        row = (await conn.execute(select(agents).where(agents.c.id == agent_id))).one()
    await refresh_agent_sessions(request.app, ctx(request).engine, agent_id)  # deactivated: sockets close; new team: applies now
    return web.json_response({"ok": True, "agent": {
        "id": row.id, "email": row.email, "name": row.name, "role": row.role, "team_id": row.team_id,
        "active": row.active, "available": row.available}})


@routes.get("/api/v1/teams")
@access("agent")
async def list_teams(request: web.Request) -> web.Response:
    await require_agent(request)
    async with ctx(request).engine.connect() as conn:
        rows = (await conn.execute(select(teams).order_by(teams.c.name))).all()
    return web.json_response({"teams": [{"id": r.id, "name": r.name} for r in rows]})


@routes.post("/api/v1/teams")
@access("admin")
async def add_team(request: web.Request) -> web.Response:
    await require_admin(request)
    name = str((await read_json(request)).get("name", "")).strip()
    if not name or len(name) > 100:
        return json_error(400, "name is required, at most 100 characters")
    async with ctx(request).engine.begin() as conn:
        if (await conn.execute(select(teams.c.id).where(teams.c.name == name))).first():
            return json_error(409, "a team with that name exists")
        team_id = (await conn.execute(teams.insert().returning(teams.c.id), {"name": name})).scalar_one()
    return web.json_response({"team": {"id": team_id, "name": name}}, status=201)


def public_config(config: Any) -> dict[str, Any]:
    """A connector's settings with every secret replaced by whether it is set: secrets are write-only."""
    def scrub(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return {"secret": True, "set": bool(value.get_secret_value())}
        if isinstance(value, BaseModel):
            return {k: scrub(getattr(value, k)) for k in type(value).model_fields}
        if isinstance(value, (list, tuple)):
            return [scrub(v) for v in value]
        return value

    return scrub(config)


@routes.get("/api/v1/connectors")
@access("admin")
async def list_connectors(request: web.Request) -> web.Response:
    await require_admin(request)
    app = ctx(request)
    health = app.supervisor.health()
    return web.json_response({"connectors": [
        {"name": name, "type": rt.config.type, "enabled": rt.config.enabled, "config": public_config(rt.config),
         "health": health[name], "source": "config file" if name in app.config_connectors else "admin"}
        for name, rt in app.supervisor.runtimes.items()]})


def _merge_secrets(new: dict[str, Any], old: Any) -> dict[str, Any]:
    """An edit that leaves a secret field out (or sends the write-only marker) keeps the stored secret."""
    if old is None:
        return new
    merged = dict(new)
    for key in type(old).model_fields:
        value = getattr(old, key)
        if isinstance(value, SecretStr) and (key not in merged or isinstance(merged[key], dict) or merged[key] is None):
            merged[key] = value.get_secret_value()
        elif isinstance(value, BaseModel) and isinstance(merged.get(key), dict):
            merged[key] = _merge_secrets(merged[key], value)
    return merged


def _plain(config: Any) -> Any:
    if isinstance(config, SecretStr):
        return config.get_secret_value()
    if isinstance(config, BaseModel):
        return {k: _plain(getattr(config, k)) for k in type(config).model_fields}
    return config


@routes.put("/api/v1/connectors/{name}")
@access("admin")
async def put_connector(request: web.Request) -> web.Response:
    await require_admin(request)
    app = ctx(request)
    name = request.match_info["name"]
    if not CONNECTOR_NAME.fullmatch(name):
        return json_error(400, "a connector name is 1-64 letters, digits, '-', '_' or '.'")
    if name in app.config_connectors:
        return json_error(409, f"{name} is defined in the config file {app.settings.source}; edit it there")
    body = await read_json(request)
    existing = app.supervisor.runtimes.get(name)
    raw = _merge_secrets(body, existing.config if existing else None)
    try:
        config = parse_connector(name, raw, "request")
    except ConfigError as e:
        return json_error(400, "invalid connector settings", problems=e.problems)
    logsecrets.register(secret_values(config))  # before the store: drivers log statement parameters at DEBUG
    async with app.engine.begin() as conn:
        await upsert(conn, connector_configs, [{"name": name, "config": _plain(config), "updated_at": utcnow()}],
                     ["name"], ["config", "updated_at"])
    await app.supervisor.add(name, config)
    return web.json_response({"name": name, "type": config.type, "config": public_config(config)},
                             status=200 if existing else 201)


@routes.delete("/api/v1/connectors/{name}")
@access("admin")
async def delete_connector(request: web.Request) -> web.Response:
    await require_admin(request)
    app = ctx(request)
    name = request.match_info["name"]
    if name in app.config_connectors:
        return json_error(409, f"{name} is defined in the config file; remove it there")
    async with app.engine.begin() as conn:
        await conn.execute(delete(connector_configs).where(connector_configs.c.name == name))
    await app.supervisor.remove(name)
    return web.json_response({"ok": True})


def _rules(request: web.Request) -> Any:
    holder = ctx(request).rules
    if holder is None:
        raise web.HTTPNotFound(text='{"error": "no rules file configured (routing.rules)"}',
                               content_type="application/json")
    return holder


@routes.get("/api/v1/rules")
@access("admin")
async def get_rules(request: web.Request) -> web.Response:
    await require_admin(request)
    holder = _rules(request)
    holder.maybe_reload()
    from pathlib import Path

    return web.json_response({"path": str(holder.path), "text": Path(holder.path).read_text(encoding="utf-8"),
                              "rules": _jsonable(holder.summary()), "last_error": holder.last_error})


@routes.post("/api/v1/rules/validate")
@access("admin")
async def validate_rules(request: web.Request) -> web.Response:
    await require_admin(request)
    text = (await read_json(request)).get("text", "")
    errors = _rules(request).validate_text(str(text))
    return web.json_response({"ok": not errors, "errors": errors})


@routes.put("/api/v1/rules")
@access("admin")
async def replace_rules(request: web.Request) -> web.Response:
    await require_admin(request)
    text = str((await read_json(request)).get("text", ""))
    holder = _rules(request)
    errors = holder.validate_text(text)
    if errors:
        return json_error(400, "rules not valid; the old rules stay in force", errors=errors)
    holder.replace(text)
    return web.json_response({"ok": True, "rules": _jsonable(holder.summary())})


def _jsonable(value: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
