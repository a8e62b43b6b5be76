"""`python -m routing.sensitive.evaluation [--count N] [--seed S] [--errors K]`: print P/R/F1 per kind."""
from __future__ import annotations

import argparse

from routing.sensitive import detect
from routing.sensitive.evaluation.corpus import generate
from routing.sensitive.evaluation.metrics import evaluate, format_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--errors", type=int, default=0, help="print up to K misclassified messages")
    args = parser.parse_args()
    messages = generate(args.count, args.seed)
    report = evaluate(detect, messages, keep_errors=args.errors)
    print(format_report(f"routing.sensitive on {len(messages)} messages (seed {args.seed})", report))
    for what, kind, text in report.errors:
        print(what, kind, repr(text))


if __name__ == "__main__":
    main()
