"""The `tls` and `starttls` security modes against a Dovecot and an aiosmtpd that speak TLS with a certificate
from a private CA (trusted through `ca_file`); an untrusted certificate is refused."""
from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import ssl
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from connectors.base import TransientError
from connectors.email import EmailConnector
from connectors.email.smtp_out import send_reply
from inbox.domain import Channel, ContactIdentity, IdentityKind, OutboundMessage, Visibility
from tests.connectors.email.conftest import RecordingHandler, SmtpPeer, _authenticator, _missing_peer
from tests.connectors.email.dovecot import Dovecot, dovecot_binary, free_port, make_self_signed_cert
from tests.connectors.email.helpers import RecordingHost, email_config, make_mail, running, smtp_settings


def _require_openssl() -> None:
    if shutil.which("openssl") is None:
        _missing_peer("openssl (apt-get install -y openssl)")


@pytest.fixture
def tls_dovecot() -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        _missing_peer("dovecot (apt-get install -y dovecot-imapd)")
    _require_openssl()
    server = Dovecot(tls=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _imap_connector(server: Dovecot, host: RecordingHost, security: str, trusted: bool = True) -> EmailConnector:
    imap = {"security": security, "port": server.tls_port if security == "tls" else server.port,
            "ca_file": str(server.cert_file) if trusted else None}
    return EmailConnector("support-mail", email_config(server, imap=imap), host)


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_imap_over_tls(tls_dovecot: Dovecot, security: str) -> None:
    await asyncio.to_thread(tls_dovecot.append, make_mail("over TLS", message_id=f"{security}@c.example"))
    host = RecordingHost()
    async with running(_imap_connector(tls_dovecot, host, security)):
        [message] = await host.wait_for(1, timeout=10)
    assert message.provider_id == f"{security}@c.example"


async def test_imap_untrusted_certificate_is_refused(tls_dovecot: Dovecot) -> None:
    conn = _imap_connector(tls_dovecot, RecordingHost(), "tls", trusted=False)
    with pytest.raises(TransientError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        await conn.start()
    await conn.stop()


@pytest.fixture
def tls_smtp(tmp_path) -> Iterator[tuple[SmtpPeer, str]]:
    _require_openssl()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    make_self_signed_cert(cert, key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=_authenticator,
                            tls_context=context, require_starttls=True, auth_require_tls=True)
    controller.start()
    try:
        yield SmtpPeer("127.0.0.1", port, handler), str(cert)
    finally:
        controller.stop()


async def test_smtp_starttls_with_auth(tls_smtp: tuple[SmtpPeer, str]) -> None:
    peer, ca_file = tls_smtp
    settings = smtp_settings(peer, security="starttls", ca_file=ca_file)
    reply = OutboundMessage(
        idempotency_key="tls-1", connector="support-mail", channel=Channel.EMAIL, thread_key="t@c",
        visibility=Visibility.PRIVATE, recipient=ContactIdentity(IdentityKind.EMAIL, "bob@customer.example"),
        text="sent over STARTTLS", ticket="#10002", subject="Question",
    )
    await send_reply(reply, settings)
    [raw] = peer.handler.received
    assert "sent over STARTTLS" in email.message_from_bytes(raw, policy=email.policy.default).get_content()
    with pytest.raises(TransientError):  # same server, certificate not trusted
        await send_reply(reply, smtp_settings(peer, security="starttls"))
