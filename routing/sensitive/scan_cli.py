"""`inbox scan`: the detector as a streaming filter (design.md).

JSON mode: one `{"text": ...}` object per line in, one `{"findings": [...]}` line out, same order. `--plain`: each
input line is a text. A bad line yields `{"error": "line N: ..."}` for that line and scanning goes on; the exit
code is 0 when every line was good and 2 when some were not (routing.jsonlines.run_filter, as classify and route).
"""
from __future__ import annotations

from typing import TextIO

from inbox.pipeline.stages import Finding
from routing.jsonlines import parse_object, run_filter, text_of
from routing.sensitive import detect


def run(stdin: TextIO, stdout: TextIO, *, plain: bool = False) -> int:
    def answer(line: str) -> dict[str, object]:
        text = line if plain else text_of(parse_object(line))
        return {"findings": [_finding_json(item) for item in detect(text)]}

    return run_filter(stdin, stdout, answer)


def _finding_json(finding: Finding) -> dict[str, str | int]:
    return {"kind": finding.kind, "start": finding.start, "end": finding.end, "tier": finding.tier}
