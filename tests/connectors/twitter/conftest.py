from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors.twitter import TwitterConfig, TwitterConnector
from tests.connectors.memory_host import MemoryHost
from tests.connectors.twitter.standin import XStandin

CUSTOMER_ID = "2244994945"
CUSTOMER_HANDLE = "alice_wallet"


def make_config(standin: XStandin, **overrides: Any) -> TwitterConfig:
    c = standin.credentials
    settings: dict[str, Any] = {
        "type": "twitter",
        "api_base": standin.base_url,
        "consumer_key": c.consumer_key,
        "consumer_secret": c.consumer_secret,
        "access_token": c.access_token,
        "access_token_secret": c.access_token_secret,
        "bearer_token": c.bearer_token,
        "poll_interval": 0.05,
        # Roomy windows so tests that are not about pacing are not paced.
        "dm_events_rate": {"requests": 10_000, "seconds": 900},
        "mentions_rate": {"requests": 10_000, "seconds": 900},
    }
    settings.update(overrides)
    return TwitterConfig.model_validate(settings)


@pytest.fixture
async def standin() -> AsyncIterator[XStandin]:
    peer = XStandin()
    peer.add_user(CUSTOMER_ID, CUSTOMER_HANDLE, "Alice")
    await peer.start()
    yield peer
    await peer.stop()


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


@pytest.fixture
async def connector(standin: XStandin, host: MemoryHost) -> AsyncIterator[TwitterConnector]:
    conn = TwitterConnector("x-support", make_config(standin), host)
    yield conn
    await conn.stop()
