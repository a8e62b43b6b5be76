"""Sorting python-telegram-bot errors into the connector errors, and keeping the token out of every text.

The bot token is part of every Bot API URL (`/bot<token>/method`), so anything that may echo a URL (httpx's
request log, network error texts) is scrubbed before it leaves this package.
"""
from __future__ import annotations

import logging
import re

from telegram import error as tg

from connectors.base import (
    AuthError,
    ConnectorError,
    NotSupported,
    PermanentError,
    PrivateChannelRefused,
    RecipientUnreachable,
    TransientError,
)

# Bot API tokens look like "<bot id>:<35 url-safe characters>"; match any "bot<digits>:<secret>" path segment.
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")


class HideNotPermitted(PermanentError, NotSupported):
    """The bot may not delete this post (not an admin in the group, or the message is too old)."""


def scrub(text: str, token: str | None = None) -> str:
    if token:
        text = text.replace(token, "<token>")
    return _TOKEN_IN_URL.sub("bot<token>", text)


class TokenRedactingFilter(logging.Filter):
    """Rewrites log records that carry a Bot API URL (httpx logs every request URL at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = TokenRedactingFilter()
_URL_LOGGERS = (
    "httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy",
    "telegram", "telegram.Bot", "telegram.ext.ExtBot", "telegram.BaseRequest", "telegram.HTTPXRequest",
)


def install_log_redaction() -> None:
    """Attach the filter to the loggers that print request URLs; idempotent."""
    # Logger filters only see records logged to that very logger, so every logger that may print a URL is listed.
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def retry_after_seconds(exc: tg.RetryAfter) -> float:
    # `_retry_after` is always a timedelta; the public attribute's type depends on a PTB deprecation switch.
    value = exc._retry_after
    return float(value.total_seconds())


def classify(exc: tg.TelegramError, token: str, *, private_path: bool = False) -> ConnectorError:
    """The connector error for a failed Bot API call. `private_path`: the call wrote to a user's private chat."""
    text = scrub(exc.message, token)
    lowered = text.lower()
    if isinstance(exc, tg.RetryAfter):
        return TransientError(f"Telegram rate limit: {text}", retry_after=retry_after_seconds(exc))
    if isinstance(exc, (tg.InvalidToken, tg.EndPointNotFound)):
        # 401 (revoked token) and 404 (malformed token) both mean the token is unusable.
        return AuthError("Telegram refused the bot token (revoked or wrong)")
    if isinstance(exc, tg.Forbidden):
        if "can't initiate conversation" in lowered or "bot can't send messages to bots" in lowered:
            return PrivateChannelRefused(text)
        if "blocked by the user" in lowered or "user is deactivated" in lowered:
            return RecipientUnreachable(text)
        return PermanentError(text)  # kicked from the group, not a member, ...
    if isinstance(exc, tg.BadRequest):
        if private_path and "chat not found" in lowered:
            return PrivateChannelRefused(text)  # the user never opened a chat with the bot
        return PermanentError(text)
    if isinstance(exc, tg.Conflict):
        return TransientError(f"Telegram conflict (another instance or a webhook is active): {text}")
    if isinstance(exc, tg.NetworkError):  # includes TimedOut; BadRequest was handled above
        return TransientError(f"Telegram unreachable: {text}")
    return PermanentError(text)
