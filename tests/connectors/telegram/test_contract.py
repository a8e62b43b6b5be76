"""The shared connector contract, against the Bot API stand-in."""
from __future__ import annotations

import pytest

from connectors.base import Connector
from connectors.telegram import TelegramConfig, TelegramConnector
from inbox.domain import Channel, InboundMessage, OutboundMessage
from tests.connectors.contract import ConnectorContract
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.conftest import ALICE
from tests.connectors.telegram.standin import BotApiStandIn, TgChat


class TestTelegramContract(ConnectorContract):
    channel = Channel.TELEGRAM

    @pytest.fixture(autouse=True)
    async def _standin(self):
        self.standin = BotApiStandIn()
        await self.standin.start()
        yield
        await self.standin.stop()

    async def make_connector(self, host: MemoryHost, *, bad_credentials: bool = False) -> Connector:
        # A host without a checkpoint stands for a restart that lost it. Telegram only hands an update out again
        # if the confirming getUpdates never reached it (a crash right after delivery): stage exactly that.
        if not host.checkpoint:
            self.standin.unconfirm_all()
        token = "7001234567:AAFwrongwrongwrongwrongwrongwrong00" if bad_credentials else self.standin.token
        config = TelegramConfig(token=token, api_base=self.standin.base_url, poll_timeout=2)
        return TelegramConnector("wallet-bot", config, host)

    async def inject_inbound(self, text: str) -> None:
        self.standin.inject_message(TgChat.private(ALICE), ALICE, text)

    def outbound_for(self, received: InboundMessage, text: str) -> OutboundMessage:
        return OutboundMessage(
            idempotency_key=f"reply-to-{received.provider_id}", connector=received.connector,
            channel=Channel.TELEGRAM, thread_key=received.thread_key, visibility=received.visibility,
            recipient=received.sender, text=text, ticket="#10001", in_reply_to=received.provider_id,
        )

    async def sent_texts(self) -> list[str]:
        return self.standin.sent_texts()
