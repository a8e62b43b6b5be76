"""`inbox user add | list | passwd | disable | enable`: agents, in the database `inbox serve` uses.

These commands never create a database: an agent written into a new, empty one (because the command ran in another
directory, or with other settings than serve) could never log in. They say which database they use, and how to
point them at the right one.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from inbox.auth import end_sessions
from inbox.config import Settings
from inbox.datadir import DatabaseUnavailable, display, explain_failure, sqlite_file
from inbox.store.schema import agents, teams

MIN_PASSWORD = 8


class CommandError(Exception):
    """A user command can't go on; the message is printed as `error: ...` and the exit code is 1."""


def _how_to_point() -> str:
    return ("`inbox serve` prints the database it uses; give this command the same --data-dir or --config "
            "(or INBOX_DATA_DIR / INBOX_CONFIG)")


@asynccontextmanager
async def existing_database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the database serve would use, which must exist and carry the inbox's tables."""
    from inbox.store import db

    url = settings.database_url
    print(f"database: {display(url)}", file=sys.stderr)
    for notice in settings.notices:
        print(f"note: {notice}", file=sys.stderr)
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise CommandError(f"there is no database at {path.absolute()} yet. `inbox serve` creates it when it first "
                           f"starts (or run `inbox db upgrade` with the same options). If serve uses another one: "
                           f"{_how_to_point()}.")
    engine = db.create_engine(url)
    try:
        try:
            revision = await db.current_revision(engine)
            if revision is None:
                raise CommandError(f"the database {display(url)} has no inbox tables: start `inbox serve` once, or "
                                   f"run `inbox db upgrade`. If serve uses another one: {_how_to_point()}.")
            if revision != db.head_revision():
                if path is None:
                    raise CommandError("the database schema is not current: run `inbox db upgrade` first")
                await db.upgrade(engine)  # as serve does on SQLite
        except CommandError:
            raise
        except Exception as error:  # noqa: BLE001 - anything that stops us reaching it is said plainly
            message = explain_failure(error, url)
            if message is None:
                raise
            raise DatabaseUnavailable(message) from None
        yield engine
    finally:
        await engine.dispose()


def _run(settings: Settings, work) -> int:  # noqa: ANN001 - an async function of the engine returning an exit code
    async def go() -> int:
        async with existing_database(settings) as engine:
            return await work(engine)

    try:
        return asyncio.run(go())
    except (CommandError, DatabaseUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        print("error: pass the password on standard input with --password-stdin "
              "(so it stays out of shell history and `ps`)", file=sys.stderr)
        return None
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.auth import AgentError, create_agent

    password = _password(args)
    if password is None:
        return 2

    async def work(engine: AsyncEngine) -> int:
        try:
            agent = await create_agent(engine, args.email, password, args.role, args.name, args.team)
        except AgentError as e:
            raise CommandError(str(e)) from None
        print(f"added {agent.role} {agent.email} (id {agent.id})")
        return 0

    return _run(settings, work)


def cmd_user_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(engine: AsyncEngine) -> int:
        async with engine.connect() as conn:
            rows = (await conn.execute(
                select(agents.c.id, agents.c.email, agents.c.name, agents.c.role, agents.c.active,
                       teams.c.name.label("team"))
                .select_from(agents.outerjoin(teams, teams.c.id == agents.c.team_id)).order_by(agents.c.id))).all()
        if not rows:
            print("no agents yet: add one with  echo 'a-long-password' | inbox user add EMAIL --role admin "
                  "--password-stdin", file=sys.stderr)
            return 0
        table = [("ID", "EMAIL", "NAME", "ROLE", "TEAM", "STATUS")] + [
            (str(r.id), r.email, r.name, r.role, r.team or "-", "active" if r.active else "disabled") for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for row in table:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        return 0

    return _run(settings, work)


async def _agent_id(engine: AsyncEngine, email: str) -> int:
    async with engine.connect() as conn:
        agent_id = (await conn.execute(select(agents.c.id).where(agents.c.email == email.strip().lower()))).scalar()
    if agent_id is None:
        raise CommandError(f"no agent with email {email.strip().lower()} (see `inbox user list`)")
    return agent_id


def cmd_user_passwd(settings: Settings, args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return 2
    if len(password) < MIN_PASSWORD:
        print(f"error: the password must have at least {MIN_PASSWORD} characters", file=sys.stderr)
        return 1

    async def work(engine: AsyncEngine) -> int:
        agent_id = await _agent_id(engine, args.email)
        async with engine.begin() as conn:
            await conn.execute(update(agents).where(agents.c.id == agent_id).values(
                password_hash=PasswordHasher().hash(password)))
            # A new password ends the sessions signed in with the old one (it may be why it was changed).
            ended = await end_sessions(conn, agent_id)
        print(f"password changed for {args.email.strip().lower()}; {ended} session(s) signed out")
        return 0

    return _run(settings, work)


def cmd_user_disable(settings: Settings, args: argparse.Namespace) -> int:
    async def work(engine: AsyncEngine) -> int:
        agent_id = await _agent_id(engine, args.email)
        async with engine.begin() as conn:
            row = (await conn.execute(select(agents.c.role, agents.c.active).where(agents.c.id == agent_id))).one()
            if row.role == "admin" and row.active:
                admins = (await conn.execute(select(func.count()).select_from(agents).where(
                    agents.c.role == "admin", agents.c.active.is_(True)))).scalar_one()
                if admins == 1:
                    raise CommandError(f"{args.email.strip().lower()} is the only active admin: add another admin "
                                       "first, or nobody could manage the inbox")
            await conn.execute(update(agents).where(agents.c.id == agent_id).values(active=False))
            ended = await end_sessions(conn, agent_id)
        print(f"disabled {args.email.strip().lower()}; {ended} session(s) signed out")
        return 0

    return _run(settings, work)


def cmd_user_enable(settings: Settings, args: argparse.Namespace) -> int:
    async def work(engine: AsyncEngine) -> int:
        agent_id = await _agent_id(engine, args.email)
        async with engine.begin() as conn:
            await conn.execute(update(agents).where(agents.c.id == agent_id).values(active=True))
        print(f"enabled {args.email.strip().lower()}")
        return 0

    return _run(settings, work)


def add_admin_hint(settings: Settings) -> str:
    """The command that creates the first admin in *this* database: the program as it was started (e.g.
    .venv/bin/inbox, not on PATH) and the options that lead to the same database."""
    import os
    import shlex
    from pathlib import Path

    from inbox.datadir import default_data_dir

    program = sys.argv[0] if os.path.basename(sys.argv[0]) == "inbox" else "inbox"
    options = ""
    if settings.source != "built-in defaults" and Path(settings.source).is_file():
        options += f" --config {shlex.quote(str(Path(settings.source).absolute()))}"
    if settings.data_dir != default_data_dir().absolute():
        options += f" --data-dir {shlex.quote(str(settings.data_dir))}"
    return (f"echo 'a-long-password' | {shlex.quote(program)} user add admin@example.com --role admin "
            f"--password-stdin{options}")
