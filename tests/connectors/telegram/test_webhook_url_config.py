"""check-config refuses a Telegram webhook URL that api.telegram.org's setWebhook would refuse (issue 16 item 7).

Telegram's rule (https://core.telegram.org/bots/api#setwebhook): HTTPS only, "Ports currently supported for
webhooks: 443, 80, 88, 8443". A local Bot API server (`api_base` elsewhere) accepts any URL.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from inbox.config import ConfigError, parse_settings

_BASE = """
server: {{public_url: "{public_url}"}}
connectors:
  wallet-bot:
    type: telegram
    token: "123456:ABCdef"
    mode: webhook
    webhook_secret: s3cret_token
    api_base: {api_base}
{extra}"""


def _settings(public_url: str, api_base: str = "https://api.telegram.org", extra: str = ""):
    return parse_settings(_BASE.format(public_url=public_url, api_base=api_base, extra=extra), "inbox.yaml", {})


@pytest.mark.parametrize(("public_url", "reason"), [
    ("http://inbox.example.com", "only an HTTPS webhook URL"),
    ("https://inbox.example.com:8080", "only on ports 443, 80, 88 or 8443"),
    ("http://127.0.0.1:8080", "only an HTTPS webhook URL"),  # the default public_url
])
def test_public_url_telegram_would_refuse_is_a_config_error(public_url: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(public_url)
    [problem] = caught.value.problems
    assert problem.startswith("inbox.yaml: server.public_url: connectors.wallet-bot")
    assert reason in problem and "/webhooks/telegram/wallet-bot" in problem
    assert "ABCdef" not in problem


@pytest.mark.parametrize("public_url", ["https://inbox.example.com", "https://inbox.example.com:8443",
                                        "https://inbox.example.com:88/support"])
def test_accepted_urls_pass(public_url: str) -> None:
    assert _settings(public_url).connectors[0].config.mode == "webhook"


def test_an_explicit_webhook_url_is_checked_too() -> None:
    with pytest.raises(ConfigError) as caught:
        _settings("https://inbox.example.com",
                  extra="    webhook_url: https://inbox.example.com:9000/webhooks/telegram/wallet-bot\n")
    assert any("connectors.wallet-bot" in p and "ports 443, 80, 88 or 8443" in p for p in caught.value.problems)


def test_a_local_bot_api_server_accepts_any_url() -> None:
    assert _settings("http://127.0.0.1:8080", api_base="http://127.0.0.1:8081").connectors


def test_check_config_command_refuses_with_the_reason(tmp_path) -> None:  # noqa: ANN001
    config = tmp_path / "inbox.yaml"
    config.write_text(_BASE.format(public_url="http://support.example.com", api_base="https://api.telegram.org",
                                   extra=""))
    result = subprocess.run([sys.executable, "-m", "inbox.cli", "check-config", "--config", str(config)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2
    assert "server.public_url" in result.stderr and "HTTPS" in result.stderr and "ABCdef" not in result.stderr
