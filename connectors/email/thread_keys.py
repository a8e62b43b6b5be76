"""Thread keys from Message-ID / In-Reply-To / References (the id-linking part of JWZ's algorithm) and ticket
numbers from subjects. The pipeline does the linking; this only names the keys."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# provider ids of mails that had no Message-ID: stable across re-fetches because they hash the raw bytes
SYNTHETIC_PREFIX = "synthetic:"

# JWZ keeps every reference; we keep the root and the nearest ancestors, which are the ones that can still name a
# conversation (a 500-id References header from a runaway list would otherwise cost 500 lookups per message).
MAX_ANCESTOR_HINTS = 30

_MSG_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_TICKET = re.compile(r"\[\s*(?:ticket\s*)?#\s*(\d{4,9})\s*\]", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|回复|回覆|答复|转发|轉寄)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ThreadKeys:
    thread_key: str  # the thread's root id as far as this message knows it
    hints: tuple[str, ...]  # References oldest first, then In-Reply-To; never contains the message's own id
    reply_to: str | None  # the direct parent


def parse_msg_ids(value: str | None) -> list[str]:
    """All message ids in a header value, without angle brackets, in order, de-duplicated."""
    if not value:
        return []
    ids = _MSG_ID.findall(value)
    if not ids:
        # some clients omit the brackets: accept bare tokens that look like ids
        ids = [token for token in value.split() if "@" in token and len(token) < 250]
    seen: set[str] = set()
    out: list[str] = []
    for msg_id in ids:
        if msg_id not in seen and len(msg_id) < 250:
            seen.add(msg_id)
            out.append(msg_id)
    return out


def message_id_or_synthetic(header_value: str | None, raw: bytes) -> str:
    ids = parse_msg_ids(header_value)
    if ids:
        return ids[0]
    return SYNTHETIC_PREFIX + hashlib.sha256(raw).hexdigest()[:40]


def is_real_message_id(provider_id: str) -> bool:
    return not provider_id.startswith(SYNTHETIC_PREFIX)


def thread_keys(message_id: str, references: str | None, in_reply_to: str | None) -> ThreadKeys:
    refs = [r for r in parse_msg_ids(references) if r != message_id]
    parents = [p for p in parse_msg_ids(in_reply_to) if p != message_id]
    parent = parents[0] if parents else None
    if len(refs) > MAX_ANCESTOR_HINTS + 1:
        refs = [refs[0], *refs[-MAX_ANCESTOR_HINTS:]]
    hints = list(refs)
    if parent and parent not in hints:
        hints.append(parent)
    root = refs[0] if refs else (parent or message_id)
    return ThreadKeys(thread_key=root, hints=tuple(hints), reply_to=parent or (refs[-1] if refs else None))


def ticket_from_subject(subject: str | None) -> int | None:
    """The ticket number a subject quotes, like 'Re: Withdrawal pending [#10234]' -> 10234."""
    if not subject:
        return None
    match = _TICKET.search(subject)
    return int(match.group(1)) if match else None


def base_subject(subject: str | None) -> str:
    """Subject without reply/forward prefixes and ticket tags, case-folded: for the pipeline's subject fallback."""
    text = _TICKET.sub("", subject or "")
    text = _REPLY_PREFIX.sub("", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def reply_subject(subject: str | None, ticket: str) -> str:
    """'Re: <subject> [#10234]' without doubling the prefix or the tag."""
    text = _TICKET.sub("", subject or "").strip()
    text = re.sub(r"\s+", " ", _REPLY_PREFIX.sub("", text)).strip() or "Your request"
    tag = f"[{ticket}]" if ticket.startswith("#") else f"[#{ticket}]"
    return f"Re: {text} {tag}"
