"""The `inbox` command: serve, db upgrade, user add, check-config, scan, classify, route, import."""
from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inbox import logsecrets

if TYPE_CHECKING:  # imported where used: `inbox scan` in a pipe must not pay for pydantic, connectors, SQLAlchemy
    from inbox.config import Settings

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


def setup_logging(settings: Settings | None, level: str = "INFO", json_logs: bool = False) -> None:
    from inbox.private_links import RedactLinkTokens
    from inbox.supervisor import secret_values

    handler = logging.StreamHandler()
    if json_logs:
        from inbox.cluster.jsonlog import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [v for c in (settings.connectors if settings else ()) for v in secret_values(c.config)]
    handler.addFilter(RedactSecrets(secrets))
    logsecrets.register(secrets)  # every handler, and connectors added later in the admin UI (see inbox.logsecrets)
    handler.addFilter(RedactLinkTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter at every start says nothing useful


def _settings(args: argparse.Namespace) -> Settings:
    from inbox.config import ConfigError, load_settings

    try:
        return load_settings(args.config, data_dir=args.data_dir)
    except ConfigError as e:
        for line in e.problems:
            print(f"config error: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def _listen_error(error: OSError, host: str, port: int) -> str | None:
    """A plain sentence for a server socket that can't be opened, or None for any other OSError."""
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return (f"cannot listen on {where}: the port is in use (is another inbox running?). Pick another with "
                "--port N or server.port in the config")
    if error.errno == errno.EACCES:
        return f"cannot listen on {where}: permission denied (ports below 1024 need root; use e.g. --port 8080)"
    if error.errno == errno.EADDRNOTAVAIL or error.__class__.__name__ == "gaierror":
        return f"cannot listen on {where}: {host} is not an address of this machine (try --host 127.0.0.1)"
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from inbox.access_log import RedactingAccessLogger
    from inbox.app import SchemaOutOfDate, build_app
    from inbox.config import seed_rules
    from inbox.datadir import DatabaseUnavailable, display
    from routing.rules import RulesError

    from inbox.cluster.roles import Role, cluster_notes, cluster_problems

    settings = _settings(args)
    role = Role(args.role)
    problems = cluster_problems(settings, role)
    for line in problems:
        print(f"config error: {line}", file=sys.stderr)
    if problems:
        return 2
    setup_logging(settings, args.log_level, json_logs=args.log_format == "json")
    for notice in cluster_notes(settings, role):
        print(f"note: {notice}", file=sys.stderr)
    host = args.host or settings.server.host
    port = args.port if args.port is not None else settings.server.port
    for notice in settings.notices:
        print(f"note: {notice}", file=sys.stderr)
    try:
        settings = seed_rules(settings)
    except OSError as e:
        print(f"error: cannot write the default rules into {settings.data_dir}: {e.strerror}", file=sys.stderr)
        return 2
    rules = settings.routing.rules or "none"
    print(f"config: {settings.source}; database: {display(settings.database_url)}; rules: {rules}", flush=True)
    banner = f"inbox serving on http://{host}:{port}  (agent UI at /, customer demo chat at /chat/demo)"
    if role != Role.ALL:
        banner += f"; role {role.value}"
    try:
        # run_app calls `print` once the socket listens: no "serving on" before a port-in-use error.
        web.run_app(build_app(settings, role), host=host, port=port, handle_signals=True,
                    print=lambda _: print(banner, flush=True), access_log_class=RedactingAccessLogger)
    except (SchemaOutOfDate, DatabaseUnavailable) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RulesError as e:
        for line in e.errors:
            print(f"config error: {settings.source}: routing.rules: {line}", file=sys.stderr)
        return 2
    except OSError as e:
        message = _listen_error(e, host, port)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from inbox.datadir import display, explain_failure
    from inbox.store import db

    settings = _settings(args)
    print(f"database: {display(settings.database_url)}", file=sys.stderr)
    for notice in settings.notices:
        print(f"note: {notice}", file=sys.stderr)

    async def run() -> str | None:
        engine = db.create_engine(settings.database_url)
        try:
            await db.upgrade(engine)
            return await db.current_revision(engine)
        finally:
            await engine.dispose()

    import asyncio  # here, not at the top: `inbox scan` never needs it

    try:
        revision = asyncio.run(run())
    except Exception as e:  # noqa: BLE001 - an unreachable database is said plainly, anything else re-raised
        message = explain_failure(e, settings.database_url)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    print(f"database at revision {revision}")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from inbox.config import find_config_path
    from inbox.datadir import display, sqlite_file

    path = find_config_path(args.config)
    settings = _settings(args)
    problems = []
    ruleset = None
    if settings.routing.rules:
        try:
            from routing.rules import RulesError, load_rules

            ruleset = load_rules(settings.routing.rules)
        except RulesError as e:
            problems.append(f"{settings.source}: routing.rules: {e}")
        except OSError as e:
            problems.append(f"{settings.source}: routing.rules: cannot read {settings.routing.rules}: {e.strerror}")
    from inbox.cluster.roles import Role, cluster_notes, cluster_problems

    problems += cluster_problems(settings, Role(args.role))
    for p in problems:
        print(f"config error: {p}", file=sys.stderr)
    if problems:
        return 2
    for notice in (*settings.notices, *cluster_notes(settings, Role(args.role))):
        print(f"note: {notice}", file=sys.stderr)
    names = ", ".join(f"{c.name} ({c.config.type}{'' if c.config.enabled else ', disabled'})" for c in settings.connectors)
    print(f"{path or 'built-in defaults'}: OK — connectors: {names or 'none'}")
    db_file = sqlite_file(settings.database_url)
    state = "" if db_file is None else (" (exists)" if db_file.is_file() else " (not created yet: serve creates it)")
    print(f"database: {display(settings.database_url)}{state}")
    print(f"rules: {settings.routing.rules or 'none'}")
    print(f"processes: {processes_line(settings)}")
    from routing.images.availability import availability

    scanning = availability()
    print(f"image scanning: {scanning.state} (OCR {'on: ' + '+'.join(scanning.languages) if scanning.ocr else 'off'};"
          f" QR {'on' if scanning.qr else 'off'})")
    for problem in scanning.problems:
        print(f"warning: image scanning: {problem}", file=sys.stderr)
    if ruleset is not None:
        from inbox.teams import check_without_serving

        team_problems, note = check_without_serving(settings.database_url, ruleset)
        for line in team_problems.values():
            print(f"warning: {line}", file=sys.stderr)
        if note:
            print(f"note: {note}", file=sys.stderr)
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
    rules = args.rules or settings.routing.rules
    if not args.dry_run:
        print("error: only --dry-run is supported: routing of live messages happens in `inbox serve`", file=sys.stderr)
        return 2
    if not rules:
        print("error: no rules: the config says `routing.rules: false`; name a file with --rules", file=sys.stderr)
        return 2
    team_problems = _team_problems(settings, str(rules))
    for line in team_problems.values():
        print(f"warning: {line}", file=sys.stderr)
    # The guard runs first, with the config's policy, as in `inbox serve` (rules see masked text and findings).
    return run(str(rules), sys.stdin, sys.stdout, SensitiveStage(GuardPolicy.model_validate(settings.guard)),
               team_problems=team_problems)


def _team_problems(settings: Settings, rules_path: str) -> dict[str, str]:
    """Teams the rules route to that are missing or empty, in the database serve uses (empty if it can't tell)."""
    from inbox.teams import check_without_serving
    from routing.rules import RulesError, load_rules

    try:
        ruleset = load_rules(rules_path)
    except RulesError:
        return {}  # the dry run reports the rules' own errors
    problems, note = check_without_serving(settings.database_url, ruleset)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return problems


def cmd_import_mbox(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from inbox.config import RoutingSettings
    from inbox.datadir import display
    from inbox.importer import import_mbox_command

    settings = _settings(args)
    print(f"database: {display(settings.database_url)}", file=sys.stderr)
    if settings.default_rules:
        # As before the rules came with the package: a config that names no rules file imports without rules, so
        # the default off-hours auto-reply is not queued for every mail of an old backlog.
        settings = replace(settings, routing=RoutingSettings(rules=False))
    return import_mbox_command(settings, args.file, args.connector)


ROLE_HELP = ("all: everything in this one process (default). Several processes on PostgreSQL: web (API, UI, "
             "sockets, webhooks; any number behind a load balancer) and worker (connectors and the outbox)")


def processes_line(settings: Settings) -> str:
    from inbox.store import db

    if db.is_sqlite(settings.database_url):
        return "one (SQLite is single-process: --role web/worker need PostgreSQL)"
    redis = "events shared through Redis" if settings.redis.url is not None else "no redis.url: events stay per process"
    return f"one or several (--role web/worker on PostgreSQL; {redis})"


EXAMPLES = """\
examples:
  inbox serve                                   # SQLite in the data directory, in-app chat, default rules
  echo 'a-long-password' | inbox user add admin@example.com --role admin --password-stdin
  inbox user list
  inbox check-config --config /etc/omni-inbox/inbox.yaml
  echo '{"text": "my seed phrase is ..."}' | inbox scan
  echo '{"text": "提现还没到账"}' | inbox route --dry-run

data: the SQLite database (and the editable rules) live in --data-dir, else $INBOX_DATA_DIR, else
$XDG_DATA_HOME/omni-inbox (~/.local/share/omni-inbox), unless the config's database.url names another database.
config: --config, else $INBOX_CONFIG, else config/inbox.yaml in the working directory, else built-in defaults.
"""


def parser() -> argparse.ArgumentParser:
    from inbox.cli_classify import add_classifier_commands
    from inbox.cli_user_parser import add_user_commands

    p = argparse.ArgumentParser(prog="inbox", description="Omnichannel support inbox", epilog=EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    config_help = "config file (default: $INBOX_CONFIG, else config/inbox.yaml if present, else built-in defaults)"
    data_help = ("directory for the SQLite database and the editable rules (default: $INBOX_DATA_DIR, else "
                 "$XDG_DATA_HOME/omni-inbox or ~/.local/share/omni-inbox)")
    p.add_argument("--config", metavar="PATH", help=config_help)
    p.add_argument("--data-dir", metavar="DIR", help=data_help)
    # The same options after the subcommand (`inbox serve --config X`); SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=config_help)
    common.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=data_help)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(parent: argparse._SubParsersAction, name: str, func, help_text: str) -> argparse.ArgumentParser:  # noqa: ANN001
        sp = parent.add_parser(name, help=help_text, description=help_text, parents=[common])
        sp.set_defaults(func=func)
        return sp

    s = add(sub, "serve", cmd_serve, "run the HTTP server and every enabled connector")
    s.add_argument("--host", help="address to listen on (default: server.host, 127.0.0.1)")
    s.add_argument("--port", type=int, help="port to listen on (default: server.port, 8080; 0 picks a free one)")
    s.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="how much to log (default: INFO)")
    s.add_argument("--log-format", default="text", choices=["text", "json"],
                   help="text lines, or one JSON object per line for a log collector (default: text)")
    s.add_argument("--role", default="all", choices=["all", "web", "worker"], help=ROLE_HELP)

    dbp = sub.add_parser("db", help="database maintenance", description="database maintenance")
    dbsub = dbp.add_subparsers(dest="db_command", required=True, metavar="{upgrade}")
    add(dbsub, "upgrade", cmd_db_upgrade, "create the database or apply migrations (serve does it by itself on SQLite)")

    add_user_commands(sub, common, _settings)
    from inbox.cli_impersonation import add_impersonation_commands

    add_impersonation_commands(sub, common, _settings)

    cc = add(sub, "check-config", cmd_check_config, "validate the config; errors name the file and key")
    cc.add_argument("--role", default="all", choices=["all", "web", "worker"],
                    help="check for a process of this role (web and worker need PostgreSQL)")
    sc = add(sub, "scan", cmd_scan, "sensitive-data detector as a filter (JSON lines in and out)")
    sc.add_argument("--plain", action="store_true", help='one text per input line instead of {"text": ...} objects')
    add_classifier_commands(add(sub, "classify", cmd_classify, "issue-type classifier as a filter (JSON lines in "
                                "and out); status, retrain, rollback: learning from agents"), common, _settings)
    rt = add(sub, "route", cmd_route, "show which rules fire for messages (JSON lines)")
    rt.add_argument("--dry-run", action="store_true", help="required: show what would happen; nothing is sent or stored")
    rt.add_argument("--rules", metavar="PATH", help="rules file (default: routing.rules from the config)")

    im = sub.add_parser("import", help="import a backlog", description="import a backlog")
    isub = im.add_subparsers(dest="import_command", required=True, metavar="{mbox}")
    mb = add(isub, "mbox", cmd_import_mbox, "import an mbox file through an email connector (idempotent)")
    mb.add_argument("file", help="the mbox file")
    mb.add_argument("--connector", required=True, help="name of the email connector in the config")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
