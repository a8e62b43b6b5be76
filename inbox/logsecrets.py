"""No connector secret ever reaches a log line, whoever logs it and whichever handler writes it.

Secrets are registered when a connector is configured (config file, database or the admin API), and every log record
is scrubbed when it is created (a LogRecord factory, the stdlib's hook for this): its message and its traceback.
Handler or logger filters would not do: a logger filter sees only records of that very logger (not of its children,
such as `telegram.request.BaseRequest`), a handler filter only its own handler, and a traceback is formatted after
both. Libraries do print secrets: python-telegram-bot logs Bot API URLs (`/bot<token>/getMe`) and error bodies that
echo them, httpx logs request URLs, aiosqlite logs statement parameters at DEBUG (a connector's stored config).
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from urllib.parse import quote

MASK = "***"
SHORTEST = 4  # shorter values would mask ordinary words; config validation asks for real secrets anyway
_lock = threading.Lock()
_secrets: tuple[str, ...] = ()  # longest first, so a secret that contains another is masked whole
_installed = False


def _forms(secret: str) -> set[str]:
    """The ways a value shows up in text: as typed, percent-encoded in a URL, escaped inside JSON."""
    return {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1]}


def register(secrets: Iterable[str]) -> None:
    """Mask these values in every log record from now on (values stay registered: a replaced token is still secret)."""
    global _secrets
    new = {form for s in secrets if len(s) >= SHORTEST for form in _forms(s)}
    if not new:
        return
    with _lock:
        _secrets = tuple(sorted(set(_secrets) | new, key=len, reverse=True))
    _install()


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is logging's own error to report, not ours
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        # Formatters use exc_text when it is set, so the traceback is written with the secret masked.
        trace = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(trace)
        if cleaned != trace:
            record.exc_text = cleaned
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:  # noqa: ANN002, ANN003 - LogRecord's own signature
        record = previous(*args, **kwargs)
        if _secrets:
            _scrub(record)
        return record

    logging.setLogRecordFactory(factory)
