"""`python -m routing.sensitive.evaluation [--count N] [--seed S] [--errors K] [--set generated|world|both]`.

Prints P/R/F1 per kind for the seeded generated corpus (`corpus.py`) and for the second, independently built set of
third-party vectors in hand-written messages (`world.py`), each with its secret-tier recall.
"""
from __future__ import annotations

import argparse

from routing.sensitive import detect
from routing.sensitive.evaluation.corpus import generate
from routing.sensitive.evaluation.metrics import evaluate, format_report
from routing.sensitive.evaluation.world import generate_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--errors", type=int, default=0, help="print up to K misclassified messages")
    parser.add_argument("--set", choices=("generated", "world", "both"), default="both")
    args = parser.parse_args()
    sets = []
    if args.set in ("generated", "both"):
        sets.append((f"generated corpus: routing.sensitive on {args.count} messages (seed {args.seed})",
                     generate(args.count, args.seed)))
    if args.set in ("world", "both"):
        world = generate_world()
        sets.append((f"third-party vectors in support messages (world.py): {len(world)} messages, "
                     f"{sum(not m.labels for m in world)} hard negatives", world))
    for position, (title, messages) in enumerate(sets):
        report = evaluate(detect, messages, keep_errors=args.errors)
        if position:
            print()
        print(format_report(title, report))
        print(f"secret-tier recall {report.tier('secret').recall:.3f}   F1 {report.overall().f1:.3f}")
        for what, kind, text in report.errors:
            print(what, kind, repr(text))


if __name__ == "__main__":
    main()
