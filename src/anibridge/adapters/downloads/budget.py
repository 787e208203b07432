"""How many hoster connections all downloads may hold at once, and a byte-rate limit shared by one download's
connections.

Every download gets its first connection before any download gets an extra one: with three workers and a total
of twelve, a third episode must not wait for the first two to finish because they took all the slots. Extra
connections are handed back between parts (parts are bounded in size), so a newcomer's first connection is
served within one part's time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ConnectionBudget:
    """A counting semaphore where `first` requests (a download's only connection) go before `extra` ones."""

    def __init__(self, total: int) -> None:
        self.total = max(1, total)
        self._in_use = 0
        self.peak_in_use = 0
        self._waiting_first = 0
        self._cond = threading.Condition()

    @property
    def in_use(self) -> int:
        with self._cond:
            return self._in_use

    @property
    def waiting_first(self) -> int:
        with self._cond:
            return self._waiting_first

    def acquire(self, first: bool, timeout: float | None = None) -> bool:
        """Take one slot; False when `timeout` (seconds) passed without one. `timeout=0` never waits."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            if first:
                self._waiting_first += 1
            try:
                while not self._free(first):
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                self._in_use += 1
                self.peak_in_use = max(self.peak_in_use, self._in_use)
                return True
            finally:
                if first:
                    self._waiting_first -= 1

    def _free(self, first: bool) -> bool:
        if self._in_use >= self.total:
            return False
        # An extra connection must leave room for every download still waiting for its first one.
        return first or self._in_use + self._waiting_first < self.total

    def release(self) -> None:
        with self._cond:
            self._in_use = max(0, self._in_use - 1)
            self._cond.notify_all()


class RateLimiter:
    """A token bucket in bytes/s shared by the connections of one download (the per-download rate limit)."""

    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._rate = float(rate)
        self._burst = max(64 * 1024.0, self._rate / 4)
        self._tokens = self._burst
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()

    def delay_for(self, size: int) -> float:
        """Spend `size` bytes of budget; the seconds the caller must wait before sending more."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
            self._stamp = now
            self._tokens -= size
            return 0.0 if self._tokens >= 0 else -self._tokens / self._rate

    def take(self, size: int) -> None:
        wait = self.delay_for(size)
        if wait > 0:
            self._sleep(wait)
