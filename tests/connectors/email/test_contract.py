"""The connector contract against a real Dovecot (IMAP) and an in-process aiosmtpd (SMTP)."""
from __future__ import annotations

import asyncio
import email
import email.policy

import pytest

from connectors.base import Connector
from inbox.domain import Channel, InboundMessage, OutboundMessage, Visibility
from tests.connectors.contract import ConnectorContract
from tests.connectors.email.conftest import SmtpPeer
from tests.connectors.email.dovecot import Dovecot
from tests.connectors.email.helpers import connector, make_mail
from tests.connectors.memory_host import MemoryHost


class TestEmailContract(ConnectorContract):
    channel = Channel.EMAIL

    @pytest.fixture(autouse=True)
    def _peers(self, dovecot: Dovecot, smtp_server: SmtpPeer) -> None:
        self.dovecot = dovecot
        self.smtp = smtp_server

    async def make_connector(self, host: MemoryHost, *, bad_credentials: bool = False) -> Connector:
        if bad_credentials:
            return connector(self.dovecot, host, self.smtp, imap={"password": "wrong-password"})
        return connector(self.dovecot, host, self.smtp)

    async def inject_inbound(self, text: str) -> None:
        await asyncio.to_thread(self.dovecot.append, make_mail(text))

    def outbound_for(self, received: InboundMessage, text: str) -> OutboundMessage:
        return OutboundMessage(
            idempotency_key=f"reply-{received.provider_id}",
            connector=received.connector,
            channel=Channel.EMAIL,
            thread_key=received.thread_key,
            visibility=Visibility.PRIVATE,
            recipient=received.sender,
            text=text,
            ticket="#10001",
            subject=received.subject,
            in_reply_to=received.provider_id,
            references=received.thread_hints,
        )

    async def sent_texts(self) -> list[str]:
        texts = []
        for raw in self.smtp.handler.received:
            mail = email.message_from_bytes(raw, policy=email.policy.default)
            texts.append(mail.get_body(("plain",)).get_content())
        return texts
