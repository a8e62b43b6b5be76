"""The parts of a mail the guard reads besides its plain text: the HTML part's text and the subject.

A secret can sit where a scan of the plain part never looks: in the HTML part with markup between the words (an
innocent plain part beside it), or starting in the subject and running on in the body. These helpers give the guard
a text view of each part and map what it finds back to the field it came from.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import unescape

from connectors.email.charsets import decode_bytes
from inbox.domain import Attachment
from inbox.pipeline.stages import Finding

# Tags that start a new line where a mail program shows them; every other tag joins its neighbours
# ("aban<b>don</b>" reads "abandon", as on screen).
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|tr|td|th|dt|dd|h[1-6]|blockquote|pre|hr|table|ul|ol|section|article|header|footer)"
    r"\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
# Blank lines between block elements (<div>word</div><div>word</div>: one word a line in the mail program) would
# split a phrase for the detector; the customer saw one word a line.
_BLANK_RUNS = re.compile(r"[ \t\xa0]*\n\s*")
_SPACES = re.compile(r"[ \t\xa0]+")


def html_view(html: str) -> str:
    """What the customer's mail program showed of an HTML part, as text: tags stripped, entities decoded.

    A regular-expression pass rather than the connector's html_to_text: the HTML here is already sanitized (no
    script, style or comments left), and this runs on every HTML mail, at a fifth of the parser's cost."""
    text = unescape(_ANY_TAG.sub("", _BLOCK_TAG.sub("\n", html)))
    return _BLANK_RUNS.sub("\n", _SPACES.sub(" ", text)).strip()


def read_with_subject(
    subject: str, text: str, detect: Callable[[str], Sequence[Finding]], masks: Callable[[Finding], bool],
) -> tuple[list[Finding], list[Finding]]:
    """One read of the subject as the line before the body (a phrase may start in the subject and go on in the
    text; "my password" in the subject makes the body's "hunter22x" one): (findings in the text, every kind;
    the masked findings in the subject). A span across the line break is cut in two, one part in each field."""
    offset = len(subject) + 1
    in_text: list[Finding] = []
    in_subject: list[Finding] = []
    for f in detect(subject + "\n" + text):
        if f.end > offset:
            in_text.append(Finding(f.kind, max(f.start, offset) - offset, f.end - offset, f.tier))
        if f.start < len(subject) and masks(f):
            in_subject.append(Finding(f.kind, f.start, min(f.end, len(subject)), f.tier))
    return in_text, in_subject


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
