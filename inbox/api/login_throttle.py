"""Login throttle: too many failed logins for one account, or from one client address, within a window → 429.

An attempt counts as a failure from the moment it starts and is forgiven when it succeeds, so 20 concurrent wrong
guesses for one account get 5 password checks, not 20. Unknown emails are counted like real accounts: a throttle
that only applied to existing accounts would tell an attacker which ones exist.

Kept in memory, per process (no schema; a restart forgets): a small sliding window per key. No library fits this
"count failures, forgive successes" shape (rate limiters count every call), hence the few lines here.
"""
from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FailureWindow:
    """Failure times per key within `window` seconds; `limit` of them and the key is blocked until the oldest ages."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _times: dict[str, deque[float]] = field(default_factory=dict)
    _since_sweep: int = 0

    def retry_after(self, key: str) -> int:
        """0 when the key may try now, else the whole seconds until it may."""
        if self.limit <= 0:
            return 0  # throttle off
        times = self._prune(key)
        if len(times) < self.limit:
            return 0
        return max(1, math.ceil(times[0] + self.window - self.clock()))

    def add(self, key: str) -> float:
        """Record a failure (or an attempt in flight); returns its stamp, so a success can forgive exactly it."""
        stamp = self.clock()
        if self.limit > 0:
            self._times.setdefault(key, deque()).append(stamp)
            self._sweep()
        return stamp

    def forgive(self, key: str, stamp: float) -> None:
        times = self._times.get(key)
        if times is not None:
            try:
                times.remove(stamp)
            except ValueError:
                pass
            if not times:
                del self._times[key]

    def _prune(self, key: str) -> deque[float]:
        times = self._times.get(key)
        if times is None:
            return deque()
        horizon = self.clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._times[key]
        return times

    def _sweep(self) -> None:
        """Keys an attacker sprays (random emails) must not pile up: drop expired ones now and then."""
        self._since_sweep += 1
        if self._since_sweep < 1000:
            return
        self._since_sweep = 0
        for key in list(self._times):
            self._prune(key)


@dataclass
class LoginThrottle:
    per_account: FailureWindow
    per_address: FailureWindow
    _refused_until: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_limits(cls, account_limit: int, address_limit: int, window: float,
                    clock: Callable[[], float] = time.monotonic) -> LoginThrottle:
        return cls(FailureWindow(account_limit, window, clock), FailureWindow(address_limit, window, clock))

    def retry_after(self, account: str, address: str) -> int:
        return max(self.per_account.retry_after(account), self.per_address.retry_after(address))

    def begin(self, account: str, address: str) -> tuple[float, float]:
        return self.per_account.add(account), self.per_address.add(address)

    def succeeded(self, account: str, address: str, stamps: tuple[float, float]) -> None:
        self.per_account.forgive(account, stamps[0])
        self.per_address.forgive(address, stamps[1])

    def first_refusal(self, account: str, address: str, retry_after: int) -> bool:
        """True once per blocked period of whatever is blocked (the address, else the account): a flood is audited
        once, not row by row, even when it sprays a new email (or comes from a new address) with each guess."""
        now = self.per_account.clock()
        key = f"address:{address}" if self.per_address.retry_after(address) else f"account:{account}"
        if self._refused_until.get(key, 0.0) > now:
            return False
        if len(self._refused_until) > 10_000:
            self._refused_until = {k: t for k, t in self._refused_until.items() if t > now}
        self._refused_until[key] = now + retry_after
        return True
