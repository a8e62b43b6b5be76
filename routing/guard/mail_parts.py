"""The parts of a mail the guard reads besides its plain text: the HTML part's text and the subject.

A secret can sit where a scan of the plain part never looks: in the HTML part with markup between the words (an
innocent plain part beside it), or starting in the subject and running on in the body. These helpers give the guard
a text view of each part and map what it finds back to the field it came from.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from connectors.email.charsets import decode_bytes
from connectors.email.html_text import html_to_text
from inbox.domain import Attachment
from inbox.pipeline.stages import Finding

# Blank lines between block elements (<div>word</div><div>word</div>: one word a line in the mail program) would
# split a phrase for the detector; the customer saw one word a line.
_BLANK_RUNS = re.compile(r"[ \t]*\n\s*")


def html_view(html: str) -> str:
    """What the customer's mail program showed of an HTML part, as text: tags stripped, entities decoded."""
    return _BLANK_RUNS.sub("\n", html_to_text(html)).strip()


def subject_spans(
    subject: str, text: str, detect: Callable[[str], Sequence[Finding]], masks: Callable[[Finding], bool],
) -> tuple[list[Finding], list[Finding]]:
    """Secrets that touch the subject, read as the line before the body (a phrase may start in the subject and go
    on in the text): (spans in the subject, the parts of those spans that run on into the text)."""
    joined = subject + "\n" + text
    offset = len(subject) + 1
    in_subject: list[Finding] = []
    in_text: list[Finding] = []
    for f in detect(joined):
        if f.start >= len(subject) or not masks(f):
            continue
        in_subject.append(Finding(f.kind, f.start, min(f.end, len(subject)), f.tier))
        if f.end > offset:
            in_text.append(Finding(f.kind, 0, f.end - offset, f.tier))
    return in_subject, in_text


def merged(findings: list[Finding], extra: list[Finding]) -> list[Finding]:
    """`findings` plus `extra`; a span of `extra` that overlaps others is joined with them into one span of its kind
    (the union stays masked: never expose part of a secret because two reads cut it differently)."""
    out = list(findings)
    for f in extra:
        overlapping = [g for g in out if not (f.end <= g.start or f.start >= g.end)]
        if overlapping:
            out = [g for g in out if g not in overlapping]
            f = Finding(f.kind, min(f.start, *(g.start for g in overlapping)),
                        max(f.end, *(g.end for g in overlapping)), f.tier)
        out.append(f)
    return sorted(out, key=lambda f: f.start)


# Attachments the guard reads as text; anything else (images, PDFs, archives) is out of its reach for now.
_TEXT_TYPES = {"text/plain", "text/html", "text/csv", "text/markdown", "application/json"}


def attachment_findings(
    attachment: Attachment, detect: Callable[[str], Sequence[Finding]], max_chars: int,
) -> list[Finding]:
    """What the detector finds in a text attachment's content (a too-large one is not read: its size alone says
    nothing, and reading megabytes per message would stall the pipeline)."""
    if attachment.content is None or attachment.content_type not in _TEXT_TYPES or len(attachment.content) > max_chars:
        return []
    text = decode_bytes(attachment.content)  # the part's declared charset is not kept: best guess, GBK included
    return list(detect(html_view(text) if attachment.content_type == "text/html" else text))
