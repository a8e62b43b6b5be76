"""Typed config of a `type: email` connector (see /work/shared/design.md)."""
from __future__ import annotations

from email.utils import parseaddr
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from connectors.base import ConnectorConfig

Security = Literal["tls", "starttls", "none"]

_IMAP_DEFAULT_PORT = {"tls": 993, "starttls": 143, "none": 143}
_SMTP_DEFAULT_PORT = {"tls": 465, "starttls": 587, "none": 25}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImapSettings(_Strict):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    username: str
    password: SecretStr
    security: Security = "tls"
    folder: str = "INBOX"
    # Where a copy of each reply is filed (with \Seen), so the mailbox's own clients show the whole exchange.
    # Leave unset for servers that file SMTP-sent mail by themselves (Gmail does; most others don't).
    sent_folder: str | None = None
    ca_file: str | None = None  # PEM bundle to trust instead of the system CAs (private CA, self-signed server)
    idle: bool = True  # use IDLE when the server offers it; False forces polling
    # seconds between leaving and re-entering IDLE: servers can miss a mail that lands as IDLE starts
    idle_recheck: float = Field(default=1.5, gt=0)
    poll_interval: float = Field(default=60.0, gt=0)  # seconds between polls when IDLE is off or missing
    timeout: float = Field(default=30.0, gt=0)  # socket timeout for every IMAP command

    @property
    def effective_port(self) -> int:
        return self.port or _IMAP_DEFAULT_PORT[self.security]


class SmtpSettings(_Strict):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    security: Security = "tls"
    from_address: str
    ca_file: str | None = None  # PEM bundle to trust instead of the system CAs
    timeout: float = Field(default=30.0, gt=0)

    @field_validator("from_address")
    @classmethod
    def _has_address(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "@" not in address:
            raise ValueError("from_address must contain an email address, e.g. 'Support <support@example.com>'")
        return value

    @property
    def effective_port(self) -> int:
        return self.port or _SMTP_DEFAULT_PORT[self.security]

    @property
    def from_email(self) -> str:
        return parseaddr(self.from_address)[1].lower()

    @property
    def from_domain(self) -> str:
        return self.from_email.rpartition("@")[2]


class EmailConfig(ConnectorConfig):
    type: Literal["email"] = "email"
    imap: ImapSettings
    smtp: SmtpSettings
    backlog_days: int = Field(default=14, ge=0)  # first start imports this much existing mail
    batch_size: int = Field(default=200, ge=1, le=5000)  # messages per host.deliver call
