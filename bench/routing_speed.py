"""Routing speed (issue #7): issue-type classification + rule evaluation per message on one core, with the
default rule set (inbox/defaults/rules.yaml). Prints messages/s and latency percentiles for each part and for both.

    python -m bench.routing_speed [--messages 20000] [--batch 100] [--rules inbox/defaults/rules.yaml]

Messages are the classifier's held-out and training texts (Chinese and English), spread over channels, public and
private, first messages and follow-ups, with a few automatic ones, at office and off-office times.
"""
from __future__ import annotations

import os

# One core: pin before numpy loads so BLAS starts no helper threads.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from inbox.domain import (Channel, ContactIdentity, ConversationStatus, IdentityKind, InboundMessage,  # noqa: E402
                          Priority, Visibility)
from inbox.pipeline.stages import ConversationView, Finding, PipelineItem  # noqa: E402
from routing.classifier import ClassifyStage  # noqa: E402
from routing.classifier.classifier import default_classifier  # noqa: E402
from routing.classifier.corpus import HELDOUT_PATH, TRAIN_PATH, read_examples  # noqa: E402
from routing.rules import RulesHolder, RulesStage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = [(Channel.EMAIL, Visibility.PRIVATE), (Channel.TELEGRAM, Visibility.PRIVATE),
            (Channel.TELEGRAM, Visibility.PUBLIC), (Channel.TWITTER, Visibility.PUBLIC),
            (Channel.TWITTER, Visibility.PRIVATE), (Channel.WEBCHAT, Visibility.PRIVATE)]
START = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)


def make_items(count: int, seed: int = 7) -> list[PipelineItem]:
    rng = random.Random(seed)
    texts = [example.text for example in read_examples(HELDOUT_PATH) + read_examples(TRAIN_PATH)]
    items = []
    for number in range(count):
        channel, visibility = rng.choice(CHANNELS)
        is_first = rng.random() < 0.4
        message = InboundMessage(
            connector=channel.value, channel=channel, provider_id=str(number), thread_key=str(number % 997),
            visibility=visibility, sender=ContactIdentity(IdentityKind.APP, str(number % 5000)),
            text=rng.choice(texts), sent_at=START, flags=frozenset({"auto_reply"}) if rng.random() < 0.02 else frozenset())
        conversation = ConversationView(
            id=None if is_first else number, ticket=None if is_first else f"#{10000 + number}",
            connector=channel.value, channel=channel.value, visibility=visibility, status=ConversationStatus.OPEN,
            type=None if is_first else rng.choice(["deposit", "withdrawal", "how_to", "other"]),
            tags=frozenset(), priority=Priority.NORMAL, team=None, assignee=None, is_new=is_first, contact_id=number)
        findings = [Finding("seed_phrase", 0, 5, "secret")] if rng.random() < 0.01 else []
        items.append(PipelineItem(message=message, text=message.text, raw=None, conversation=conversation,
                                  is_first=is_first, findings=findings))
    return items


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def report(name: str, seconds_each: list[float]) -> None:
    ordered = sorted(seconds_each)
    total = sum(ordered)
    print(f"{name:34s} {len(ordered) / total:9,.0f} msg/s   p50 {percentile(ordered, 0.50) * 1e6:7.1f} µs"
          f"   p99 {percentile(ordered, 0.99) * 1e6:7.1f} µs   max {ordered[-1] * 1e6:8.1f} µs")


def measure(run, items, clock) -> list[float]:
    """Seconds per message by `clock`; wall time counts other processes' use of the core, CPU time does not."""
    # The benchmark's own tens of thousands of prepared items would otherwise make full garbage collections slow
    # (a 200 ms pause now and then); freezing them leaves only the stages' own garbage to collect.
    gc.collect()
    gc.freeze()
    spent = []
    for item in items:
        before = clock()
        run([item])
        spent.append(clock() - before)
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=100, help="items per stage call in the batched run")
    parser.add_argument("--rules", default=str(ROOT / "inbox" / "defaults" / "rules.yaml"))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    import tracemalloc

    import scipy.sparse  # noqa: F401 - imported before measuring: the figure is the model's, not the libraries'
    import sklearn  # noqa: F401

    tracemalloc.start()
    started = time.perf_counter()
    classifier = default_classifier()
    classifier.classify("warm up")  # trains or loads the model: not part of the figures
    ready = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    current = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    model = classifier.model
    arrays = model.weights.nbytes + model.idf.nbytes + model.intercept.nbytes
    print(f"classifier ready in {ready:.1f} s (first run trains; later runs load the cache)")
    print(f"classifier memory: {current / 2**20:.1f} MiB held after loading, Python allocations "
          f"({arrays / 2**20:.1f} MiB weight arrays, {len(model.vocabulary):,} features), peak {peak / 2**20:.1f} MiB "
          f"while loading or training")
    classify_stage = ClassifyStage()
    moments = iter(START + timedelta(minutes=17 * n) for n in range(10 ** 9))  # walks through office and off hours
    rules_stage = RulesStage(RulesHolder(args.rules), now=lambda: next(moments))

    print(f"{args.messages:,} messages, rules: {args.rules}, one core; load average {os.getloadavg()[0]:.1f}")

    def both(batch: list[PipelineItem]) -> None:
        classify_stage.process(batch)
        rules_stage.process(batch)

    for label, clock in (("wall", time.perf_counter), ("cpu", time.thread_time)):
        report(f"classify, one at a time ({label})", measure(classify_stage.process, make_items(args.messages), clock))
        classified = make_items(args.messages)
        classify_stage.process(classified)
        report(f"rules, one at a time ({label})", measure(rules_stage.process, classified, clock))
        report(f"classify + rules ({label})", measure(both, make_items(args.messages), clock))

    items = make_items(args.messages, seed=8)
    gc.collect()
    gc.freeze()
    batch_times = []
    for start in range(0, len(items), args.batch):
        batch = items[start:start + args.batch]
        before = time.thread_time()
        both(batch)
        batch_times.extend([(time.thread_time() - before) / len(batch)] * len(batch))
    report(f"classify + rules, batch {args.batch} (cpu)", batch_times)
    acted = sum(1 for item in items if item.effects.audit)
    print(f"messages where a rule acted: {acted / len(items):.0%}; target: classify + rules >= 5,000 msg/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
