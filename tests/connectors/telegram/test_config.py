"""TelegramConfig: defaults, validation, and secrets kept out of every text."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.registry import connector_class
from connectors.telegram import TelegramConfig, TelegramConnector

TOKEN = "7001234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw-"


def test_registry_resolves_the_type() -> None:
    cls = connector_class("telegram")
    assert cls is TelegramConnector and cls.config_model is TelegramConfig


def test_defaults() -> None:
    config = TelegramConfig.model_validate({"type": "telegram", "token": TOKEN})
    assert config.mode == "polling" and config.api_base == "https://api.telegram.org"
    assert config.webhook_secret is None and config.webhook_url is None and config.bot_username is None


def test_api_base_is_normalized_and_checked() -> None:
    assert TelegramConfig(token=TOKEN, api_base="http://127.0.0.1:8081/").api_base == "http://127.0.0.1:8081"
    with pytest.raises(ValidationError, match="http"):
        TelegramConfig(token=TOKEN, api_base="api.telegram.org")


def test_webhook_mode_needs_a_valid_secret() -> None:
    with pytest.raises(ValidationError, match="webhook_secret is required"):
        TelegramConfig(token=TOKEN, mode="webhook")
    with pytest.raises(ValidationError, match="A-Z"):
        TelegramConfig(token=TOKEN, mode="webhook", webhook_secret="has spaces!")
    ok = TelegramConfig(token=TOKEN, mode="webhook", webhook_secret="abc_DEF-123")
    assert ok.webhook_secret is not None


def test_unknown_keys_and_bad_modes_are_errors() -> None:
    with pytest.raises(ValidationError, match="extra"):
        TelegramConfig.model_validate({"type": "telegram", "token": TOKEN, "tokn": "x"})
    with pytest.raises(ValidationError, match="mode"):
        TelegramConfig.model_validate({"type": "telegram", "token": TOKEN, "mode": "push"})
    with pytest.raises(ValidationError, match="type"):
        TelegramConfig.model_validate({"type": "twitter", "token": TOKEN})


def test_bot_username_loses_its_at() -> None:
    assert TelegramConfig(token=TOKEN, bot_username="@wallet_bot").bot_username == "wallet_bot"


def test_secrets_never_show() -> None:
    config = TelegramConfig(token=TOKEN, mode="webhook", webhook_secret="wh_SECRET_value")
    for text in (repr(config), str(config), config.model_dump_json(), str(config.model_dump())):
        assert TOKEN not in text and "wh_SECRET_value" not in text
    # Validation errors don't echo the input (which holds the token) either.
    with pytest.raises(ValidationError) as caught:
        TelegramConfig.model_validate({"type": "telegram", "token": TOKEN, "mode": "webhook"})
    assert TOKEN not in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        TelegramConfig.model_validate({"type": "telegram", "token": "12:abc def"})
    assert "abc def" not in str(caught.value)
