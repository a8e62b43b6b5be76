"""Accuracy and macro-F1 of the shipped classifier on the held-out split (never used for training).

    python -m routing.classifier.evaluate [--errors]

The "blind" subset was written before the training templates were extended and was never used to tune anything.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Sequence, TextIO

from routing.classifier.classifier import IssueClassifier
from routing.classifier.corpus import HELDOUT_PATH, Example, read_examples
from routing.classifier.model import shipped_model
from routing.classifier.types import ISSUE_TYPES


@dataclass(frozen=True, slots=True)
class Scores:
    count: int
    accuracy: float
    macro_f1: float
    f1_by_type: dict[str, float]


def score(truth: Sequence[str], predicted: Sequence[str]) -> Scores:
    f1_by_type = {}
    for issue_type in ISSUE_TYPES:
        true_positive = sum(1 for t, p in zip(truth, predicted) if t == p == issue_type)
        predicted_count = sum(1 for p in predicted if p == issue_type)
        true_count = sum(1 for t in truth if t == issue_type)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / true_count if true_count else 0.0
        f1_by_type[issue_type] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    present = [issue_type for issue_type in ISSUE_TYPES if issue_type in truth]
    accuracy = sum(1 for t, p in zip(truth, predicted) if t == p) / len(truth) if truth else 0.0
    macro = sum(f1_by_type[issue_type] for issue_type in present) / len(present) if present else 0.0
    return Scores(len(truth), accuracy, macro, f1_by_type)


def evaluate(classifier: IssueClassifier, examples: Sequence[Example]) -> tuple[Scores, list[str]]:
    predicted = [result.type for result in classifier.classify_many(example.text for example in examples)]
    return score([example.type for example in examples], predicted), predicted


def _print_scores(title: str, scores: Scores, out: TextIO) -> None:
    print(f"{title}: n={scores.count} accuracy={scores.accuracy:.3f} macro_f1={scores.macro_f1:.3f}", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the misclassified held-out examples")
    args = parser.parse_args(argv)
    examples = read_examples(HELDOUT_PATH)
    classifier = IssueClassifier(shipped_model())
    scores, predicted = evaluate(classifier, examples)
    _print_scores("held-out", scores, out)
    for issue_type in ISSUE_TYPES:
        print(f"  {issue_type:15s} f1={scores.f1_by_type[issue_type]:.3f}", file=out)
    for subset in ("heldout", "heldout-blind"):
        chosen = [position for position, example in enumerate(examples) if f"/{subset}/" in example.template]
        _print_scores(f"  subset {subset}", score([examples[i].type for i in chosen], [predicted[i] for i in chosen]), out)
    for language in ("en", "zh"):
        chosen = [position for position, example in enumerate(examples) if example.language == language]
        _print_scores(f"  language {language}", score([examples[i].type for i in chosen], [predicted[i] for i in chosen]), out)
    if args.errors:
        for example, guess in zip(examples, predicted):
            if guess != example.type:
                print(f"{example.type} -> {guess}: {example.text}", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
