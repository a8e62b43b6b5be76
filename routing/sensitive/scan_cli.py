"""`inbox scan`: the detector as a streaming filter (design.md).

JSON mode: one `{"text": ...}` object per line in, one `{"findings": [...]}` line out, same order. `--plain`: each
input line is a text. A bad line yields `{"error": ...}` for that line and scanning goes on; the exit code is 0
when every line was good and 2 when some were not.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from inbox.pipeline.stages import Finding
from routing.jsonlines import BadLine, parse_object, text_of
from routing.sensitive import detect


def run(stdin: TextIO, stdout: TextIO, *, plain: bool = False) -> int:
    failures = 0
    for raw_line in _lines(stdin):
        try:
            text = _text_of(raw_line, plain=plain)
            out = json.dumps({"findings": [_finding_json(item) for item in detect(text)]})
        except BadLine as error:
            failures += 1
            out = json.dumps({"error": str(error)}, ensure_ascii=False)
        stdout.write(out + "\n")
        stdout.flush()  # a caller may wait for each answer before sending the next line
    return 2 if failures else 0


def _lines(stdin: TextIO) -> Iterator[bytes | str]:
    """Lines as bytes when the stream has a binary buffer, so one undecodable line can't end the run."""
    buffer: BinaryIO | None = getattr(stdin, "buffer", None)
    source = buffer if buffer is not None else stdin
    yield from source


def _text_of(raw_line: bytes | str, *, plain: bool) -> str:
    if isinstance(raw_line, bytes):
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadLine(f"line is not valid UTF-8 (byte {error.start})") from None
    else:
        line = raw_line
    line = line.removesuffix("\n").removesuffix("\r")
    if plain:
        return line
    return text_of(parse_object(line))


def _finding_json(finding: Finding) -> dict[str, str | int]:
    return {"kind": finding.kind, "start": finding.start, "end": finding.end, "tier": finding.tier}
