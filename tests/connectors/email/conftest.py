"""Peers for the email connector tests: a real Dovecot per test and an in-process aiosmtpd server."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.connectors.email.dovecot import Dovecot, dovecot_binary, free_port

SMTP_USER = "relay-user"
SMTP_PASSWORD = "relay-secret"


def _missing_peer(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is required when CI=true (the test script installs it)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        _missing_peer("dovecot (apt-get install -y dovecot-imapd)")
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class RecordingHandler:
    """Accepts mail and keeps it; `rcpt_reply` / `data_reply` make the server refuse instead."""

    received: list[bytes] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == SMTP_USER
        and auth_data.password.decode() == SMTP_PASSWORD
    )
    # handled=False lets aiosmtpd answer 535 instead of dropping the connection
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpPeer:
    host: str
    port: int
    handler: RecordingHandler


@pytest.fixture
def smtp_server() -> Iterator[SmtpPeer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=_authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield SmtpPeer("127.0.0.1", port, handler)
    finally:
        controller.stop()
