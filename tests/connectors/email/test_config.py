"""The `type: email` config block: defaults, strictness, and secrets that never show."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.email import EmailConfig, EmailConnector
from connectors.registry import connector_class

BLOCK = {
    "type": "email",
    "imap": {"host": "imap.example.com", "username": "support@example.com", "password": "imap-secret-1"},
    "smtp": {"host": "smtp.example.com", "password": "smtp-secret-2", "username": "support@example.com",
             "from_address": "Wallet Support <support@example.com>"},
}


def test_registry_target_and_defaults() -> None:
    assert connector_class("email") is EmailConnector
    assert EmailConnector.config_model is EmailConfig and EmailConnector.type_name == "email"
    config = EmailConfig.model_validate(BLOCK)
    assert (config.imap.security, config.imap.effective_port, config.imap.folder) == ("tls", 993, "INBOX")
    assert (config.smtp.effective_port, config.backlog_days) == (465, 14)
    assert EmailConfig.model_validate({**BLOCK, "smtp": {**BLOCK["smtp"], "security": "starttls"}}).smtp.effective_port == 587


def test_secrets_never_show() -> None:
    config = EmailConfig.model_validate(BLOCK)
    for text in (repr(config), str(config), config.model_dump_json()):
        assert "imap-secret-1" not in text and "smtp-secret-2" not in text


@pytest.mark.parametrize(
    "bad",
    [
        {**BLOCK, "imap": {**BLOCK["imap"], "pasword": "typo"}},
        {**BLOCK, "imap": {**BLOCK["imap"], "security": "ssl"}},
        {**BLOCK, "smtp": {**BLOCK["smtp"], "from_address": "not an address"}},
        {**BLOCK, "backlog_days": -1},
        {**BLOCK, "unknown_key": 1},
    ],
)
def test_bad_config_is_rejected(bad: dict) -> None:
    with pytest.raises(ValidationError):
        EmailConfig.model_validate(bad)


def test_smtp_credentials_optional() -> None:
    smtp = {k: v for k, v in BLOCK["smtp"].items() if k not in {"username", "password"}}
    assert EmailConfig.model_validate({**BLOCK, "smtp": smtp}).smtp.password is None
