"""Masking the raw provider payload kept next to a message (JSON from Telegram/X/chat, MIME from email).

Secrets must not survive in the raw copy either. JSON is parsed and each string masked, then re-rendered (escapes
such as "\\u52a9" or "\\n" inside a phrase would hide it from a plain text scan). MIME with base64 or
quoted-printable parts (or encoded-word headers) can carry the secret in a form no pattern sees, so when the message
had a secret such a payload is dropped rather than kept. Plain MIME of a message with a secret keeps its header block
only: markup between the words of an HTML part, or a folded Subject line, hides a phrase from the patterns just as
well, so the body goes and the Subject is the masked one the message row holds.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from inbox.pipeline.stages import Finding
from routing.sensitive import SensitiveDetector, redact_where
from routing.sensitive.redact import mask_label

_ENCODED_MIME = re.compile(
    r"content-transfer-encoding:\s*(?:base64|quoted-printable)|=\?[^?\s]+\?[bq]\?", re.IGNORECASE
)
_JSON_VALUE = (dict, list, str, int, float, bool, type(None))


@dataclass(frozen=True, slots=True)
class RawOutcome:
    raw: str | None
    note: str | None  # for the audit log: what was done, never the value


def mask_raw(
    raw: str | None,
    secret_values: list[tuple[str, str]],
    detector: SensitiveDetector,
    should_mask: Callable[[Finding], bool],
    max_chars: int,
    known: dict[str, str] | None = None,
    had_secret: bool = False,
    subject: str | None = None,
) -> RawOutcome:
    """`secret_values`: (kind, value) pairs masked in the message text, replaced literally here as well.
    `known`: strings already scanned (the message text -> its masked form), reused when the payload repeats them.
    `had_secret`: the guard found a secret in some part of the message (text, subject, HTML), maybe none of it in
    `secret_values`; `subject`: the subject as stored (masked), put in place of a MIME copy's Subject."""
    if raw is None:
        return RawOutcome(None, None)
    if len(raw) > max_chars:
        if secret_values or had_secret:
            return RawOutcome(None, "raw payload dropped: too large to scan and the message had a secret")
        return RawOutcome(raw, None)
    masked, found_here = _mask_json(raw, secret_values, detector, should_mask, known or {})
    if masked is None:
        masked, found_here = _mask_text(raw, secret_values, detector, should_mask)
        if secret_values or found_here or had_secret:
            if _ENCODED_MIME.search(raw):
                return RawOutcome(None, "raw payload dropped: encoded parts could hold the secret")
            masked, _ = _mask_text(_header_block(raw, subject), secret_values, detector, should_mask)
            return RawOutcome(masked, "raw payload cut to its masked header block: the message had a secret")
    if masked != raw:
        return RawOutcome(masked, "raw payload masked")
    return RawOutcome(raw, None)


def _mask_text(
    text: str,
    secret_values: list[tuple[str, str]],
    detector: SensitiveDetector,
    should_mask: Callable[[Finding], bool],
) -> tuple[str, bool]:
    findings = detector.detect(text)
    masked, _ = redact_where(text, findings, should_mask)
    found = any(should_mask(finding) for finding in findings)
    for kind, value in secret_values:
        for form in {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}:
            if form and form in masked:
                masked = masked.replace(form, mask_label(kind))
                found = True
    return masked, found


_FOLD = re.compile(r"\r?\n[ \t]+")
_BODY_REMOVED = "[body removed: the message held a secret]"


def _header_block(raw: str, subject: str | None) -> str:
    """The MIME copy's headers, unfolded (a fold inside a phrase would split it for the patterns), with the stored
    masked subject in place of the Subject header; the body replaced by a note."""
    head = re.split(r"\r?\n\r?\n", raw, maxsplit=1)[0]
    lines = []
    for line in _FOLD.sub(" ", head).splitlines():
        if line.split(":", 1)[0].strip().lower() == "subject":
            if subject is None:
                continue  # no stored subject to stand in: leave the header out
            line = f"Subject: {subject}"
        lines.append(line)
    return "\r\n".join(lines) + "\r\n\r\n" + _BODY_REMOVED + "\r\n"


# A string shorter than this cannot hold a secret together with the words that make it one ("pin 1234").
_SHORTEST_INTERESTING = 8


def _mask_json(
    raw: str,
    secret_values: list[tuple[str, str]],
    detector: SensitiveDetector,
    should_mask: Callable[[Finding], bool],
    known: dict[str, str],
) -> tuple[str | None, bool]:
    if raw.lstrip()[:1] not in ("{", "["):
        return None, False
    try:
        document = json.loads(raw)
    except ValueError:
        return None, False
    if not secret_values:
        # One scan over an unescaped rendering decides whether the string-by-string walk is needed at all.
        view = json.dumps(document, ensure_ascii=False)
        view = view.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"')
        if not any(should_mask(finding) for finding in detector.detect(view)):
            return raw, False
    found = False

    def walk(value: object) -> object:
        nonlocal found
        if isinstance(value, str):
            if value in known:
                masked = known[value]
                found = found or masked != value
                return masked
            if len(value) < _SHORTEST_INTERESTING and not secret_values:
                return value
            masked, hit = _mask_text(value, secret_values, detector, should_mask)
            found = found or hit
            return masked
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        return value

    masked_document = walk(document)
    if not found:
        return raw, False  # nothing to hide: keep the provider's exact bytes
    return json.dumps(masked_document, ensure_ascii=False), True
