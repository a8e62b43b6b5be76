"""The JSON-lines filters' shared input rule (`inbox scan`, `inbox classify`, `inbox route --dry-run`): one JSON
object per line with a string "text"; anything else is a BadLine whose message says what was expected."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TextIO


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


# One encoder for every line: json.dumps with any non-default option builds a new JSONEncoder per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode

BAD_LINES_EXIT = 2  # some input lines were unusable (each got an {"error": "line N: ..."} answer)


def run_filter(stdin: TextIO, stdout: TextIO, answer: Callable[[str], dict[str, Any]],
               stderr: TextIO | None = None) -> int:
    """The filters' shared loop: one output line per input line, in order. A bad line (not UTF-8, not the JSON
    expected, anything `answer` raises BadLine for) is answered with {"error": "line N: why"}, the rest still run,
    and the exit code is BAD_LINES_EXIT at the end (0 when every line was good)."""
    failures = total = 0
    for chunk in _raw_chunks(stdin):
        answers = []
        for raw_line in chunk:
            total += 1
            try:
                out = answer(_decoded(raw_line))
            except BadLine as error:
                failures += 1
                out = {"error": f"line {total}: {error}"}
            answers.append(_ENCODE(out) + "\n")
        # Before the next read can block, every answer so far is out: a caller may wait for each answer before it
        # sends the next line. One write and flush per chunk read, not per line: with PYTHONUNBUFFERED (or a
        # write-through stream) every write is a system call.
        stdout.write("".join(answers))
        stdout.flush()
    if failures:
        print(f"{failures} of {total} input line{'s' if total != 1 else ''} could not be used "
              '(see the "error" lines)', file=stderr or sys.stderr)
        return BAD_LINES_EXIT
    return 0


def _raw_chunks(stdin: TextIO) -> Iterator[list[bytes | str]]:
    """The input's lines, grouped by what one read returned. Bytes when the stream has a binary buffer, so one
    undecodable line can't end the run; `read1` returns what is buffered, or does at most one blocking read."""
    buffer: BinaryIO | None = getattr(stdin, "buffer", None)
    read1 = getattr(buffer, "read1", None)
    if read1 is None:
        yield from ([line] for line in (buffer if buffer is not None else stdin))
        return
    rest = b""
    while chunk := read1(1 << 16):
        *lines, rest = (rest + chunk).split(b"\n")
        if lines:
            yield [line + b"\n" for line in lines]
    if rest:
        yield [rest]


def _decoded(raw_line: bytes | str) -> str:
    if isinstance(raw_line, bytes):
        try:
            raw_line = raw_line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadLine(f"not valid UTF-8 (byte {error.start})") from None
    return raw_line.removesuffix("\n").removesuffix("\r")
