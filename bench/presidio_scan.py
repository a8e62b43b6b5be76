"""Presidio as a filter shaped like `inbox scan` (JSON lines `{"text": ...}` in, `{"findings": [...]}` out), so
`bench.sensitive_vs_presidio --whole-process` can time both as whole processes on the same input file."""
from __future__ import annotations

import json
import sys

from bench.sensitive_vs_presidio import presidio_detector


def main() -> int:
    detector, description = presidio_detector()
    if detector is None:
        print(description, file=sys.stderr)
        return 1
    out = sys.stdout
    for line in sys.stdin:
        findings = detector(json.loads(line)["text"])
        out.write(json.dumps({"findings": [{"kind": f.kind, "start": f.start, "end": f.end, "tier": f.tier}
                                           for f in findings]}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
