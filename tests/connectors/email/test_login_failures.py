"""A temporary IMAP login failure backs off and retries; only a real credentials refusal is AuthError
(issue 16 item 13).

The temporary failure is provoked in a real Dovecot: when the user's home cannot be reached (the server's directory
made 0700 while it runs as root), Dovecot answers LOGIN with `NO [UNAVAILABLE] Temporary authentication failure.`
The response codes are RFC 5530's (IMAP Response Codes, section 3): UNAVAILABLE "temporary failure because a
subsystem is down", SERVERBUG, INUSE and LIMIT are worth retrying; AUTHENTICATIONFAILED, AUTHORIZATIONFAILED,
EXPIRED, CONTACTADMIN and PRIVACYREQUIRED need an admin.
"""
from __future__ import annotations

import asyncio
import os

import pytest

from connectors.base import AuthError, TransientError
from connectors.email.imap_session import login_failure_is_temporary
from tests.connectors.email.dovecot import Dovecot
from tests.connectors.email.helpers import RecordingHost, connector, make_mail

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the 0700 trick needs Dovecot's root-run auth")


@pytest.mark.parametrize(
    ("response", "temporary"),
    [
        # Dovecot 2.3, seen in the tests below
        ("b'[UNAVAILABLE] Temporary authentication failure. [vm:2026-12-07 22:57:33]'", True),
        ("b'[AUTHENTICATIONFAILED] Authentication failed.'", False),
        # RFC 5530 section 3 examples
        ("b'[SERVERBUG] This should not happen'", True),
        ("b'[INUSE] Mailbox in use'", True),
        ("b'[LIMIT] At most 32 flags in one mailbox supported'", True),
        ("b'[AUTHORIZATIONFAILED] No such authorization-ID'", False),
        ("b'[EXPIRED] That password isn't valid any more'", False),
        ("b'[CONTACTADMIN]'", False),
        ("b'[PRIVACYREQUIRED] Connection offers no privacy'", False),
        # no response code (older servers): a refusal, as before
        ("b'LOGIN failed.'", False),
    ],
)
def test_login_response_codes(response: str, temporary: bool) -> None:
    assert login_failure_is_temporary(response) is temporary


async def test_temporary_failure_at_start_is_transient_not_auth(dovecot: Dovecot) -> None:
    dovecot.root.chmod(0o700)
    conn = connector(dovecot, RecordingHost())
    try:
        with pytest.raises(TransientError, match="UNAVAILABLE"):
            await conn.start()
    finally:
        dovecot.root.chmod(0o755)
        await conn.stop()


async def test_temporary_failure_while_running_backs_off_and_recovers(dovecot: Dovecot) -> None:
    host = RecordingHost()
    conn = connector(dovecot, host)
    await conn.start()
    task = asyncio.create_task(conn.run())
    try:
        await asyncio.sleep(0.5)
        dovecot.root.chmod(0o700)
        await asyncio.to_thread(dovecot.kick)
        for _ in range(100):  # the reconnect is refused with [UNAVAILABLE]: reported, not fatal
            if any("UNAVAILABLE" in p for p in host.problems):
                break
            await asyncio.sleep(0.1)
        assert any("temporarily" in p and "UNAVAILABLE" in p for p in host.problems)
        assert not task.done()
        dovecot.root.chmod(0o755)
        await asyncio.to_thread(dovecot.append, make_mail("after the auth outage", message_id="auth-back@c.example"))
        [message] = await host.wait_for(1, timeout=20)
        assert message.provider_id == "auth-back@c.example"
        assert not task.done()
    finally:
        dovecot.root.chmod(0o755)
        task.cancel()
        await conn.stop()


async def test_wrong_password_is_still_auth_error(dovecot: Dovecot) -> None:
    conn = connector(dovecot, RecordingHost(), imap={"password": "not-the-password"})
    try:
        with pytest.raises(AuthError, match="AUTHENTICATIONFAILED"):
            await conn.start()
    finally:
        await conn.stop()
