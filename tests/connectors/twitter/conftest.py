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


def unpaced(standin: XStandin) -> XStandin:
    """The stand-in meters reads like X (300 DM reads, 180/450 mention reads per 15 minutes); a flow test polls every
    50 ms (make_config), which spends such a window in seconds, and more so on a loaded machine, after which the
    connector rightly waits out the 15 minutes. Flow tests that are not about pacing widen the stand-in's read
    windows to match make_config's client-side ones."""
    for bucket in ("dm_events", "mentions", "mentions_app"):
        standin.windows[bucket] = (10_000, 900.0)
    return standin


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
