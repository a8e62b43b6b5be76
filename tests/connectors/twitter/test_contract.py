"""The shared connector contract, run against the local X API v2 stand-in."""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from connectors.base import Connector
from connectors.twitter import TwitterConnector
from inbox.domain import Channel, InboundMessage, OutboundMessage
from tests.connectors.contract import ConnectorContract
from tests.connectors.memory_host import MemoryHost
from tests.connectors.twitter.conftest import CUSTOMER_ID, make_config
from tests.connectors.twitter.standin import XStandin

_turns = itertools.count(1)


class TestTwitterContract(ConnectorContract):
    channel = Channel.TWITTER

    @pytest.fixture(autouse=True)
    async def _peer(self, standin: XStandin) -> AsyncIterator[None]:
        self.standin = standin
        yield

    async def make_connector(self, host: MemoryHost, *, bad_credentials: bool = False) -> Connector:
        overrides = {"access_token_secret": "wrong-secret"} if bad_credentials else {}
        return TwitterConnector("x-support", make_config(self.standin, **overrides), host)

    async def inject_inbound(self, text: str) -> None:
        # Alternate channels across the suite so the contract runs over public mentions and DMs.
        if next(_turns) % 2 == 0:
            self.standin.add_dm(text, CUSTOMER_ID)
        else:
            self.standin.add_mention(text, CUSTOMER_ID)

    def outbound_for(self, received: InboundMessage, text: str) -> OutboundMessage:
        return OutboundMessage(
            idempotency_key=f"reply-{received.provider_id}",
            connector=received.connector,
            channel=received.channel,
            thread_key=received.thread_key,
            visibility=received.visibility,
            recipient=received.sender,
            text=text,
            ticket="#10001",
            in_reply_to=received.provider_id,
        )

    async def sent_texts(self) -> list[str]:
        return [t["text"] for t in self.standin.sent_tweets] + [d["text"] for d in self.standin.sent_dms]
