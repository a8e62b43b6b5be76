"""Spacing calls to one X endpoint so we stay inside its published window, and honouring what X tells us.

X meters per endpoint and per user in fixed 15-minute windows; we keep a sliding record of our own calls
(so a restart mid-window is the only way to overshoot, and then X's headers take over).
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from connectors.twitter.config import RateWindow
from connectors.twitter.transport import RateHeaders


class CallPacer:
    def __init__(self, window: RateWindow, clock: Callable[[], float] = time.time) -> None:
        self._window = window
        self._clock = clock
        self._calls: deque[float] = deque()
        self._blocked_until = 0.0

    def next_allowed(self) -> float:
        """Epoch seconds at which the next call may be made (now or earlier means: go)."""
        now = self._clock()
        while self._calls and self._calls[0] <= now - self._window.seconds:
            self._calls.popleft()
        ours = self._calls[0] + self._window.seconds if len(self._calls) >= self._window.requests else now
        return max(ours, self._blocked_until)

    def wait_seconds(self) -> float:
        return max(0.0, self.next_allowed() - self._clock())

    def record_call(self) -> None:
        self._calls.append(self._clock())

    def observe(self, rate: RateHeaders) -> None:
        """X says how many calls are left; none left means nothing before its reset time."""
        if rate.remaining is not None and rate.remaining <= 0 and rate.reset is not None:
            self._blocked_until = max(self._blocked_until, rate.reset)

    def block_until(self, epoch_seconds: float) -> None:
        self._blocked_until = max(self._blocked_until, epoch_seconds)
