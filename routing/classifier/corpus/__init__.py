"""The labelled corpus the classifier trains on.

Two sources (see README "Classifier data"):
- `written/train.jsonl`: customer messages written one by one, by hand, the way people write (typos, slang, mixed
  Chinese and English, pinyin, negation, questions, long multi-issue messages). `written/heldout.jsonl` was written
  in a separate pass by another method (persona x channel grid, other scenarios) and is never trained on.
- `train.jsonl` / `heldout.jsonl`: the earlier template expansion (`generate`), kept with a lower weight
  (`TEMPLATE_WEIGHT`): it adds vocabulary, but a model that leans on it learns the templates.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
TRAIN_PATH = CORPUS_DIR / "train.jsonl"
HELDOUT_PATH = CORPUS_DIR / "heldout.jsonl"
WRITTEN_TRAIN_PATH = CORPUS_DIR / "written" / "train.jsonl"
WRITTEN_HELDOUT_PATH = CORPUS_DIR / "written" / "heldout.jsonl"
# A template row counts this much against a written one. 3-fold cross-validation on the written set could not
# tell 0.3 from 1.0 (0.906 vs 0.912 macro-F1, within fold noise); 0.3 leans on the customer-like data.
TEMPLATE_WEIGHT = 0.3
# Every third template row: the expansion repeats each template a dozen times, a third of them keeps the vocabulary
# and trains three times faster (first start, `inbox classify retrain`).
TEMPLATE_STRIDE = 3


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    type: str
    language: str  # "en" / "zh": the template's language
    template: str  # "<type>/<split>/<language>/<index>": which template it came from


def read_examples(path: Path) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                source = row.get("template") or f"written/{row['source']}"
                examples.append(Example(row["text"], row["type"], row["language"], source))
    return examples


def training_set() -> tuple[list[str], list[str], list[float]]:
    """Texts, labels and sample weights the shipped model trains on."""
    templates, written = read_examples(TRAIN_PATH)[::TEMPLATE_STRIDE], read_examples(WRITTEN_TRAIN_PATH)
    texts = [e.text for e in templates] + [e.text for e in written]
    labels = [e.type for e in templates] + [e.type for e in written]
    return texts, labels, [TEMPLATE_WEIGHT] * len(templates) + [1.0] * len(written)


def corpus_digest(*paths: Path) -> str:
    """Hash of what the shipped model is trained from (both training files and the template weight)."""
    digest = hashlib.sha256(f"{TEMPLATE_WEIGHT}|{TEMPLATE_STRIDE}".encode())
    for path in paths or (TRAIN_PATH, WRITTEN_TRAIN_PATH):
        digest.update(path.read_bytes())
    return digest.hexdigest()
