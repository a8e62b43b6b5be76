"""Expand the hand-written templates into train.jsonl / heldout.jsonl (deterministic; run after editing templates).

    python -m routing.classifier.corpus.generate
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import yaml

from routing.classifier.corpus import CORPUS_DIR, HELDOUT_PATH, TRAIN_PATH, Example
from routing.classifier.types import ISSUE_TYPES

VARIANTS_PER_TEMPLATE = {"train": 12, "heldout": 4}
_SLOT = re.compile(r"\{(\w+)\}")
_SEED = 20261121


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    # Twice, because a slot value may itself hold a slot ("receive {coin}").
    for _ in range(2):
        template = _SLOT.sub(lambda match: rng.choice(slots[match.group(1)]), template)
    return template


def _variants(template: str, issue_type: str, slots: dict[str, list[str]], count: int, rng: random.Random) -> list[str]:
    seen: set[str] = set()
    texts = []
    for _ in range(count * 4):  # templates with few slots can't make `count` distinct variants; stop trying then
        core = _fill(template, slots, rng)
        tail = "" if issue_type == "other" else rng.choice(slots["tail"])  # "thanks. Please help." reads wrong
        text = f"{rng.choice(slots['greet'])}{core}{tail}".strip()
        if rng.random() < 0.3 and text.isascii():
            text = text.lower()  # customers often type without capitals
        if text not in seen:
            seen.add(text)
            texts.append(text)
        if len(texts) == count:
            break
    return texts


def generate() -> dict[str, list[Example]]:
    slots_by_language = yaml.safe_load((CORPUS_DIR / "slots.yaml").read_text(encoding="utf-8"))
    rng = random.Random(_SEED)
    splits: dict[str, list[Example]] = {"train": [], "heldout": []}
    for issue_type in ISSUE_TYPES:
        spec = yaml.safe_load((CORPUS_DIR / "templates" / f"{issue_type}.yaml").read_text(encoding="utf-8"))
        if spec["type"] != issue_type:
            raise ValueError(f"templates/{issue_type}.yaml says type {spec['type']!r}")
        more = yaml.safe_load((CORPUS_DIR / "templates" / f"{issue_type}.more.yaml").read_text(encoding="utf-8"))
        for language, templates in more["train"].items():
            spec["train"][language] = spec["train"][language] + templates
        type_slots = {language: {**shared, **more["slots"].get(language, {})}
                      for language, shared in slots_by_language.items()}
        for split, examples in splits.items():
            for language, templates in spec[split].items():
                for index, template in enumerate(templates):
                    for text in _variants(template, issue_type, type_slots[language],
                                          VARIANTS_PER_TEMPLATE[split], rng):
                        examples.append(Example(text, issue_type, language, f"{issue_type}/{split}/{language}/{index}"))
    blind = yaml.safe_load((CORPUS_DIR / "templates" / "heldout_blind.yaml").read_text(encoding="utf-8"))
    for issue_type in ISSUE_TYPES:
        for language, templates in blind[issue_type].items():
            for index, template in enumerate(templates):
                for text in _variants(template, issue_type, slots_by_language[language],
                                      VARIANTS_PER_TEMPLATE["heldout"], rng):
                    splits["heldout"].append(
                        Example(text, issue_type, language, f"{issue_type}/heldout-blind/{language}/{index}"))
    return splits


def _write(path: Path, examples: list[Example]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for example in examples:
            row = {"text": example.text, "type": example.type, "language": example.language,
                   "template": example.template}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> int:
    splits = generate()
    _write(TRAIN_PATH, splits["train"])
    _write(HELDOUT_PATH, splits["heldout"])
    print(f"train: {len(splits['train'])} examples, heldout: {len(splits['heldout'])} examples", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
