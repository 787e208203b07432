"""The circuit breaker: a site that failed is refused until its retry time, which doubles while it keeps failing;
gates in front of the whole site count as unreachable, SerienStream's redirect verification does not."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.observed import ObservedCatalog
from anibridge.domain.catalog.reachability import SiteReachability
from anibridge.ports.catalog import NewEpisode
from anibridge.ports.errors import GateKind, NotFound, SiteGated, SiteUnavailable, SiteUnreachable
from tests.fakes import FakeClock

pytestmark = pytest.mark.anyio


class ScriptedCatalog:
    """Answers `new_episodes` from a script of results/exceptions; counts the calls that reached it."""

    site = Site.ANIWORLD

    def __init__(self, *script: object) -> None:
        self.script = list(script)
        self.calls = 0

    async def new_episodes(self) -> Sequence[NewEpisode]:
        self.calls += 1
        step = self.script.pop(0) if self.script else []
        if isinstance(step, Exception):
            raise step
        return []


def _guarded(catalog: ScriptedCatalog) -> tuple[ObservedCatalog, SiteReachability, FakeClock]:
    clock = FakeClock()
    reach = SiteReachability([Site.ANIWORLD, Site.STO], base_retry=10, max_retry=300, monotonic=clock.monotonic,
                             now=clock.now)
    return ObservedCatalog(catalog, [reach], gate=reach), reach, clock  # type: ignore[arg-type]


async def test_a_failed_site_is_not_asked_again_until_its_retry_time_which_doubles() -> None:
    down = SiteUnavailable("aniworld.to: GET https://aniworld.to/ failed: ConnectError: Name or service not known")
    catalog = ScriptedCatalog(down, down, [])
    guarded, reach, clock = _guarded(catalog)
    with pytest.raises(SiteUnavailable):
        await guarded.new_episodes()
    for _ in range(50):  # every RSS poll within the retry time: refused at once, the site is not contacted
        with pytest.raises(SiteUnreachable, match=r"aniworld.to unreachable: GET .* Name or service not known"):
            await guarded.new_episodes()
    assert catalog.calls == 1 and reach.down(Site.ANIWORLD) and reach.none_answering()
    clock.advance(10)
    with pytest.raises(SiteUnavailable):  # retry time reached: asked once more, fails again
        await guarded.new_episodes()
    clock.advance(10)
    with pytest.raises(SiteUnreachable):  # now 20 s
        await guarded.new_episodes()
    clock.advance(10)
    assert await guarded.new_episodes() == [] and catalog.calls == 3
    assert not reach.down(Site.ANIWORLD) and not reach.none_answering()
    [status] = [s for s in reach.statuses() if s.site == "aniworld.to"]
    assert status.up and status.last_result == "ok" and status.last_contact == clock.now()


async def test_answers_that_are_not_outages_keep_the_site_up() -> None:
    verification = SiteGated("aniworld.to", GateKind.VERIFICATION, detail="turnstile")
    catalog = ScriptedCatalog(NotFound("aniworld.to: HTTP 404"), verification, [])
    guarded, reach, _clock = _guarded(catalog)
    for error in (NotFound, SiteGated):
        with pytest.raises(error):
            await guarded.new_episodes()
        assert not reach.down(Site.ANIWORLD)


async def test_a_dns_block_gate_marks_the_site_unreachable() -> None:
    catalog = ScriptedCatalog(SiteGated("aniworld.to", GateKind.DNS_BLOCK))
    guarded, reach, _clock = _guarded(catalog)
    with pytest.raises(SiteGated):
        await guarded.new_episodes()
    assert reach.down(Site.ANIWORLD) and "blocked by your DNS resolver" in reach.cause(Site.ANIWORLD)
    assert reach.unreachable_message().startswith("aniworld.to unreachable: blocked by your DNS resolver")
