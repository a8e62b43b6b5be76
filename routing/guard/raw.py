"""Masking the raw provider payload kept next to a message (JSON from Telegram/X/chat, MIME from email).

Secrets must not survive in the raw copy either. JSON is parsed and each string masked, then re-rendered (escapes
such as "\\u52a9" or "\\n" inside a phrase would hide it from a plain text scan). MIME with base64 or
quoted-printable parts (or encoded-word headers) can carry the secret in a form no pattern sees, so when the message
had a secret such a payload is dropped rather than kept.
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
) -> RawOutcome:
    """`secret_values`: (kind, value) pairs masked in the message text, replaced literally here as well.
    `known`: strings already scanned (the message text -> its masked form), reused when the payload repeats them."""
    if raw is None:
        return RawOutcome(None, None)
    if len(raw) > max_chars:
        if secret_values:
            return RawOutcome(None, "raw payload dropped: too large to scan and the message had a secret")
        return RawOutcome(raw, None)
    masked, found_here = _mask_json(raw, secret_values, detector, should_mask, known or {})
    if masked is None:
        masked, found_here = _mask_text(raw, secret_values, detector, should_mask)
        if (secret_values or found_here) and _ENCODED_MIME.search(raw):
            return RawOutcome(None, "raw payload dropped: encoded parts could hold the secret")
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
