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
# A held-out example this similar to any training example (cosine of character-trigram sets) is a near-copy and is
# dropped: short greetings ("hey") can't help being identical across splits.
NEAR_COPY_SIMILARITY = 0.8
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
        type_slots = {language: dict(shared) for language, shared in slots_by_language.items()}
        # Further training batches: <type>.more.yaml, <type>.more2.yaml, ... (slots from any batch serve all).
        for more_path in sorted((CORPUS_DIR / "templates").glob(f"{issue_type}.more*.yaml")):
            more = yaml.safe_load(more_path.read_text(encoding="utf-8"))
            for language, templates in more["train"].items():
                spec["train"][language] = spec["train"][language] + templates
            for language, slots in (more.get("slots") or {}).items():
                type_slots[language].update(slots)
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


def max_similarity_to(reference: list[str], texts: list[str]) -> list[float]:
    """For each text, its highest character-trigram cosine similarity to any reference text."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize as unit_rows

    from routing.classifier.features import normalize

    # Padded, so a two-character text ("多谢") still has trigrams to compare. Punctuation, "?" included, is no
    # part of what makes two messages the same.
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(3, 3),
                                 preprocessor=lambda text: f" {' '.join(normalize(text).replace('?', ' ').split())} ",
                                 binary=True)
    reference_rows = unit_rows(vectorizer.fit_transform(reference).astype(float))
    text_rows = unit_rows(vectorizer.transform(texts).astype(float))
    return [float(value) for value in (text_rows @ reference_rows.T).max(axis=1).toarray().ravel()]


def drop_near_copies(train: list[Example], heldout: list[Example]) -> list[Example]:
    similarity = max_similarity_to([example.text for example in train], [example.text for example in heldout])
    return [example for example, value in zip(heldout, similarity) if value < NEAR_COPY_SIMILARITY]


def _write(path: Path, examples: list[Example]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for example in examples:
            row = {"text": example.text, "type": example.type, "language": example.language,
                   "template": example.template}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> int:
    splits = generate()
    generated = len(splits["heldout"])
    splits["heldout"] = drop_near_copies(splits["train"], splits["heldout"])
    print(f"dropped {generated - len(splits['heldout'])} held-out near-copies of training examples", file=sys.stderr)
    _write(TRAIN_PATH, splits["train"])
    _write(HELDOUT_PATH, splits["heldout"])
    print(f"train: {len(splits['train'])} examples, heldout: {len(splits['heldout'])} examples", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
