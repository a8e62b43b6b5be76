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
from datetime import UTC, datetime, timedelta
from email.headerregistry import HeaderRegistry
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


class _CachedHeaderRegistry(HeaderRegistry):
    """The stdlib registry builds a new header class with type() on every header access; cache them."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


# the modern (EmailPolicy) parsing rules, with header classes cached
POLICY = email.policy.default.clone(header_factory=_CachedHeaderRegistry())


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
    msg = email.message_from_bytes(raw, policy=POLICY)
    headers = _RawHeaders(msg)

    from_value = headers.get("From") or headers.get("Sender") or headers.get("Reply-To")
    display_name, address = _first_address(from_value)
    if not address:
        raise MailRejected(f"no sender address (From: {from_value[:80]!r})")

    subject = strip_controls(headers.get("Subject"))[:998]
    provider_id = message_id_or_synthetic(headers.get("Message-ID"), raw)
    keys = thread_keys(provider_id, headers.get("References"), headers.get("In-Reply-To"))
    content_type = _Part.of(msg).content_type
    flags = set(noise_flags(headers.get, content_type, address, subject))
    if is_own_message_id(provider_id):
        flags.add("own")

    body = _extract_body(msg, content_type)
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


_ADDRESS = re.compile(r"[^@\s<>\x00-\x1f\x7f\\\"(),:;\[\]]+@[^@\s<>\x00-\x1f\x7f\\\"(),:;\[\]]+")


def _first_address(value: str) -> tuple[str, str]:
    if not value:
        return "", ""
    try:
        pairs = email.utils.getaddresses([value])
    except (ValueError, IndexError, TypeError):
        pairs = []
    for name, address in pairs:
        address = address.strip().strip("<>").lower()
        if _ADDRESS.fullmatch(address):
            return strip_controls(name.strip())[:200], address
    # getaddresses() gives up on some malformed lists that mail clients still show, e.g. two bare addresses with
    # no comma ("tim@example.com concierge@example.com"); the modern header parser (what Python's email package
    # shows as msg["From"]) recovers the first address, so use its reading rather than reject the mail.
    try:
        addresses = POLICY.header_factory("from", value).addresses
    except Exception:  # noqa: BLE001 - the header parser raises assorted errors on hostile input
        addresses = ()
    for parsed in addresses:
        address = (parsed.addr_spec or "").strip().lower()
        if _ADDRESS.fullmatch(address):
            return strip_controls(parsed.display_name.strip())[:200], address
    return "", ""


def _sent_at(date_value: str, received_at: datetime | None) -> datetime:
    fallback = received_at or utcnow()
    if fallback.tzinfo is None:
        fallback = fallback.replace(tzinfo=UTC)
    try:
        parsed = email.utils.parsedate_to_datetime(date_value) if date_value else None
    except (ValueError, TypeError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        return fallback
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    # a Date in the future (broken clock, spam) would sort the conversation wrongly
    if parsed > fallback + timedelta(days=1):
        return fallback
    return parsed


def _raw_copy(raw: bytes) -> str:
    if len(raw) > MAX_RAW_COPY:
        head, sep, _ = raw.partition(b"\r\n\r\n")
        if not sep:
            head, _, _ = raw.partition(b"\n\n")
        raw = head[:MAX_RAW_COPY]
    return strip_controls(raw.decode("utf-8", errors="replace"))


# ---- body and attachments ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Part:
    """One leaf part with its headers parsed once (the modern policy re-parses a header on every access)."""

    message: Message
    content_type: str
    charset: str | None
    filename: str | None
    disposition: str

    @classmethod
    def of(cls, part: Message) -> _Part:
        header = None
        try:
            header = part.get("content-type")
            content_type = header.content_type if header is not None else part.get_default_type()
            charset = header.params.get("charset") if header is not None else None
        except Exception:  # noqa: BLE001 - malformed Content-Type: RFC 2045 says treat as text/plain
            content_type, charset = "text/plain", None
        try:
            disposition_header = part.get("content-disposition")
            disposition = (disposition_header.content_disposition or "") if disposition_header else ""
            raw_name = disposition_header.params.get("filename") if disposition_header else None
            if not raw_name and header is not None:
                raw_name = header.params.get("name")
        except Exception:  # noqa: BLE001 - malformed disposition or RFC 2231 parameters
            disposition, raw_name = "", None
        return cls(part, content_type, charset, _clean_filename(raw_name), disposition.lower())

    @property
    def is_attachment(self) -> bool:
        return self.disposition == "attachment" or (self.filename is not None and self.disposition != "inline")


def _clean_filename(name: object) -> str | None:
    if not name:
        return None
    text = strip_controls(decode_header_value(str(name))).replace("/", "_").replace("\\", "_")
    return text[:255] or None


def _leaves(part: Message, out: list[_Part]) -> None:
    """Leaf parts in order; a message/rfc822 part is a leaf (kept whole as an .eml attachment)."""
    if len(out) >= MAX_PARTS:
        return
    info = _Part.of(part)
    if part.is_multipart() and info.content_type != "message/rfc822":
        for child in part.get_payload():
            if isinstance(child, Message):
                _leaves(child, out)
        return
    out.append(info)


def _repaired(msg: Message, content_type: str) -> Message:
    """A multipart whose declared boundary never occurs: re-parse with the boundary the body actually uses."""
    if not content_type.startswith("multipart/") or msg.is_multipart():
        return msg
    payload = msg.get_payload(decode=True) or b""
    match = re.search(rb"^--([^\s-][^\r\n]{0,68}?)\s*$", payload, re.MULTILINE)
    if not match:
        return msg
    fixed = b'Content-Type: multipart/mixed; boundary="' + match.group(1) + b'"\r\n\r\n' + payload
    reparsed = email.message_from_bytes(fixed, policy=POLICY)
    return reparsed if reparsed.is_multipart() else msg


def _part_bytes(part: _Part) -> bytes:
    message = part.message
    if part.content_type == "message/rfc822":
        inner = message.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        try:
            return inner.as_bytes() if isinstance(inner, Message) else str(inner).encode()
        except Exception:  # noqa: BLE001 - a malformed inner message: keep what the generator can't redo
            return str(inner).encode("utf-8", errors="replace")
    try:
        data = message.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding
        data = None
    if data is None:
        payload = message.get_payload()
        data = payload.encode("utf-8", errors="surrogateescape") if isinstance(payload, str) else b""
    return data


def _extract_body(msg: Message, content_type: str) -> _Body:
    leaves: list[_Part] = []
    _leaves(_repaired(msg, content_type), leaves)
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for index, part in enumerate(leaves):
        if part.content_type == "text/plain" and not part.is_attachment:
            texts.append(decode_bytes(_part_bytes(part), part.charset))
        elif part.content_type == "text/html" and not part.is_attachment:
            # Apple Mail splits the HTML around inline images (html, image, html): the parts are one body, shown
            # together, and read together by the guard (half a phrase in each part is still a phrase).
            htmls.append(decode_bytes(_part_bytes(part), part.charset))
        elif part.content_type.startswith("multipart/"):
            # an unrepairable multipart: show its raw text rather than nothing
            texts.append(decode_bytes(_part_bytes(part), part.charset))
        else:
            data = _part_bytes(part)
            name = part.filename or _default_name(part, index)
            attachments.append(Attachment(name=name, content_type=part.content_type, size=len(data), content=data))
    text = "\n\n".join(t.strip("\r\n") for t in texts if t.strip())
    html = "\n".join(htmls)
    safe_html = sanitize_html(html) if html else None
    if not text and safe_html:
        text = html_to_text(safe_html)
    text = strip_controls(text.replace("\r\n", "\n"))
    if len(text) > MAX_TEXT_CHARS:
        full = text.encode("utf-8")
        attachments.append(Attachment("full-body.txt", "text/plain", len(full), content=full))
        text = text[:MAX_TEXT_CHARS] + "\n[... message truncated; the full text is attached as full-body.txt]"
    return _Body(text=text, html=safe_html, attachments=tuple(attachments))


def _default_name(part: _Part, index: int) -> str:
    if part.content_type == "message/rfc822":
        inner = part.message.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        subject = decode_header_value(str(inner.get("Subject", ""))) if isinstance(inner, Message) else ""
        stem = re.sub(r"[^\w\- ]+", "", subject)[:60].strip() or "forwarded-message"
        return f"{stem}.eml"
    extension = {"text/calendar": "ics", "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    return f"part-{index + 1}.{extension.get(part.content_type, 'bin')}"
