"""Replies out through a real SMTP server (aiosmtpd): threading headers, ticket in the subject, authentication,
and failures sorted into AuthError / TransientError / PermanentError."""
from __future__ import annotations

import asyncio
import email
import email.policy

import pytest

from connectors.base import AuthError, PermanentError, RecipientUnreachable, TransientError
from connectors.email.noise import OWN_ID_PREFIX
from connectors.email.smtp_out import build_reply, send_reply
from connectors.email.thread_keys import parse_msg_ids
from inbox.domain import Channel, ContactIdentity, IdentityKind, OutboundMessage, Visibility
from tests.connectors.email.conftest import SmtpPeer
from tests.connectors.email.dovecot import Dovecot, free_port
from tests.connectors.email.helpers import RecordingHost, connector, make_mail, running, smtp_settings


def _reply(**changes: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "idempotency_key": "out-1",
        "connector": "support-mail",
        "channel": Channel.EMAIL,
        "thread_key": "root@customer.example",
        "visibility": Visibility.PRIVATE,
        "recipient": ContactIdentity(IdentityKind.EMAIL, "alice@customer.example", display_name="Alice 陈"),
        "text": "您好，您的提现已处理。Your withdrawal was processed.",
        "ticket": "#10234",
        "subject": "Re: 提现未到账 Withdrawal pending",
        "in_reply_to": "m2@customer.example",
        "references": ("root@customer.example", "synthetic:abc", "m1@customer.example"),
    }
    fields.update(changes)
    return OutboundMessage(**fields)  # type: ignore[arg-type]




async def test_reply_headers_thread_in_the_customers_client(smtp_server: SmtpPeer) -> None:
    result = await send_reply(_reply(), smtp_settings(smtp_server))
    [raw] = smtp_server.handler.received
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["Message-ID"] == f"<{result.provider_id}>"
    assert result.provider_id.startswith(OWN_ID_PREFIX) and result.provider_id.endswith("@wallet.example")
    assert mail["In-Reply-To"] == "<m2@customer.example>"
    # synthetic ids are ours, not the customer's client's: they never go into headers
    assert parse_msg_ids(mail["References"]) == ["root@customer.example", "m1@customer.example", "m2@customer.example"]
    assert mail["Subject"] == "Re: 提现未到账 Withdrawal pending [#10234]"
    assert mail["To"].addresses[0].addr_spec == "alice@customer.example"
    assert mail["From"].addresses[0].addr_spec == "support@wallet.example"
    assert mail.get_body(("plain",)).get_content().strip() == "您好，您的提现已处理。Your withdrawal was processed."
    assert result.sent_at.tzinfo is not None


def test_references_end_with_the_parent_and_stay_bounded() -> None:
    earlier = tuple(f"m{i}@c.example" for i in range(100))
    mail, _ = build_reply(_reply(in_reply_to="m50@c.example", references=earlier), smtp_settings(
        SmtpPeer("127.0.0.1", 25, None)))  # type: ignore[arg-type]
    refs = parse_msg_ids(mail["References"])
    assert refs[0] == "m0@c.example" and refs[-1] == "m50@c.example"
    assert len(refs) == 21 and len(set(refs)) == 21


async def test_retry_keeps_the_message_id(smtp_server: SmtpPeer) -> None:
    settings = smtp_settings(smtp_server)
    first = await send_reply(_reply(), settings)
    again = await send_reply(_reply(), settings)
    other = await send_reply(_reply(idempotency_key="out-2"), settings)
    assert first.provider_id == again.provider_id != other.provider_id


async def test_relay_without_auth(smtp_server: SmtpPeer) -> None:
    result = await send_reply(_reply(), smtp_settings(smtp_server, username=None, password=None))
    assert result.provider_id and len(smtp_server.handler.received) == 1


async def test_smtp_auth_failure_is_auth_error(smtp_server: SmtpPeer) -> None:
    with pytest.raises(AuthError) as caught:
        await send_reply(_reply(), smtp_settings(smtp_server, password="not-the-password"))
    assert "not-the-password" not in str(caught.value)
    assert smtp_server.handler.received == []


async def test_4xx_is_transient(smtp_server: SmtpPeer) -> None:
    smtp_server.handler.data_reply = "451 4.3.0 Mailbox temporarily unavailable"
    with pytest.raises(TransientError, match="451"):
        await send_reply(_reply(), smtp_settings(smtp_server))


async def test_5xx_is_permanent_with_server_text(smtp_server: SmtpPeer) -> None:
    smtp_server.handler.data_reply = "554 5.7.1 Message rejected as spam"
    with pytest.raises(PermanentError, match="rejected as spam") as caught:
        await send_reply(_reply(), smtp_settings(smtp_server))
    assert not isinstance(caught.value, TransientError)


async def test_unknown_recipient_is_unreachable(smtp_server: SmtpPeer) -> None:
    smtp_server.handler.rcpt_reply = "550 5.1.1 No such user here"
    with pytest.raises(RecipientUnreachable, match="No such user"):
        await send_reply(_reply(), smtp_settings(smtp_server))


async def test_connection_refused_is_transient(smtp_server: SmtpPeer) -> None:
    with pytest.raises(TransientError):
        await send_reply(_reply(), smtp_settings(smtp_server, port=free_port()))


async def test_non_email_recipient_is_permanent(smtp_server: SmtpPeer) -> None:
    with pytest.raises(PermanentError):
        await send_reply(_reply(recipient=ContactIdentity(IdentityKind.TELEGRAM, "12345")),
                         smtp_settings(smtp_server))


async def test_round_trip_reply_lands_in_mailbox_but_is_not_ingested(
    dovecot: Dovecot, smtp_server: SmtpPeer
) -> None:
    """Our reply delivered into the same mailbox (a Bcc to support) is skipped; the customer's answer to it
    carries our Message-ID in its thread hints, so the pipeline joins it to the conversation."""
    host = RecordingHost()
    conn = connector(dovecot, host, smtp_server)
    await asyncio.to_thread(dovecot.append, make_mail("first question", message_id="q1@customer.example"))
    async with running(conn):
        [question] = await host.wait_for(1, timeout=10)
        sent = await conn.send(_reply(in_reply_to=question.provider_id, references=()))
        await asyncio.to_thread(dovecot.append, smtp_server.handler.received[0])  # the copy of our own reply
        answer = make_mail("thanks, got it", message_id="q2@customer.example", in_reply_to=sent.provider_id,
                           references=[question.provider_id, sent.provider_id])
        await asyncio.to_thread(dovecot.append, answer)
        messages = await host.wait_for(2, timeout=10)
        await asyncio.sleep(0.3)
    assert host.delivered == ["q1@customer.example", "q2@customer.example"]
    assert messages[1].thread_key == question.provider_id
    assert sent.provider_id in messages[1].thread_hints


async def test_reply_copy_is_filed_in_the_sent_folder(dovecot: Dovecot, smtp_server: SmtpPeer) -> None:
    host = RecordingHost()
    conn = connector(dovecot, host, smtp_server, imap={"sent_folder": "Sent"})
    async with running(conn):
        first = await conn.send(_reply())
        second = await conn.send(_reply(idempotency_key="out-2", text="第二次回复 second reply"))
        await conn.flush_copies()

    def sent_folder() -> list[tuple[bytes, tuple]]:
        client = dovecot.client()
        try:
            client.select_folder("Sent", readonly=True)
            fetched = client.fetch(client.search(["ALL"]), ["FLAGS", "BODY.PEEK[]"])
            return [(data[b"BODY[]"], data[b"FLAGS"]) for _, data in sorted(fetched.items())]
        finally:
            client.logout()

    filed = await asyncio.to_thread(sent_folder)
    ids = [email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"] for raw, _ in filed]
    assert ids == [f"<{first.provider_id}>", f"<{second.provider_id}>"]  # the folder was created on first use
    assert all(b"\\Seen" in flags for _, flags in filed)
    assert filed[0][0].replace(b"\r\n", b"\n") == smtp_server.handler.received[0].replace(b"\r\n", b"\n")
    assert host.problems == []


async def test_sent_copy_failing_does_not_fail_the_send(dovecot: Dovecot, smtp_server: SmtpPeer) -> None:
    host = RecordingHost()
    conn = connector(dovecot, host, smtp_server, imap={"sent_folder": "Sent"})
    async with running(conn):
        await asyncio.to_thread(dovecot.stop)
        result = await conn.send(_reply())
        await conn.flush_copies()
    assert len(smtp_server.handler.received) == 1
    assert any(result.provider_id in p and "could not be filed" in p for p in host.problems)
    assert dovecot.password not in " ".join(host.problems)
