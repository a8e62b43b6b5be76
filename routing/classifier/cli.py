"""`inbox classify`: JSON lines {"text": ...} in, {"type", "confidence", "reasons"} out, one per line, same order.

A line that isn't a JSON object with a string "text" gets {"error": ...} in its place, so output lines always match
input lines. An "id" field, when given, is copied to the output.
"""
from __future__ import annotations

import json
from typing import TextIO

from routing.classifier.classifier import default_classifier
from routing.jsonlines import BadLine, parse_object, text_of


def _text_of(line: str) -> tuple[str, object]:
    row = parse_object(line)
    return text_of(row), row.get("id")


def run(stdin: TextIO, stdout: TextIO) -> int:
    classifier = default_classifier()
    for number, line in enumerate(stdin, start=1):
        try:
            text, row_id = _text_of(line)
        except BadLine as error:
            out: dict[str, object] = {"error": f"line {number}: {error}"}
        else:
            result = classifier.classify(text)
            out = {"type": result.type, "confidence": result.confidence, "reasons": list(result.reasons)}
            if row_id is not None:
                out = {"id": row_id, **out}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()  # a caller may be waiting for each answer before it sends the next line
    return 0


def main() -> int:
    import sys

    return run(sys.stdin, sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
