"""A small TTL map for the use cases' in-memory caches (negative results, page listings, probe groups).

Why one class: each cache needs the same three rules — expiry on the Clock port's monotonic time (so tests
drive it with a fake clock), lookups that can hold `None` as a real cached value, and a bound so a server that
runs for months does not grow one entry per show it was ever asked about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from anibridge.ports.system import Clock

K = TypeVar("K")
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    def __init__(self, clock: Clock, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._max = max(1, max_entries)
        self._items: dict[K, tuple[float, V]] = {}

    def lookup(self, key: K) -> tuple[V] | None:
        """`(value,)` while fresh, None when absent or expired (a 1-tuple so None can be a cached value)."""
        hit = self._items.get(key)
        if hit is None:
            return None
        if hit[0] <= self._clock.monotonic():
            del self._items[key]
            return None
        return (hit[1],)

    def put(self, key: K, value: V, ttl: float) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock.monotonic() + ttl, value)
        if len(self._items) > self._max:
            self._evict()

    def _evict(self) -> None:
        now = self._clock.monotonic()
        for key in [k for k, (deadline, _) in self._items.items() if deadline <= now]:
            del self._items[key]
        while len(self._items) > self._max:  # still full of fresh entries: drop the oldest insertions
            del self._items[next(iter(self._items))]

    def __len__(self) -> int:
        return len(self._items)
