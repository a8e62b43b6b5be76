"""Typed config of a `type: telegram` connector."""
from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.base import ConnectorConfig

# Telegram's rule for setWebhook's secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

# setWebhook on api.telegram.org: "Ports currently supported for webhooks: 443, 80, 88, 8443", HTTPS only
# (https://core.telegram.org/bots/api#setwebhook). A local Bot API server (--local) accepts any URL and port.
WEBHOOK_PORTS = (443, 80, 88, 8443)
OFFICIAL_API_HOST = "api.telegram.org"


def webhook_url_problem(url: str) -> str | None:
    """Why api.telegram.org's setWebhook would refuse `url` (its own words), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a URL with a valid port"
    if parts.scheme != "https":
        return f"Telegram accepts only an HTTPS webhook URL (got {parts.scheme or 'no'} scheme in {url})"
    if (port or 443) not in WEBHOOK_PORTS:
        return f"Telegram accepts webhooks only on ports 443, 80, 88 or 8443 (got {port} in {url})"
    return None


class TelegramConfig(ConnectorConfig):
    # Errors would otherwise echo the input (the whole mapping, token included, for model-level checks).
    model_config = ConfigDict(hide_input_in_errors=True)

    type: Literal["telegram"] = "telegram"
    token: SecretStr
    mode: Literal["polling", "webhook"] = "polling"
    api_base: str = "https://api.telegram.org"
    webhook_secret: SecretStr | None = None
    webhook_url: str | None = None  # the public URL Telegram calls; the server fills a default from public_url
    bot_username: str | None = None  # else taken from getMe at start
    poll_timeout: int = Field(default=25, ge=0, le=50)  # getUpdates long-poll seconds
    max_retry_wait: float = Field(default=30.0, ge=0)  # a 429 asking for longer than this is a TransientError
    send_attempts: int = Field(default=3, ge=1, le=10)  # per message part, counting the first try

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # Only whitespace is checked: a wrong token is reported by Telegram (AuthError), not guessed at here.
        secret = value.get_secret_value()
        if not secret or "/" in secret or any(c.isspace() for c in secret):
            raise ValueError("must be the bot token from @BotFather (no spaces or slashes)")
        return value

    @field_validator("bot_username")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        return value.lstrip("@") if value else value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> TelegramConfig:
        if self.mode == "webhook":
            if self.webhook_secret is None:
                raise ValueError("webhook_secret is required when mode is webhook")
            if not _SECRET_TOKEN.fullmatch(self.webhook_secret.get_secret_value()):
                raise ValueError("webhook_secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
            problem = self.webhook_url and self.uses_official_api and webhook_url_problem(self.webhook_url)
            if problem:
                raise ValueError(f"webhook_url: {problem}")
        return self

    @property
    def uses_official_api(self) -> bool:
        return urlsplit(self.api_base).hostname == OFFICIAL_API_HOST

    def problems_with_public_url(self, name: str, public_url: str) -> list[tuple[str, str]]:
        """Config checks that need the server's public_url: (key, problem) pairs. A webhook without its own
        webhook_url is served at <public_url>/webhooks/telegram/<name>, which Telegram must accept."""
        if self.mode != "webhook" or self.webhook_url or not self.uses_official_api:
            return []
        url = f"{public_url.rstrip('/')}/webhooks/telegram/{name}"
        problem = webhook_url_problem(url)
        return [("server.public_url", f"connectors.{name} (webhook mode) would be called at {url}: {problem}")] \
            if problem else []
