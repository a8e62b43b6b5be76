"""The JSON-lines filters' shared input rule (`inbox scan`, `inbox classify`, `inbox route --dry-run`): one JSON
object per line with a string "text"; anything else is a BadLine whose message says what was expected."""
from __future__ import annotations

import json
from typing import Any


class BadLine(ValueError):
    """This input line is unusable; the filter answers it with {"error": message} and goes on."""


def parse_object(line: str) -> dict[str, Any]:
    if not line.strip():
        raise BadLine('empty line: expected a JSON object like {"text": "..."}')
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadLine(f"not JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(value, dict):
        raise BadLine(f'expected a JSON object like {{"text": "..."}}, got {type(value).__name__}')
    return value


def text_of(row: dict[str, Any]) -> str:
    text = row.get("text")
    if not isinstance(text, str):
        raise BadLine('"text" is missing or not a string')
    return text
