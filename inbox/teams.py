"""The teams the rules name: created on start-up, and warned about when nobody could pick up what they route there.

A rule that escalates to a team with no active agent moves the conversation out of every agent's view but an
admin's; `inbox check-config`, `inbox route --dry-run` and `/healthz` say so instead of leaving it to be found.
"""
from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.store.schema import agents, teams


def rule_targets(ruleset: Any) -> dict[str, list[str]]:
    """Team name -> the (enabled) rules that assign or escalate to it, in file order."""
    from routing.rules.actions import Assign, Escalate

    targets: dict[str, list[str]] = {}
    for group in ruleset.groups:
        for rule in group.rules:
            if not rule.enabled:
                continue
            for action in rule.actions:
                if isinstance(action, Assign | Escalate) and action.team:
                    names = targets.setdefault(action.team, [])
                    if rule.name not in names:
                        names.append(rule.name)
    return targets


def named_teams(ruleset: Any) -> list[str]:
    """Every team the rules file declares or routes to."""
    return list(dict.fromkeys([*ruleset.declarations.teams, *rule_targets(ruleset)]))


async def ensure_teams(engine: AsyncEngine, names: list[str]) -> list[str]:
    """Create the teams that don't exist yet (idempotent, also with two processes starting at once); returns the
    names created."""
    created = []
    for name in names:
        async with engine.begin() as conn:
            if (await conn.execute(select(teams.c.id).where(teams.c.name == name))).first() is not None:
                continue
            try:
                async with conn.begin_nested():
                    await conn.execute(teams.insert(), {"name": name})
            except IntegrityError:
                continue  # another process made it between our look and our insert
            created.append(name)
    return created


async def active_agents_by_team(engine: AsyncEngine) -> dict[str, int]:
    """Team name -> how many active agents it has (0 for an empty team); absent: no such team."""
    query = (select(teams.c.name, func.count(agents.c.id))
             .select_from(teams.outerjoin(agents, and_(agents.c.team_id == teams.c.id, agents.c.active.is_(True))))
             .group_by(teams.c.name))
    async with engine.connect() as conn:
        return {name: count for name, count in (await conn.execute(query)).all()}


def problems_by_team(targets: dict[str, list[str]], staffed: dict[str, int]) -> dict[str, str]:
    """Team -> one sentence, for each team a rule routes to that is missing or has no active agent (`staffed`: as
    active_agents_by_team returns it)."""
    problems = {}
    for team, rules in targets.items():
        by = f"rule{'s' if len(rules) > 1 else ''} {', '.join(rules)}"
        verb = "route" if len(rules) > 1 else "routes"
        if team not in staffed:
            problems[team] = (f"team {team!r} does not exist, but {by} {verb} conversations to it "
                              "(`inbox serve` creates it on start)")
        elif staffed[team] == 0:
            problems[team] = (f"team {team!r} has no active agents, so what {by} {verb} there waits for an admin; "
                              f"add one with: inbox user add EMAIL --role agent --team {team} --password-stdin")
    return problems


async def team_warnings(engine: AsyncEngine, ruleset: Any) -> list[str]:
    return list(problems_by_team(rule_targets(ruleset), await active_agents_by_team(engine)).values())


def check_without_serving(database_url: str, ruleset: Any) -> tuple[dict[str, str], str | None]:
    """For `inbox check-config` and `inbox route --dry-run`: the team problems, read from the database serve uses
    without creating it; and a note when it could not be read."""
    import asyncio

    from inbox.datadir import explain_failure, sqlite_file
    from inbox.store import db

    targets = rule_targets(ruleset)
    path = sqlite_file(database_url)
    if path is not None and not path.is_file():
        return problems_by_team(targets, {}), None

    async def read() -> dict[str, int]:
        engine = db.create_engine(database_url)
        try:
            return await active_agents_by_team(engine)
        finally:
            await engine.dispose()

    try:
        staffed = asyncio.run(read())
    except Exception as error:  # noqa: BLE001 - a check that can't read the database says so and goes on
        return {}, f"teams not checked: {explain_failure(error, database_url) or type(error).__name__}"
    return problems_by_team(targets, staffed), None


_CACHE_SECONDS = 5.0
_cache: weakref.WeakKeyDictionary[AsyncEngine, tuple[float, Any, list[str]]] = weakref.WeakKeyDictionary()


async def cached_team_warnings(engine: AsyncEngine, ruleset: Any) -> list[str]:
    """team_warnings for /healthz, which anyone may poll: at most one query per engine every few seconds."""
    now = time.monotonic()
    hit = _cache.get(engine)
    if hit is not None and now - hit[0] < _CACHE_SECONDS and hit[1] is ruleset:
        return hit[2]
    try:
        result = await team_warnings(engine, ruleset)
    except Exception as error:  # noqa: BLE001 - health must answer even when this check can't
        result = [f"teams not checked: {type(error).__name__}"]
    _cache[engine] = (now, ruleset, result)
    return result
