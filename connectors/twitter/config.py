"""`type: twitter` config: credentials, where the API lives, how often to poll and the rate windows to respect."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from connectors.base import ConnectorConfig

DEFAULT_API_BASE = "https://api.twitter.com"


class RateWindow(BaseModel):
    """At most `requests` calls per `seconds`; X publishes these per endpoint and per user."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int = Field(gt=0)
    seconds: float = Field(gt=0)


class TwitterConfig(ConnectorConfig):
    type: Literal["twitter"] = "twitter"
    api_base: str = DEFAULT_API_BASE
    consumer_key: SecretStr
    consumer_secret: SecretStr
    access_token: SecretStr
    access_token_secret: SecretStr
    # Mentions use app-only auth when a bearer token is given (its own, larger rate bucket), else user auth.
    bearer_token: SecretStr | None = None
    poll_interval: float = Field(default=60.0, gt=0)
    # Our account; looked up with GET /2/users/me at start when not given.
    user_id: str | None = None
    username: str | None = None
    poll_dms: bool = True
    poll_mentions: bool = True
    # First start (no cursor yet): how far back existing DMs and mentions are imported.
    backlog_days: float = Field(default=7.0, ge=0)
    # X's published windows: GET /2/dm_events 300 per 15 min; mentions 450 per 15 min with app-only auth (the
    # bearer token), 180 with user auth. None: those.
    dm_events_rate: RateWindow = RateWindow(requests=300, seconds=900)
    mentions_rate: RateWindow | None = None
    request_timeout: float = Field(default=30.0, gt=0)
    # Thread watching (connectors.twitter.watch): replies in the public conversations we are in, by recent search.
    watch_conversations: bool = True
    watch_hours: float = Field(default=72.0, gt=0)
    watch_max: int = Field(default=200, ge=1, le=5000)
    # None: X's published window for the auth in use (450 / 15 min app-only with a bearer token, else 180 per user).
    search_rate: RateWindow | None = None

    def search_window(self) -> RateWindow:
        if self.search_rate is not None:
            return self.search_rate
        return RateWindow(requests=450 if self.bearer_token is not None else 180, seconds=900)

    @property
    def mentions_window(self) -> RateWindow:
        if self.mentions_rate is not None:
            return self.mentions_rate
        return RateWindow(requests=450 if self.bearer_token else 180, seconds=900)

    @field_validator("api_base")
    @classmethod
    def _api_base_is_http_url(cls, value: str) -> str:
        from yarl import URL

        url = URL(value)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("api_base must be an http(s) URL such as https://api.twitter.com")
        if url.path not in ("", "/"):
            raise ValueError("api_base must not carry a path (the API paths start with /2/)")
        return str(url.with_path("")).rstrip("/")

    @field_validator("user_id")
    @classmethod
    def _user_id_is_numeric(cls, value: str | None) -> str | None:
        if value is not None and not value.isdigit():
            raise ValueError("user_id is the numeric X user id (not the @username)")
        return value

    @field_validator("username")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        return value.lstrip("@") if value else value
