"""One raw RFC 5322 mail -> one InboundMessage. Pure and synchronous: the connector calls it in a worker thread.

Anything the parser can make readable is ingested; only mail with nothing to attribute it to (no sender address)
or absurd size is rejected, with a reason the caller logs.
"""
from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import Message

from connectors.email.charsets import decode_bytes, decode_header_value, strip_controls
from connectors.email.html_text import html_to_text, sanitize_html
from connectors.email.noise import is_own_message_id, noise_flags
from connectors.email.thread_keys import message_id_or_synthetic, thread_keys, ticket_from_subject
from inbox.domain import Attachment, Channel, ContactIdentity, IdentityKind, InboundMessage, Visibility, utcnow

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000  # longer bodies are cut for the message row; the full body stays as an attachment
MAX_RAW_COPY = 256 * 1024  # raw copy kept on the message: whole mail up to this size, else the header block only
MAX_PARTS = 500  # a mail with more MIME parts than this is a bomb; the rest are ignored


class MailRejected(ValueError):
    """This mail cannot be ingested; `str(error)` is the reason to log."""


@dataclass(frozen=True, slots=True)
class _Body:
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]


def parse_mail(raw: bytes, connector: str, received_at: datetime | None = None) -> InboundMessage:
    """Parse one mail. `received_at` (IMAP INTERNALDATE) stands in for a missing or absurd Date header.

    Our own sent mail comes back with the flag "own"; callers drop it. Raises MailRejected.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MailRejected(f"mail of {len(raw)} bytes exceeds the {MAX_MESSAGE_BYTES} byte limit")
    if not raw.strip():
        raise MailRejected("empty mail (no headers, no body)")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers = _RawHeaders(msg)

    from_value = headers.get("From") or headers.get("Sender") or headers.get("Reply-To")
    display_name, address = _first_address(from_value)
    if not address:
        raise MailRejected(f"no sender address (From: {from_value[:80]!r})")

    subject = strip_controls(headers.get("Subject"))[:998]
    provider_id = message_id_or_synthetic(headers.get("Message-ID"), raw)
    keys = thread_keys(provider_id, headers.get("References"), headers.get("In-Reply-To"))
    content_type = _content_type(msg)
    flags = set(noise_flags(headers.get, content_type, address, subject))
    if is_own_message_id(provider_id):
        flags.add("own")

    body = _extract_body(msg)
    return InboundMessage(
        connector=connector,
        channel=Channel.EMAIL,
        provider_id=provider_id,
        thread_key=keys.thread_key,
        visibility=Visibility.PRIVATE,
        sender=ContactIdentity(IdentityKind.EMAIL, address, display_name=display_name or None),
        text=body.text,
        sent_at=_sent_at(headers.get("Date"), received_at),
        subject=subject or None,
        html=body.html,
        attachments=body.attachments,
        reply_to_provider_id=keys.reply_to,
        thread_hints=keys.hints,
        ticket_hint=ticket_from_subject(subject),
        flags=frozenset(flags),
        raw=_raw_copy(raw),
    )


class _RawHeaders:
    """Decoded header values read from the raw header list, so a malformed header can't raise on access."""

    def __init__(self, msg: Message) -> None:
        self._values: dict[str, str] = {}
        for name, value in msg.raw_items():
            self._values.setdefault(name.lower(), str(value))

    def get(self, name: str) -> str:
        return decode_header_value(self._values.get(name.lower()))


def _first_address(value: str) -> tuple[str, str]:
    if not value:
        return "", ""
    try:
        pairs = email.utils.getaddresses([value])
    except (ValueError, IndexError, TypeError):
        pairs = []
    for name, address in pairs:
        address = address.strip().strip("<>").lower()
        if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", address):
            return strip_controls(name.strip())[:200], address
    return "", ""


def _sent_at(date_value: str, received_at: datetime | None) -> datetime:
    fallback = received_at or utcnow()
    if fallback.tzinfo is None:
        fallback = fallback.replace(tzinfo=timezone.utc)
    try:
        parsed = email.utils.parsedate_to_datetime(date_value) if date_value else None
    except (ValueError, TypeError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        return fallback
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    # a Date in the future (broken clock, spam) would sort the conversation wrongly
    if parsed > fallback + timedelta(days=1):
        return fallback
    return parsed


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001 - malformed Content-Type header
        return "text/plain"


def _raw_copy(raw: bytes) -> str:
    if len(raw) > MAX_RAW_COPY:
        head, sep, _ = raw.partition(b"\r\n\r\n")
        if not sep:
            head, _, _ = raw.partition(b"\n\n")
        raw = head[:MAX_RAW_COPY]
    return strip_controls(raw.decode("utf-8", errors="replace"))


# ---- body and attachments ---------------------------------------------------------------------------------------

def _leaves(part: Message, out: list[Message]) -> None:
    """Leaf parts in order; a message/rfc822 part is a leaf (kept whole as an .eml attachment)."""
    if len(out) >= MAX_PARTS:
        return
    if part.is_multipart() and _content_type(part) != "message/rfc822":
        for child in part.get_payload():
            if isinstance(child, Message):
                _leaves(child, out)
        return
    out.append(part)


def _repaired(msg: Message) -> Message:
    """A multipart whose declared boundary never occurs: re-parse with the boundary the body actually uses."""
    if not _content_type(msg).startswith("multipart/") or msg.is_multipart():
        return msg
    payload = msg.get_payload(decode=True) or b""
    match = re.search(rb"^--([^\s-][^\r\n]{0,68}?)\s*$", payload, re.MULTILINE)
    if not match:
        return msg
    fixed = b'Content-Type: multipart/mixed; boundary="' + match.group(1) + b'"\r\n\r\n' + payload
    reparsed = email.message_from_bytes(fixed, policy=email.policy.default)
    return reparsed if reparsed.is_multipart() else msg


def _part_bytes(part: Message) -> bytes:
    if _content_type(part) == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        try:
            return inner.as_bytes() if isinstance(inner, Message) else str(inner).encode()
        except Exception:  # noqa: BLE001 - a malformed inner message: keep what the generator can't redo
            return str(inner).encode("utf-8", errors="replace")
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", errors="surrogateescape") if isinstance(payload, str) else b""
    return data


def _part_text(part: Message) -> str:
    charset = None
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        pass
    return decode_bytes(_part_bytes(part), charset)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - malformed RFC 2231 parameters
        name = None
    if name:
        name = decode_header_value(name)
        return strip_controls(name).replace("/", "_").replace("\\", "_")[:255] or None
    return None


def _is_attachment(part: Message) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        disposition = ""
    return disposition == "attachment" or (_filename(part) is not None and disposition != "inline")


def _extract_body(msg: Message) -> _Body:
    leaves: list[Message] = []
    _leaves(_repaired(msg), leaves)
    texts: list[str] = []
    html: str | None = None
    attachments: list[Attachment] = []
    for index, part in enumerate(leaves):
        content_type = _content_type(part)
        if content_type == "text/plain" and not _is_attachment(part):
            texts.append(_part_text(part))
        elif content_type == "text/html" and not _is_attachment(part) and html is None:
            html = _part_text(part)
        elif content_type.startswith("multipart/"):
            texts.append(_part_text(part))  # unrepairable multipart: show its raw text rather than nothing
        else:
            data = _part_bytes(part)
            name = _filename(part) or _default_name(part, content_type, index)
            attachments.append(Attachment(name=name, content_type=content_type, size=len(data), content=data))
    text = "\n\n".join(t.strip("\r\n") for t in texts if t.strip())
    safe_html = sanitize_html(html) if html else None
    if not text and safe_html:
        text = html_to_text(safe_html)
    text = strip_controls(text.replace("\r\n", "\n"))
    if len(text) > MAX_TEXT_CHARS:
        full = text.encode("utf-8")
        attachments.append(Attachment("full-body.txt", "text/plain", len(full), content=full))
        text = text[:MAX_TEXT_CHARS] + "\n[... message truncated; the full text is attached as full-body.txt]"
    return _Body(text=text, html=safe_html, attachments=tuple(attachments))


def _default_name(part: Message, content_type: str, index: int) -> str:
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        subject = decode_header_value(str(inner.get("Subject", ""))) if isinstance(inner, Message) else ""
        stem = re.sub(r"[^\w\- ]+", "", subject)[:60].strip() or "forwarded-message"
        return f"{stem}.eml"
    extension = {"text/calendar": "ics", "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    return f"part-{index + 1}.{extension.get(content_type, 'bin')}"
