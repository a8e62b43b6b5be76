"""`inbox classify`: JSON lines {"text": ...} in, {"type", "confidence", "reasons", "tags"} out, one per line, same
order. `confidence` is calibrated; `tags` holds the secondary signals (angry, asks_supervisor, urgent) and
"needs_triage" when the confidence is under the calibrated threshold.

A line that isn't a JSON object with a string "text" gets {"error": ...} in its place, so output lines always match
input lines; the exit code is then 2 (routing.jsonlines.run_filter, as scan and route). An "id" field, when given,
is copied to the output.
"""
from __future__ import annotations

from typing import TextIO

from routing.classifier.classifier import default_classifier
from routing.jsonlines import parse_object, run_filter, text_of


def _text_of(line: str) -> tuple[str, object]:
    row = parse_object(line)
    return text_of(row), row.get("id")


def run(stdin: TextIO, stdout: TextIO) -> int:
    classifier = default_classifier()

    def answer(line: str) -> dict[str, object]:
        text, row_id = _text_of(line)
        result = classifier.classify(text)
        out: dict[str, object] = {"type": result.type, "confidence": result.confidence, "reasons": list(result.reasons),
                                  "tags": list(result.tags)}
        return out if row_id is None else {"id": row_id, **out}

    return run_filter(stdin, stdout, answer)


def main() -> int:
    import sys

    return run(sys.stdin, sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
