"""The `inbox` command: serve, db upgrade, user add, check-config, scan, classify, route, import."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from inbox.config import ConfigError, Settings, find_config_path, load_settings

log = logging.getLogger("inbox")


class RedactSecrets(logging.Filter):
    """Last line of defence: no configured secret value ever reaches a log line, whoever logged it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for s in self.secrets:
                message = message.replace(s, "***")
            record.msg, record.args = message, None
        return True


def setup_logging(settings: Settings | None, level: str = "INFO") -> None:
    from inbox.private_links import RedactLinkTokens
    from inbox.supervisor import secret_values

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [v for c in (settings.connectors if settings else ()) for v in secret_values(c.config)]
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(RedactLinkTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter at every start says nothing useful


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config)
    except ConfigError as e:
        for line in e.problems:
            print(f"config error: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from inbox.app import SchemaOutOfDate, build_app

    settings = _settings(args)
    setup_logging(settings, args.log_level)
    host = args.host or settings.server.host
    port = args.port if args.port is not None else settings.server.port
    log.info("config: %s; database: %s", settings.source, settings.database.url.split("@")[-1])
    print(f"inbox serving on http://{host}:{port}  (agent UI at /, customer demo chat at /chat/demo)", flush=True)
    from routing.rules import RulesError

    try:
        web.run_app(build_app(settings), host=host, port=port, print=None, handle_signals=True)
    except SchemaOutOfDate as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RulesError as e:
        for line in e.errors:
            print(f"config error: {settings.source}: routing.rules: {line}", file=sys.stderr)
        return 2
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from inbox.store import db

    settings = _settings(args)

    async def run() -> str | None:
        engine = db.create_engine(settings.database.url)
        try:
            await db.upgrade(engine)
            return await db.current_revision(engine)
        finally:
            await engine.dispose()

    print(f"database at revision {asyncio.run(run())}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from inbox.auth import AgentError, create_agent
    from inbox.store import db

    settings = _settings(args)
    if not args.password_stdin:
        print("error: pass the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")

    async def run() -> int:
        engine = db.create_engine(settings.database.url)
        try:
            if db.is_sqlite(settings.database.url):
                await db.upgrade(engine)
            agent = await create_agent(engine, args.email, password, args.role, args.name, args.team)
        except AgentError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        finally:
            await engine.dispose()
        print(f"added {agent.role} {agent.email} (id {agent.id})")
        return 0

    return asyncio.run(run())


def cmd_check_config(args: argparse.Namespace) -> int:
    path = find_config_path(args.config)
    try:
        settings = load_settings(args.config)
    except ConfigError as e:
        for line in e.problems:
            print(f"config error: {line}", file=sys.stderr)
        return 2
    problems = []
    if settings.routing.rules:
        try:
            from routing.rules import RulesError, load_rules

            load_rules(settings.routing.rules)
        except RulesError as e:
            problems.append(f"{settings.source}: routing.rules: {e}")
        except OSError as e:
            problems.append(f"{settings.source}: routing.rules: cannot read {settings.routing.rules}: {e.strerror}")
    for p in problems:
        print(f"config error: {p}", file=sys.stderr)
    if problems:
        return 2
    names = ", ".join(f"{c.name} ({c.config.type}{'' if c.config.enabled else ', disabled'})" for c in settings.connectors)
    print(f"{path or 'built-in defaults'}: OK — connectors: {names or 'none'}")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from routing.sensitive.scan_cli import run

    return run(sys.stdin, sys.stdout, plain=args.plain)


def cmd_classify(args: argparse.Namespace) -> int:
    from routing.classifier.cli import run

    return run(sys.stdin, sys.stdout)


def cmd_route(args: argparse.Namespace) -> int:
    from routing.rules.dry_run import run

    from routing.guard import GuardPolicy, SensitiveStage

    settings = _settings(args)
    rules = args.rules or settings.routing.rules or "config/rules.yaml"
    if not args.dry_run:
        print("error: only --dry-run is supported: routing of live messages happens in `inbox serve`", file=sys.stderr)
        return 2
    # The guard runs first, with the config's policy, as in `inbox serve` (rules see masked text and findings).
    return run(rules, sys.stdin, sys.stdout, SensitiveStage(GuardPolicy.model_validate(settings.guard)))


def cmd_import_mbox(args: argparse.Namespace) -> int:
    from inbox.importer import import_mbox_command

    return import_mbox_command(_settings(args), args.file, args.connector)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="inbox", description="Omnichannel support inbox")
    p.add_argument("--config", help="config file (default: $INBOX_CONFIG, else config/inbox.yaml, else built-in)")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:  # noqa: ANN001
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("--config", default=argparse.SUPPRESS, help="config file")
        sp.set_defaults(func=func)
        return sp

    s = add("serve", cmd_serve, "run the HTTP server and every enabled connector")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--log-level", default="INFO")

    dbp = sub.add_parser("db", help="database maintenance")
    dbsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply migrations")
    up.add_argument("--config", default=argparse.SUPPRESS)
    up.set_defaults(func=cmd_db_upgrade)

    up = sub.add_parser("user", help="agents")
    usub = up.add_subparsers(dest="user_command", required=True)
    ua = usub.add_parser("add", help="create an agent; the password comes on standard input")
    ua.add_argument("--config", default=argparse.SUPPRESS)
    ua.add_argument("email")
    ua.add_argument("--role", choices=["admin", "agent"], required=True)
    ua.add_argument("--name")
    ua.add_argument("--team")
    ua.add_argument("--password-stdin", action="store_true")
    ua.set_defaults(func=cmd_user_add)

    add("check-config", cmd_check_config, "validate the config; errors name the file and key")
    sc = add("scan", cmd_scan, "sensitive-data detector as a filter (JSON lines in and out)")
    sc.add_argument("--plain", action="store_true", help="one text per input line")
    add("classify", cmd_classify, "issue-type classifier as a filter (JSON lines in and out)")
    rt = add("route", cmd_route, "show which rules fire for messages (JSON lines)")
    rt.add_argument("--dry-run", action="store_true")
    rt.add_argument("--rules", help="rules file (default: routing.rules from the config)")

    im = sub.add_parser("import", help="import a backlog")
    isub = im.add_subparsers(dest="import_command", required=True)
    mb = isub.add_parser("mbox", help="import an mbox file through an email connector")
    mb.add_argument("--config", default=argparse.SUPPRESS)
    mb.add_argument("file")
    mb.add_argument("--connector", required=True)
    mb.set_defaults(func=cmd_import_mbox)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not hasattr(args, "config"):
        args.config = None
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
