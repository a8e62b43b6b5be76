"""How the shipped classifier does on data it never trained on: macro-F1 per language, calibration, triage.

    python -m routing.classifier.evaluate [--errors]

1. The independent held-out set (corpus/written/heldout.jsonl): written by hand in a separate pass, by another
   method than the training data (personas x channels, other scenarios; see README "Classifier data"). The target
   (macro-F1 >= 0.90) is measured here, per language; so are the reliability table and the expected calibration
   error (ECE) of the calibrated confidence, and how many messages fall under the "needs triage" threshold.
2. The template held-out set (corpus/heldout.jsonl): generated from templates the training templates don't share.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Sequence, TextIO

from inbox.pipeline.stages import Classification
from routing.classifier.calibration import shipped_calibration
from routing.classifier.classifier import IssueClassifier
from routing.classifier.corpus import HELDOUT_PATH, WRITTEN_HELDOUT_PATH, Example, read_examples
from routing.classifier.model import shipped_model
from routing.classifier.types import ISSUE_TYPES

RELIABILITY_BINS = 10


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


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


def reliability(confidences: Sequence[float], correct: Sequence[bool],
                bins: int = RELIABILITY_BINS) -> tuple[list[ReliabilityBin], float]:
    """Equal-width confidence bins and the expected calibration error: sum over bins of
    (bin share) x |accuracy - mean confidence|."""
    table, ece, total = [], 0.0, len(confidences)
    for number in range(bins):
        low, high = number / bins, (number + 1) / bins
        members = [i for i, c in enumerate(confidences) if low <= c < high or (number == bins - 1 and c == 1.0)]
        if not members:
            table.append(ReliabilityBin(low, high, 0, 0.0, 0.0))
            continue
        mean_confidence = sum(confidences[i] for i in members) / len(members)
        accuracy = sum(1 for i in members if correct[i]) / len(members)
        ece += len(members) / total * abs(accuracy - mean_confidence)
        table.append(ReliabilityBin(low, high, len(members), mean_confidence, accuracy))
    return table, ece


def evaluate(classifier: IssueClassifier, examples: Sequence[Example]) -> tuple[Scores, list[str]]:
    predicted = [result.type for result in classifier.classify_many(example.text for example in examples)]
    return score([example.type for example in examples], predicted), predicted


def _print_scores(title: str, scores: Scores, out: TextIO) -> None:
    print(f"{title}: n={scores.count} accuracy={scores.accuracy:.3f} macro_f1={scores.macro_f1:.3f}", file=out)


def _by_language(examples: Sequence[Example], predicted: Sequence[str], out: TextIO) -> None:
    for language in ("en", "zh"):
        chosen = [i for i, example in enumerate(examples) if example.language == language]
        _print_scores(f"  language {language}", score([examples[i].type for i in chosen],
                                                      [predicted[i] for i in chosen]), out)


def _print_calibration(examples: Sequence[Example], results: Sequence[Classification], out: TextIO) -> None:
    confidences = [r.confidence for r in results]
    correct = [r.type == e.type for r, e in zip(results, examples)]
    table, ece = reliability(confidences, correct)
    calibration = shipped_calibration()
    print(f"  calibration: ECE={ece:.3f} (temperature {calibration.temperature:g}, {RELIABILITY_BINS} bins)",
          file=out)
    print("    confidence    n   mean conf  accuracy", file=out)
    for row in table:
        if row.count:
            print(f"    {row.low:.1f}-{row.high:.1f}  {row.count:5d}   {row.mean_confidence:.3f}     {row.accuracy:.3f}",
                  file=out)
    confident = [ok for c, ok in zip(confidences, correct) if c >= 0.95]
    if confident:
        print(f"  confidence >= 0.95: n={len(confident)} accuracy={sum(confident) / len(confident):.3f}", file=out)
    flagged = [ok for c, ok in zip(confidences, correct) if c < calibration.triage_below]
    rest = [ok for c, ok in zip(confidences, correct) if c >= calibration.triage_below]
    print(f"  needs triage (confidence < {calibration.triage_below:g}): {len(flagged)} of {len(results)} "
          f"({len(flagged) / max(1, len(results)):.1%}), right among them {sum(flagged) / max(1, len(flagged)):.3f}; "
          f"accuracy of the rest {sum(rest) / max(1, len(rest)):.3f}", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the misclassified held-out examples")
    args = parser.parse_args(argv)
    classifier = IssueClassifier(shipped_model())

    written = read_examples(WRITTEN_HELDOUT_PATH)
    results = classifier.classify_many([example.text for example in written])
    predicted = [result.type for result in results]
    scores = score([example.type for example in written], predicted)
    _print_scores("held-out (independent, written)", scores, out)
    _by_language(written, predicted, out)
    for issue_type in ISSUE_TYPES:
        print(f"  {issue_type:15s} f1={scores.f1_by_type[issue_type]:.3f}", file=out)
    _print_calibration(written, results, out)

    templated = read_examples(HELDOUT_PATH)
    template_scores, template_predicted = evaluate(classifier, templated)
    _print_scores("held-out (templates)", template_scores, out)
    for subset in ("heldout", "heldout-blind"):
        chosen = [i for i, example in enumerate(templated) if f"/{subset}/" in example.template]
        _print_scores(f"  subset {subset}", score([templated[i].type for i in chosen],
                                                  [template_predicted[i] for i in chosen]), out)
    _by_language(templated, template_predicted, out)
    if args.errors:
        for example, result in zip(written, results):
            if result.type != example.type:
                print(f"{example.type} -> {result.type} ({result.confidence:.2f}): {example.text}", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
