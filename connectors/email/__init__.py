"""Email connector: IMAP in (IDLE or polling, cursor-checkpointed), SMTP out, MIME parsing and thread keys."""
from __future__ import annotations

from connectors.email.config import EmailConfig, ImapSettings, SmtpSettings
from connectors.email.connector import EmailConnector
from connectors.email.quoting import split_quoted

__all__ = ["EmailConfig", "EmailConnector", "ImapSettings", "SmtpSettings", "split_quoted"]
