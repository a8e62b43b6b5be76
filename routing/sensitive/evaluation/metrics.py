"""Span-level precision / recall / F1 per kind: a prediction counts when its kind matches and the spans overlap."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from inbox.pipeline.stages import Finding
from routing.sensitive.evaluation.corpus import LabelledMessage
from routing.sensitive.tiers import KINDS, TIERS


@dataclass(slots=True)
class KindScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def add(self, other: KindScore) -> None:
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives


@dataclass(slots=True)
class Report:
    per_kind: dict[str, KindScore] = field(default_factory=lambda: {kind: KindScore() for kind in KINDS})
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (what, kind, text) for inspection

    def overall(self, kinds: Iterable[str] | None = None) -> KindScore:
        total = KindScore()
        for kind in kinds if kinds is not None else KINDS:
            total.add(self.per_kind[kind])
        return total

    def tier(self, tier: str) -> KindScore:
        return self.overall(kind for kind in KINDS if TIERS[kind] == tier)


def score(
    messages: Sequence[LabelledMessage], predictions: Sequence[Sequence[Finding]], keep_errors: int = 0
) -> Report:
    report = Report()
    for message, predicted in zip(messages, predictions, strict=True):
        matched: set[int] = set()
        for finding in predicted:
            hit = next(
                (
                    index
                    for index, label in enumerate(message.labels)
                    if index not in matched
                    and label.kind == finding.kind
                    and finding.start < label.end
                    and label.start < finding.end
                ),
                None,
            )
            if finding.kind not in report.per_kind:
                continue
            if hit is None:
                report.per_kind[finding.kind].false_positives += 1
                if len(report.errors) < keep_errors:
                    report.errors.append(("FP", finding.kind, message.text[finding.start : finding.end] + " || " + message.text))
            else:
                matched.add(hit)
                report.per_kind[finding.kind].true_positives += 1
        for index, label in enumerate(message.labels):
            if index not in matched:
                report.per_kind[label.kind].false_negatives += 1
                if len(report.errors) < keep_errors:
                    report.errors.append(("FN", label.kind, message.text))
    return report


def format_report(title: str, report: Report) -> str:
    lines = [title, f"{'kind':<16}{'tier':<10}{'P':>7}{'R':>7}{'F1':>7}{'TP':>7}{'FP':>6}{'FN':>6}"]
    for kind in KINDS:
        item = report.per_kind[kind]
        lines.append(
            f"{kind:<16}{TIERS[kind]:<10}{item.precision:7.3f}{item.recall:7.3f}{item.f1:7.3f}"
            f"{item.true_positives:7d}{item.false_positives:6d}{item.false_negatives:6d}"
        )
    for name, item in (("tier secret", report.tier("secret")), ("tier personal", report.tier("personal")),
                       ("tier linkable", report.tier("linkable")), ("OVERALL", report.overall())):  # fmt: skip
        lines.append(f"{name:<26}{item.precision:7.3f}{item.recall:7.3f}{item.f1:7.3f}")
    return "\n".join(lines)


def evaluate(detect: Callable[[str], list[Finding]], messages: Sequence[LabelledMessage], keep_errors: int = 0) -> Report:
    return score(messages, [detect(message.text) for message in messages], keep_errors)
