"""TwitterConfig: typed, strict, and secrets that never show."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.registry import connector_class
from connectors.twitter import TwitterConfig, TwitterConnector
from tests.connectors.memory_host import MemoryHost

SECRETS = {
    "consumer_key": "CK-secret-value", "consumer_secret": "CS-secret-value",
    "access_token": "AT-secret-value", "access_token_secret": "ATS-secret-value",
    "bearer_token": "BT-secret-value",
}


def test_registry_resolves_type() -> None:
    cls = connector_class("twitter")
    assert cls is TwitterConnector and cls.config_model is TwitterConfig and cls.type_name == "twitter"


def test_defaults() -> None:
    config = TwitterConfig.model_validate({"type": "twitter", **SECRETS})
    assert config.api_base == "https://api.twitter.com"
    assert config.poll_interval == 60
    assert (config.dm_events_rate.requests, config.dm_events_rate.seconds) == (300, 900)
    assert config.user_id is None and config.bearer_token is not None
    window = config.mentions_window  # X's window for app-only auth (the bearer token)
    assert (window.requests, window.seconds) == (450, 900)
    user_auth = TwitterConfig.model_validate({"type": "twitter", **SECRETS, "bearer_token": None}).mentions_window
    assert (user_auth.requests, user_auth.seconds) == (180, 900)


def test_bearer_token_is_optional() -> None:
    secrets = {k: v for k, v in SECRETS.items() if k != "bearer_token"}
    assert TwitterConfig.model_validate({"type": "twitter", **secrets}).bearer_token is None


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"poll_intervall": 30}, "poll_intervall"),
        ({"api_base": "ftp://x"}, "api_base"),
        ({"api_base": "https://api.twitter.com/2"}, "api_base"),
        ({"user_id": "@walletsupport"}, "user_id"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"dm_events_rate": {"requests": 0, "seconds": 900}}, "dm_events_rate"),
    ],
)
def test_bad_values_name_the_key(extra: dict[str, object], key: str) -> None:
    with pytest.raises(ValidationError) as failed:
        TwitterConfig.model_validate({"type": "twitter", **SECRETS, **extra})
    assert key in str(failed.value)
    assert not any(secret in str(failed.value) for secret in SECRETS.values())


def test_missing_secret_is_an_error() -> None:
    with pytest.raises(ValidationError, match="access_token_secret"):
        TwitterConfig.model_validate({"type": "twitter", **{k: v for k, v in SECRETS.items()
                                                           if k != "access_token_secret"}})


def test_secrets_never_appear_in_repr_or_dump() -> None:
    config = TwitterConfig.model_validate({"type": "twitter", "username": "@walletsupport", **SECRETS})
    connector = TwitterConnector("x-support", config, MemoryHost())
    shown = " ".join([repr(config), str(config), config.model_dump_json(), repr(connector)])
    assert not any(secret in shown for secret in SECRETS.values())
    assert config.username == "walletsupport"
