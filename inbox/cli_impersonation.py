"""`inbox impersonation ...`: the detector's evaluation, and checking a handle, address or link against the registry."""
from __future__ import annotations

import argparse
import json


def add_impersonation_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,
                               settings_of) -> None:  # noqa: ANN001 - settings_of: args -> Settings
    ip = sub.add_parser("impersonation", help="impersonation: evaluation figures, check a handle/email/link",
                        description="Fake support accounts in our public threads (see README, Impersonators).")
    isub = ip.add_subparsers(dest="impersonation_command", required=True, metavar="{eval,check}")
    ev = isub.add_parser("eval", help="precision and recall on the shipped evaluation set", parents=[common])
    ev.add_argument("--split", choices=("dev", "holdout", "adversarial", "all"), default="all",
                    help="which part of the set (default: all, each part printed apart)")
    ev.add_argument("--errors", action="store_true", help="print every misjudged reply with its signals")
    ev.set_defaults(func=_eval)
    ck = isub.add_parser("check", help="is this handle, email address or link ours? (the /verify answer)",
                         parents=[common])
    ck.add_argument("query", help="@handle, email address or link")
    ck.set_defaults(func=lambda args: _check(settings_of(args), args))


def _eval(args: argparse.Namespace) -> int:
    from routing.impersonation.evaluate import main

    return main(["--split", args.split] + (["--errors"] if args.errors else []))


def _check(settings, args: argparse.Namespace) -> int:  # noqa: ANN001
    from routing.impersonation import ImpersonationSettings
    from routing.impersonation.verify import check

    registry = ImpersonationSettings.model_validate(settings.impersonation or {}).registry
    answer = check(args.query, registry)
    print(json.dumps(answer.as_json(), ensure_ascii=False))
    return 0 if answer.verdict != "invalid" else 2
