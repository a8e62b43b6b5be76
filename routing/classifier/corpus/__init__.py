"""The labelled corpus the classifier trains on: templates written by hand, expanded by `generate`.

`train.jsonl` and `heldout.jsonl` are generated from different templates (not just different slot values), so the
held-out split measures how the model does on phrasings it has never seen.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
TRAIN_PATH = CORPUS_DIR / "train.jsonl"
HELDOUT_PATH = CORPUS_DIR / "heldout.jsonl"


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
                examples.append(Example(row["text"], row["type"], row["language"], row["template"]))
    return examples


def corpus_digest(path: Path = TRAIN_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
