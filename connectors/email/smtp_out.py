"""Replies out by SMTP (aiosmtplib): headers that make the customer's client thread them, and every failure
sorted into AuthError / TransientError / PermanentError."""
from __future__ import annotations

import hashlib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from connectors.base import AuthError, PermanentError, RecipientUnreachable, TransientError
from connectors.email.config import SmtpSettings
from connectors.email.noise import OWN_ID_PREFIX
from connectors.email.thread_keys import is_real_message_id, reply_subject
from inbox.domain import IdentityKind, OutboundMessage, SendResult, utcnow

# Reply codes that mean "this mailbox does not exist / refuses us" rather than "this mail is wrong".
_UNREACHABLE_CODES = {550, 551, 553}
MAX_REFERENCES = 21  # root + 20 nearest: enough for every client to thread, short enough for every server


def outbound_message_id(connector: str, idempotency_key: str, domain: str) -> str:
    """Our Message-ID (no brackets): derived from the idempotency key, so a retried send carries the same id
    and the customer's client shows it once; the prefix marks it as ours if it ever comes back in."""
    digest = hashlib.sha256(f"{connector}\0{idempotency_key}".encode()).hexdigest()[:32]
    return f"{OWN_ID_PREFIX}{digest}@{domain}"


def build_reply(message: OutboundMessage, settings: SmtpSettings) -> tuple[EmailMessage, str]:
    if message.recipient.kind != IdentityKind.EMAIL or "@" not in message.recipient.value:
        raise PermanentError(f"recipient is not an email address ({message.recipient.kind})")
    message_id = outbound_message_id(message.connector, message.idempotency_key, settings.from_domain)
    mail = EmailMessage()
    mail["From"] = settings.from_address
    mail["To"] = formataddr((message.recipient.display_name or "", message.recipient.value))
    mail["Subject"] = reply_subject(message.subject, message.ticket)
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = f"<{message_id}>"
    parent = message.in_reply_to if message.in_reply_to and is_real_message_id(message.in_reply_to) else None
    references = _references(message.references, parent)
    if parent:
        mail["In-Reply-To"] = f"<{parent}>"
    if references:
        mail["References"] = " ".join(f"<{r}>" for r in references)
    mail["X-Omni-Inbox-Ticket"] = message.ticket
    mail.set_content(message.text, charset="utf-8")
    for attachment in message.attachments:  # multipart/mixed: the text first, then each file
        maintype, _, subtype = (attachment.content_type or "application/octet-stream").partition("/")
        mail.add_attachment(attachment.content or b"", maintype=maintype or "application",
                            subtype=subtype or "octet-stream", filename=attachment.name)
    return mail, message_id


async def send_reply(message: OutboundMessage, settings: SmtpSettings) -> SendResult:
    mail, message_id = build_reply(message, settings)
    return await send_built(mail, message_id, settings)


async def send_built(mail: EmailMessage, message_id: str, settings: SmtpSettings) -> SendResult:
    password = settings.password.get_secret_value() if settings.password else None
    try:
        await aiosmtplib.send(
            mail,
            hostname=settings.host,
            port=settings.effective_port,
            username=settings.username if password is not None else None,
            password=password,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            tls_context=ssl.create_default_context(cafile=settings.ca_file) if settings.security != "none" else None,
            timeout=settings.timeout,
        )
    except aiosmtplib.SMTPAuthenticationError as error:
        raise AuthError(f"SMTP login refused: {error.code} {error.message}") from None
    except aiosmtplib.SMTPRecipientsRefused as error:
        first = error.recipients[0] if error.recipients else None
        code, text = (first.code, first.message) if first else (550, "recipient refused")
        raise _by_code(code, f"SMTP recipient refused: {code} {text}") from None
    except aiosmtplib.SMTPResponseException as error:
        raise _by_code(error.code, f"SMTP error: {error.code} {error.message}") from None
    except aiosmtplib.SMTPNotSupported as error:
        raise PermanentError(f"SMTP server does not support what the config asks: {error}") from None
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
        raise TransientError(f"SMTP connection failed: {type(error).__name__}: {error}") from None
    return SendResult(provider_id=message_id, sent_at=utcnow())


def _references(earlier: tuple[str, ...], parent: str | None) -> list[str]:
    """References oldest first ending with the parent (RFC 5322 3.6.4); synthetic ids are ours, never the
    customer's, so they stay out. Long threads keep the root and the nearest ancestors, as clients do."""
    seen: set[str] = set()
    refs: list[str] = []
    for ref in earlier:
        if ref != parent and ref not in seen and is_real_message_id(ref):
            seen.add(ref)
            refs.append(ref)
    if parent:
        refs.append(parent)
    if len(refs) > MAX_REFERENCES:
        refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
    return refs


def _by_code(code: int, text: str) -> Exception:
    if 400 <= code < 500:
        return TransientError(text)
    if code in _UNREACHABLE_CODES and "recipient" in text.lower():
        return RecipientUnreachable(text)
    return PermanentError(text)
