"""The arguments of `inbox user ...`, apart from the commands themselves (inbox.cli_users): building the parser
must not import SQLAlchemy, argon2 and the schema, which every other `inbox` command (`inbox scan` in a pipe above
all) would pay for at start-up; a command's module is imported when it runs."""
from __future__ import annotations

import argparse
from importlib import import_module


def add_user_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,
                      settings_of) -> None:  # noqa: ANN001 - settings_of: args -> Settings
    """Register `inbox user ...` under `sub`; `common` carries --config and --data-dir."""
    up = sub.add_parser("user", help="agents: add, list, change a password, disable, enable",
                        description="Agents who sign in to the inbox. Every subcommand works on the database "
                                    "`inbox serve` uses and never creates one.")
    usub = up.add_subparsers(dest="user_command", required=True, metavar="{add,list,passwd,disable,enable}")

    def command(name: str, func: str, help_text: str) -> argparse.ArgumentParser:
        p = usub.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(func=lambda args: getattr(import_module("inbox.cli_users"), func)(settings_of(args), args))
        return p

    ua = command("add", "cmd_user_add", "create an agent; the password comes on standard input")
    ua.add_argument("email", help="the agent's email address (their login)")
    ua.add_argument("--role", choices=["admin", "agent"], required=True,
                    help="admin: manages agents, teams, connectors and rules; agent: answers conversations")
    ua.add_argument("--name", help="display name (default: the part of the email before @)")
    ua.add_argument("--team", help="team the agent belongs to (created if missing); agents see its conversations")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from standard input (required)")
    command("list", "cmd_user_list", "list agents with their role, team and status")
    pw = command("passwd", "cmd_user_passwd", "set an agent's password (from standard input); signs them out")
    pw.add_argument("email", help="the agent's email address")
    pw.add_argument("--password-stdin", action="store_true", help="read the new password from standard input (required)")
    ds = command("disable", "cmd_user_disable", "stop an agent from signing in and end their sessions")
    ds.add_argument("email", help="the agent's email address")
    en = command("enable", "cmd_user_enable", "let a disabled agent sign in again")
    en.add_argument("email", help="the agent's email address")
