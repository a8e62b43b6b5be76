"""Sensitive-data detection, side by side: routing.sensitive vs Microsoft Presidio on the same labelled corpus.

    python bench/sensitive_vs_presidio.py [--count 10000] [--seed 7] [--whole-process] [--rounds 3]

Presidio runs with its pattern recognizers only (no-op NLP engine, no spaCy model), CN added to its phone regions;
its entities are mapped to our kinds and kinds it has no recognizer for count as misses. Prints P/R/F1 per kind and
messages/s for both, then the targets: F1 >= 0.97 overall, secret-tier recall 1.00, >= 10x Presidio's speed.

`--whole-process` also times `inbox scan` and an equivalent Presidio filter (bench/presidio_scan.py) as whole
processes (start-up, imports, JSON in and out) on the same JSON-lines file, alternating the two `--rounds` times and
keeping each one's best, so a machine shared with other work slows both alike.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox.pipeline.stages import Finding
from routing.sensitive import KINDS, TIERS, detect
from routing.sensitive.evaluation.corpus import generate
from routing.sensitive.evaluation.metrics import Report, evaluate

PRESIDIO_TO_OURS = {
    "CREDIT_CARD": "card_number",
    "CRYPTO": "wallet_address",
    "EMAIL_ADDRESS": "email",
    "IBAN_CODE": "iban",
    "PHONE_NUMBER": "phone",
}

Detector = Callable[[str], list[Finding]]


def presidio_detector() -> tuple[Detector | None, str]:
    """Presidio's analyzer as one of our detectors, or None and the reason it can't run here."""
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NoOpNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            CryptoRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            PhoneRecognizer,
        )
    except ImportError as error:
        return None, f"presidio-analyzer is not installed ({error}); pip install presidio-analyzer"
    try:
        import logging

        import tldextract

        # Presidio's e-mail recognizer asks tldextract, which by default downloads the public suffix list; use
        # the snapshot bundled with tldextract so the run is offline and quiet.
        tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
        nlp_engine.load()
        registry = RecognizerRegistry(supported_languages=["en"])
        regions = (*PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS, "CN")
        for recognizer in (CreditCardRecognizer(), CryptoRecognizer(), EmailRecognizer(), IbanRecognizer(),
                           PhoneRecognizer(supported_regions=regions)):  # fmt: skip
            registry.add_recognizer(recognizer)
        analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
        analyzer.analyze("warm-up 13812345678 a@b.co", language="en")
    except Exception as error:  # noqa: BLE001 - any failure to start means "can't run offline here"
        return None, f"presidio could not be started offline: {type(error).__name__}: {error}"

    def run(text: str) -> list[Finding]:
        findings = []
        for result in analyzer.analyze(text, language="en"):
            kind = PRESIDIO_TO_OURS.get(result.entity_type)
            if kind is not None:
                findings.append(Finding(kind, result.start, result.end, TIERS[kind]))
        return findings

    return run, "presidio-analyzer (pattern recognizers, no-op NLP engine, phone regions + CN)"


def everyday_messages(count: int, seed: int) -> list[str]:
    """What most inbound traffic looks like: short questions and complaints, many with numbers, none sensitive."""
    import random

    from routing.sensitive.evaluation.corpus import everyday_message

    rng = random.Random(seed)
    return [everyday_message(rng) for _ in range(count)]


def independent_texts() -> list[str]:
    """Support messages written for the classifier by another hand: a check on false positives that does not
    come from our own generator. Empty when that corpus is not there."""
    import json

    texts = []
    for path in sorted((Path(__file__).resolve().parent.parent / "routing" / "classifier" / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                text = json.loads(line).get("text")
            except (ValueError, AttributeError):
                continue
            if isinstance(text, str):
                texts.append(text)
    return texts


def throughput(detector: Detector, texts: Sequence[str], repeats: int) -> float:
    """Messages per second, best of `repeats` passes (the machine may be shared)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for text in texts:
            detector(text)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def table(ours: Report, theirs: Report | None) -> str:
    header = f"{'kind':<16}{'tier':<10}| {'ours P':>7}{'R':>7}{'F1':>7} | {'presidio P':>11}{'R':>7}{'F1':>7}"
    lines = [header, "-" * len(header)]

    def row(name: str, tier: str, mine, other) -> str:  # type: ignore[no-untyped-def]
        right = f"{other.precision:11.3f}{other.recall:7.3f}{other.f1:7.3f}" if other is not None else f"{'n/a':>25}"
        return f"{name:<16}{tier:<10}| {mine.precision:7.3f}{mine.recall:7.3f}{mine.f1:7.3f} | {right}"

    for kind in KINDS:
        lines.append(row(kind, TIERS[kind], ours.per_kind[kind], theirs.per_kind[kind] if theirs else None))
    lines.append("-" * len(header))
    for tier in ("secret", "personal", "linkable"):
        lines.append(row(f"tier {tier}", "", ours.tier(tier), theirs.tier(tier) if theirs else None))
    lines.append(row("OVERALL", "", ours.overall(), theirs.overall() if theirs else None))
    return "\n".join(lines)


def whole_process(texts: Sequence[str], rounds: int) -> tuple[float, float | None]:
    """Best wall-clock seconds of `inbox scan` and of the Presidio filter over the same file, alternating runs."""
    import json
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parent.parent
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as handle:
        handle.writelines(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in texts)
        path = Path(handle.name)
    commands = {
        "ours": [sys.executable, "-c", "import sys; from inbox.cli import main; sys.exit(main(['scan']))"],
        "presidio": [sys.executable, "-m", "bench.presidio_scan"],
    }
    best: dict[str, float] = {}
    try:
        for _ in range(rounds):
            for name, command in commands.items():
                if name in best and best[name] < 0:
                    continue
                with path.open("rb") as stdin:
                    started = time.perf_counter()
                    done = subprocess.run(command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                          cwd=root, check=False)
                    elapsed = time.perf_counter() - started
                if done.returncode != 0:
                    print(f"{name} whole-process run failed: {done.stderr.decode(errors='replace')[-300:]}")
                    best[name] = -1.0
                    continue
                best[name] = min(best.get(name, float("inf")), elapsed)
    finally:
        path.unlink()
    theirs = best.get("presidio")
    return best["ours"], (theirs if theirs is not None and theirs > 0 else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10000, help="messages in the labelled corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="timing passes for our detector (best is kept)")
    parser.add_argument("--whole-process", action="store_true",
                        help="also time inbox scan and a Presidio filter as whole processes (alternating)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating whole-process rounds (best is kept)")
    args = parser.parse_args()

    messages = generate(args.count, args.seed)
    texts = [message.text for message in messages]
    labelled = sum(len(message.labels) for message in messages)
    print(f"corpus: {len(messages)} messages (seed {args.seed}), {labelled} labelled spans, "
          f"{sum(not m.labels for m in messages)} without any, mean length {sum(map(len, texts)) / len(texts):.0f} chars")

    ours = evaluate(detect, messages)
    ours_rate = throughput(detect, texts, args.repeats)
    everyday = everyday_messages(args.count, args.seed)
    ours_everyday_rate = throughput(detect, everyday, args.repeats)
    presidio, description = presidio_detector()
    theirs: Report | None = None
    theirs_rate: float | None = None
    if presidio is None:
        print(f"PRESIDIO NOT RUN: {description}")
    else:
        print(f"compared with: {description}")
        theirs = evaluate(presidio, messages)
        theirs_rate = throughput(presidio, texts, 1)

    print()
    print(table(ours, theirs))
    print()
    print(f"throughput on the corpus  ours:     {ours_rate:10,.0f} messages/s")
    if theirs_rate is not None:
        print(f"throughput on the corpus  presidio: {theirs_rate:10,.0f} messages/s   (ours is {ours_rate / theirs_rate:,.1f}x)")
    print(f"throughput on everyday short messages (no sensitive data, mean "
          f"{sum(map(len, everyday)) / len(everyday):.0f} chars)  ours: {ours_everyday_rate:,.0f} messages/s")
    independent = independent_texts()
    if independent:
        ours_hits = sum(bool(detect(text)) for text in independent)
        line = (f"messages with any finding among {len(independent):,} independent support messages without "
                f"sensitive data (routing/classifier corpus): ours {ours_hits}")
        if presidio is not None:
            line += f", presidio {sum(bool(presidio(text)) for text in independent)}"
        print(line)
    print()
    checks = [
        ("F1 overall >= 0.97", ours.overall().f1 >= 0.97, f"{ours.overall().f1:.4f}"),
        ("secret-tier recall == 1.00", ours.tier("secret").recall == 1.0, f"{ours.tier('secret').recall:.4f}"),
    ]
    if theirs_rate is not None:
        checks.append((">= 10x presidio messages/s", ours_rate >= 10 * theirs_rate, f"{ours_rate / theirs_rate:.1f}x"))
    if args.whole_process:
        ours_seconds, theirs_seconds = whole_process(texts, args.rounds)
        line = f"whole process on {len(texts):,} messages (best of {args.rounds}, alternating)  inbox scan: {ours_seconds:.2f} s"
        if theirs_seconds is not None:
            line += f"   presidio filter: {theirs_seconds:.2f} s   (ours is {theirs_seconds / ours_seconds:,.1f}x)"
            checks.append((">= 10x presidio whole-process", theirs_seconds >= 10 * ours_seconds,
                           f"{theirs_seconds / ours_seconds:.1f}x"))
        print(line)
        print()
    for name, passed, value in checks:
        print(f"target {name:<30} {'PASS' if passed else 'FAIL'}  ({value})")
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
