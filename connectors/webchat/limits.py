"""Abuse limits of the in-app chat: how fast one customer may send, how many sockets one customer and one client
address may hold open, how many new anonymous visitors one address may create.

All state is in memory and per process (a restart forgets it, which only ever makes a limit more lenient). Buckets
take an injectable clock so tests count events instead of waiting.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455 registry: "Try Again Later"; the reason text says which limit
CLOSE_POLICY_VIOLATION = 1008  # a client that ignores the rate's error frames


class ChatLimits(BaseModel):
    """`limits:` of a webchat connector. Rates are per minute on average; a burst is how many may come at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    messages_per_minute: int = Field(30, ge=1, description="messages one customer (user id or visitor) may send a minute")
    message_burst: int = Field(10, ge=1, description="messages one customer may send at once before the rate applies")
    sockets_per_identity: int = Field(5, ge=1, description="open chat sockets per customer (tabs, devices)")
    sockets_per_address: int = Field(50, ge=1, description="open chat sockets per client address (many customers "
                                                            "can share one address behind a carrier's NAT)")
    visitors_per_minute: int = Field(10, ge=1, description="new anonymous visitors one client address may start a minute")
    visitor_burst: int = Field(20, ge=1, description="new anonymous visitors one client address may start at once")
    refusals_before_close: int = Field(50, ge=1, description="a socket that goes on sending after this many of its "
                                                             "messages in a row were refused for the rate is closed")


class Buckets:
    """Token buckets by key: `per_minute` tokens refill a minute, at most `burst` saved up."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._prune_above = max_keys

    def take(self, key: str) -> float:
        """0 when allowed (a token is used); otherwise the seconds until one is available (nothing is used)."""
        now = self.clock()
        tokens, then = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._state[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._state[key] = (tokens - 1.0, now)
        if len(self._state) > self._prune_above:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        # A key whose bucket has refilled is the same as an unknown key: forget it, so memory follows activity.
        full = [k for k, (tokens, then) in self._state.items() if tokens + (now - then) * self.rate >= self.burst]
        for key in full:
            del self._state[key]
        self._prune_above = max(self._prune_above, 2 * len(self._state))


class ChatLimiter:
    """The limits of one webchat connector."""

    def __init__(self, limits: ChatLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.messages = Buckets(limits.messages_per_minute, limits.message_burst, clock)
        self.visitors = Buckets(limits.visitors_per_minute, limits.visitor_burst, clock)
        self._by_identity: Counter[str] = Counter()
        self._by_address: Counter[str] = Counter()

    def open_socket(self, identity: str, address: str) -> str | None:
        """Count a new socket; returns why it is refused (then nothing is counted), or None."""
        if self._by_identity[identity] >= self.limits.sockets_per_identity:
            return f"too many open chat connections for this customer (at most {self.limits.sockets_per_identity})"
        if self._by_address[address] >= self.limits.sockets_per_address:
            return f"too many open chat connections from this address (at most {self.limits.sockets_per_address})"
        self._by_identity[identity] += 1
        self._by_address[address] += 1
        return None

    def close_socket(self, identity: str, address: str) -> None:
        for counts, key in ((self._by_identity, identity), (self._by_address, address)):
            counts[key] -= 1
            if counts[key] <= 0:
                del counts[key]

    def open_sockets(self, identity: str) -> int:
        return self._by_identity[identity]


def retry_after(seconds: float) -> int:
    """Whole seconds for a Retry-After header or an error frame (never 0: "now" would invite a busy loop)."""
    return max(1, math.ceil(seconds))
