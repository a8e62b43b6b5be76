"""Building mails and connector configs for the email tests."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from connectors.email import EmailConfig, EmailConnector, SmtpSettings
from inbox.domain import utcnow
from tests.connectors.email.conftest import SMTP_PASSWORD, SMTP_USER, SmtpPeer
from tests.connectors.email.dovecot import Dovecot
from tests.connectors.memory_host import MemoryHost
from tests.connectors.lifecycle import running  # noqa: F401 - the helper these tests import from here

SUPPORT_ADDRESS = "support@wallet.example"


def email_config(
    dovecot: Dovecot, smtp_peer: SmtpPeer | None = None, *, password: str | None = None, **overrides: object
) -> EmailConfig:
    imap = {
        "host": dovecot.host,
        "port": dovecot.port,
        "username": dovecot.user,
        "password": password or dovecot.password,
        "security": "none",
        "timeout": 10,
        **overrides.pop("imap", {}),  # type: ignore[dict-item]
    }
    smtp_block = {
        "host": smtp_peer.host if smtp_peer else "127.0.0.1",
        "port": smtp_peer.port if smtp_peer else 1,
        "username": SMTP_USER,
        "password": SMTP_PASSWORD,
        "security": "none",
        "from_address": f"Wallet Support <{SUPPORT_ADDRESS}>",
        "timeout": 10,
        **overrides.pop("smtp", {}),  # type: ignore[dict-item]
    }
    return EmailConfig.model_validate({"type": "email", "imap": imap, "smtp": smtp_block, **overrides})


def smtp_settings(smtp_peer: SmtpPeer, **overrides: object) -> SmtpSettings:
    return SmtpSettings.model_validate({
        "host": smtp_peer.host,
        "port": smtp_peer.port,
        "username": SMTP_USER,
        "password": SMTP_PASSWORD,
        "security": "none",
        "from_address": f"Wallet Support <{SUPPORT_ADDRESS}>",
        "timeout": 10,
        **overrides,
    })


def connector(dovecot: Dovecot, host: MemoryHost, smtp: SmtpPeer | None = None, **overrides: object) -> EmailConnector:
    return EmailConnector("support-mail", email_config(dovecot, smtp, **overrides), host)


def make_mail(
    text: str,
    *,
    subject: str = "Help with my wallet",
    sender: str = "Alice Chen <alice@customer.example>",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = SUPPORT_ADDRESS
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(domain="customer.example")
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        mail["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    return mail.as_bytes()


class RecordingHost(MemoryHost):
    """A MemoryHost that also remembers every delivery, so a test can tell 'stored once' from 'sent once'."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered: list[str] = []
        self.checkpoints: list[dict[str, str]] = []

    async def deliver(self, messages, checkpoint=None):
        self.delivered += [m.provider_id for m in messages]
        if checkpoint is not None:
            self.checkpoints.append(dict(checkpoint))
        return await super().deliver(messages, checkpoint)


