"""`inbox classify retrain|rollback|status`: fold agents' type corrections into this deployment's model.

`inbox classify` with no subcommand stays the JSON-lines filter (routing.classifier.cli).

    inbox classify status              which model is in use, how many corrections, every version's figures
    inbox classify retrain [--force]   retrain with the corrections; report before/after on the held-out slice;
                                       the new version is used only if it is not worse (or with --force)
    inbox classify rollback            back to the version before (or the shipped model)

They work on the database `inbox serve` uses; a running server picks up the change when it restarts (the admin
API, POST /api/v1/classifier/retrain and /rollback, changes a running server at once).
"""
from __future__ import annotations

import argparse
import json
import sys


def _run(settings, work) -> int:  # noqa: ANN001
    # Imported when a subcommand runs, not when the parser is built: `inbox scan`/`classify` start without argon2
    # and SQLAlchemy (their start-up is part of the guard's whole-process speed target).
    from inbox.cli_users import _run as run_on_database

    return run_on_database(settings, work)


def _print(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def cmd_status(settings, args: argparse.Namespace) -> int:  # noqa: ANN001
    from inbox import classifier_learning

    async def work(engine) -> int:  # noqa: ANN001
        _print(await classifier_learning.status(engine))
        return 0

    return _run(settings, work)


def cmd_retrain(settings, args: argparse.Namespace) -> int:  # noqa: ANN001
    from inbox import classifier_learning
    from routing.classifier.learning import NotEnoughCorrections

    async def work(engine) -> int:  # noqa: ANN001
        try:
            report = await classifier_learning.retrain(engine, "cli", force=args.force)
        except NotEnoughCorrections as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        _print(report)
        if not report["activated"]:
            print("the retrained model is not better on the held-out corrections: kept the current one "
                  "(--force to use it anyway)", file=sys.stderr)
        return 0

    return _run(settings, work)


def cmd_rollback(settings, args: argparse.Namespace) -> int:  # noqa: ANN001
    from inbox import classifier_learning

    async def work(engine) -> int:  # noqa: ANN001
        try:
            _print(await classifier_learning.rollback(engine, "cli"))
        except classifier_learning.NothingToRollBack as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0

    return _run(settings, work)


def add_classifier_commands(classify: argparse.ArgumentParser, common: argparse.ArgumentParser,
                            settings_of) -> argparse.ArgumentParser:  # noqa: ANN001 - settings_of: args -> Settings
    """Optional subcommands under `inbox classify` (without one, it is the filter)."""
    sub = classify.add_subparsers(dest="classify_command", required=False, metavar="{status,retrain,rollback}")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:  # noqa: ANN001
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(func=lambda args: func(settings_of(args), args))
        return p

    command("status", cmd_status, "which classifier model is in use, corrections recorded, versions")
    retrain = command("retrain", cmd_retrain, "retrain with agents' type corrections; report before/after")
    retrain.add_argument("--force", action="store_true", help="use the new model even if it measured worse")
    command("rollback", cmd_rollback, "go back to the previous model (or the shipped one)")
    return classify
