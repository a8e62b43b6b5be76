"""Precision and recall of the detector on the shipped evaluation set (eval/replies.jsonl, see eval/SOURCES.md).

    inbox impersonation eval [--split dev|holdout|adversarial|all] [--errors]
    (or python -m routing.impersonation.evaluate)

Splits: `dev` (tuned on), `holdout` (written with dev, from the documented patterns, never tuned on) and
`adversarial` (written after the detector, to evade it, never tuned on). The targets apply to dev + holdout; the
adversarial figures are printed beside them to show where the rules stop.

Each reply is judged as the inbox judges it in a thread: a record whose role is `customer` is the conversation's
own customer (only a lookalike identity can flag them, see detect.assess). The "no thread context" line judges
every record on identity and text alone, to show what that context is worth.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from routing.impersonation.detect import Account, assess
from routing.impersonation.registry import OfficialRegistry

EVAL_DIR = Path(__file__).with_name("eval")
TARGET_PRECISION = 0.95
TARGET_RECALL = 0.90


@dataclass(frozen=True)
class Figures:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_records(split: str = "all") -> list[dict]:
    lines = (EVAL_DIR / "replies.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return [r for r in records if split == "all" or r["split"] == split]


def load_registry() -> OfficialRegistry:
    return OfficialRegistry.model_validate_json((EVAL_DIR / "registry.json").read_text(encoding="utf-8"))


def judge(record: dict, registry: OfficialRegistry, *, context: bool = True):  # noqa: ANN201 - a Verdict
    a = record["author"]
    account = Account(record["platform"], a.get("user_id"), a.get("handle"), a.get("display_name"))
    return assess(account, record["text"], registry, identity_only=context and record["role"] == "customer")


def figures(records: list[dict], registry: OfficialRegistry, *, context: bool = True) -> Figures:
    tp = fp = fn = tn = 0
    for r in records:
        flagged = judge(r, registry, context=context).flagged
        scam = r["label"] == "impersonation"
        tp += flagged and scam
        fp += flagged and not scam
        fn += not flagged and scam
        tn += not flagged and not scam
    return Figures(tp, fp, fn, tn)


def _line(name: str, f: Figures) -> str:
    return (f"{name:<28} precision {f.precision:.3f} (target {TARGET_PRECISION})  recall {f.recall:.3f} "
            f"(target {TARGET_RECALL})  tp={f.tp} fp={f.fp} fn={f.fn} tn={f.tn}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inbox impersonation eval", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "holdout", "adversarial", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="print every misjudged record with its signals")
    args = parser.parse_args(argv)
    registry = load_registry()
    records = load_records(args.split)
    splits = ("dev", "holdout", "adversarial") if args.split == "all" else (args.split,)
    for split in splits:
        part = [r for r in records if r["split"] == split]
        print(_line(f"{split} ({len(part)} replies)", figures(part, registry)))
        for lang in ("en", "zh"):
            sub = [r for r in part if r["lang"] == lang]
            print(_line(f"  {split} {lang} ({len(sub)})", figures(sub, registry)))
    documented = [r for r in records if r["split"] != "adversarial"]
    total = figures(documented, registry)
    print(_line(f"dev+holdout ({len(documented)} replies)", total))
    print(_line("dev+holdout, no context", figures(documented, registry, context=False)))
    if len(documented) != len(records):
        print(_line(f"everything ({len(records)} replies)", figures(records, registry)))
    if args.errors:
        for r in records:
            v = judge(r, registry)
            if v.flagged != (r["label"] == "impersonation"):
                print(f"  #{r['id']} {r['split']} {r['role']} @{r['author']['handle']} score {v.score}: {v.explain()}")
    return 0 if total.precision >= TARGET_PRECISION and total.recall >= TARGET_RECALL else 1


if __name__ == "__main__":
    raise SystemExit(main())
