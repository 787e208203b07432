"""ExpiringMap: expiry on the injected clock, None as a cacheable value, and a size bound."""

from __future__ import annotations

from datetime import UTC, datetime

from anibridge.domain.kit.ttl_map import ExpiringMap
from tests.fakes import FakeClock


def test_values_expire_on_the_injected_clock_and_none_is_a_value() -> None:
    clock = FakeClock(datetime.fromtimestamp(100, UTC), mono=100.0)
    cache: ExpiringMap[str, int | None] = ExpiringMap(clock)
    cache.put("a", None, ttl=10)
    assert cache.lookup("a") == (None,)
    assert cache.lookup("missing") is None
    clock.advance(10.5)
    assert cache.lookup("a") is None
    assert len(cache) == 0


def test_bound_drops_expired_then_oldest_entries() -> None:
    clock = FakeClock(datetime.fromtimestamp(100, UTC), mono=100.0)
    cache: ExpiringMap[int, int] = ExpiringMap(clock, max_entries=3)
    cache.put(1, 1, ttl=1)
    cache.put(2, 2, ttl=100)
    clock.advance(2)
    cache.put(3, 3, ttl=100)
    cache.put(4, 4, ttl=100)  # over the bound: the expired 1 goes first
    assert cache.lookup(1) is None and cache.lookup(2) == (2,)
    cache.put(5, 5, ttl=100)  # all fresh: the oldest insertion (2) goes
    assert cache.lookup(2) is None
    assert [cache.lookup(k) for k in (3, 4, 5)] == [(3,), (4,), (5,)]
