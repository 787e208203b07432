"""Request budgets and cool-downs per site: over budget waits, a gate stops requests until its retry time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anibridge.adapters.sites.pacing import PAGE, RESOLVE, Budget, PacingOptions, SitePacer
from anibridge.ports.errors import GateKind, SiteGated

pytestmark = pytest.mark.anyio


class Time:
    def __init__(self) -> None:
        self.mono = 0.0
        self.wall = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


def _pacer(t: Time, **kw: object) -> SitePacer:
    options = PacingOptions(**kw)  # type: ignore[arg-type]
    return SitePacer("s.to", options, monotonic=lambda: t.mono, now=lambda: t.wall, sleep=t.sleep)


async def test_resolutions_over_budget_wait_their_turn() -> None:
    t = Time()
    pacer = _pacer(t, resolves=Budget(2, 60.0), max_wait=120.0)
    for _ in range(2):
        await pacer.admit(RESOLVE)
    assert t.slept == []
    await pacer.admit(RESOLVE)
    assert t.slept == [60.0]
    await pacer.admit(PAGE)  # pages have their own budget
    assert t.slept == [60.0]


async def test_unlimited_budget_never_waits() -> None:
    t = Time()
    pacer = _pacer(t, pages=Budget(0, 60.0))
    for _ in range(500):
        await pacer.admit(PAGE)
    assert t.slept == []


async def test_redirect_gate_cools_down_resolutions_only_until_its_retry_time() -> None:
    t = Time()
    pacer = _pacer(t)
    gate = SiteGated("serienstream.to", GateKind.VERIFICATION, detail="turnstile", retry_at=t.wall + timedelta(minutes=5))
    pacer.gated(gate, RESOLVE)
    await pacer.admit(PAGE)  # pages still load: searches keep working
    with pytest.raises(SiteGated, match="cooling down") as caught:
        await pacer.admit(RESOLVE)
    assert caught.value.retry_at == gate.retry_at and caught.value.kind is GateKind.VERIFICATION
    t.advance(301)
    await pacer.admit(RESOLVE)


async def test_front_gate_cools_down_everything_and_a_dns_block_nothing() -> None:
    t = Time()
    pacer = _pacer(t, cooldown_seconds=600.0)
    pacer.gated(SiteGated("serienstream.to", GateKind.DNS_BLOCK), PAGE)
    await pacer.admit(PAGE)
    pacer.gated(SiteGated("serienstream.to", GateKind.DDOS_GUARD), PAGE)  # no retry time: the cool-down's
    with pytest.raises(SiteGated):
        await pacer.admit(RESOLVE)
    t.advance(599)
    with pytest.raises(SiteGated):
        await pacer.admit(PAGE)
    t.advance(2)
    await pacer.admit(PAGE)


async def test_a_burst_of_403s_starts_a_cool_down_a_single_one_does_not() -> None:
    t = Time()
    pacer = _pacer(t, forbidden_burst=3, forbidden_window=120.0, cooldown_seconds=900.0)
    pacer.forbidden("https://serienstream.to/a")
    t.advance(200)
    pacer.forbidden("https://serienstream.to/b")
    pacer.forbidden("https://serienstream.to/c")
    await pacer.admit(PAGE)  # two in the window
    pacer.forbidden("https://serienstream.to/d")
    with pytest.raises(SiteGated, match="403 burst") as caught:
        await pacer.admit(PAGE)
    assert caught.value.retry_at == t.wall + timedelta(seconds=900)


async def test_a_wait_longer_than_max_wait_fails_without_asking_the_site() -> None:
    from anibridge.adapters.sites.pacing import BudgetSpent

    t = Time()
    pacer = _pacer(t, resolves=Budget(1, 300.0), max_wait=20.0)
    await pacer.admit(RESOLVE)
    with pytest.raises(BudgetSpent, match="rate limited") as caught:
        await pacer.admit(RESOLVE)
    assert caught.value.retry_at == t.wall + timedelta(seconds=300) and t.slept == []
    assert pacer.cooling(RESOLVE) is None  # our own budget starts no cool-down
