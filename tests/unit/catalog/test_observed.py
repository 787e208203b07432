"""The one observing wrapper around a site adapter: every port method passes through unchanged and is told to
each observer in order; the gate may refuse a call before it reaches the site; an observer that raises changes
nothing for the caller or the other observers; a cancelled call is told to no one. Last, the circuit breaker and
the site board behind one wrapper see each kind of outcome as they did when each had a wrapper of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from anibridge.domain.alerts.sites import SiteBoard
from anibridge.domain.catalog.identity import Language, Site
from anibridge.domain.catalog.observed import CallObserver, ObservedCatalog, Outcome, SiteCall
from anibridge.domain.catalog.reachability import SiteReachability
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import GateKind, NotFound, SiteGated, SiteUnavailable, SiteUnreachable
from tests.fakes import FakeClock

pytestmark = pytest.mark.anyio

LINK = HosterLink("VOE", Language.GERMAN_DUB, "https://s.to/r/1")


class EchoCatalog:
    """Answers each method with its name and arguments, or raises `error`; `hold` makes calls wait for ever."""

    site = Site.STO

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.hold = False
        self.started = asyncio.Event()
        self.calls: list[tuple[object, ...]] = []

    async def _answer(self, *call: object) -> tuple[object, ...]:
        self.calls.append(call)
        self.started.set()
        if self.hold:
            await asyncio.Event().wait()
        if self.error is not None:
            raise self.error
        return call

    async def index(self) -> object:
        return await self._answer("index")

    async def search(self, query: str) -> object:
        return await self._answer("search", query)

    async def series(self, slug: str) -> object:
        return await self._answer("series", slug)

    async def season(self, slug: str, season: int) -> object:
        return await self._answer("season", slug, season)

    async def episode(self, slug: str, season: int, episode: int) -> object:
        return await self._answer("episode", slug, season, episode)

    async def embed_url(self, link: HosterLink) -> object:
        return await self._answer("embed_url", link)

    async def new_episodes(self) -> object:
        return await self._answer("new_episodes")


class Recorder:
    def __init__(self, name: str, heard: list[tuple[str, SiteCall]]) -> None:
        self.name = name
        self.heard = heard

    def observe(self, call: SiteCall) -> None:
        self.heard.append((self.name, call))


class Exploding:
    def observe(self, call: SiteCall) -> None:
        raise RuntimeError("observer broke")


class Gate:
    def __init__(self, reason: str | None) -> None:
        self.reason = reason
        self.asked: list[Site] = []

    def blocked(self, site: Site) -> str | None:
        self.asked.append(site)
        return self.reason


def _wrapped(*observers: CallObserver, gate: Gate | None = None) -> tuple[ObservedCatalog, EchoCatalog]:
    inner = EchoCatalog()
    return ObservedCatalog(inner, observers, gate), inner  # type: ignore[arg-type]


CALLS: list[tuple[str, Callable[[ObservedCatalog], Coroutine[Any, Any, object]], tuple[object, ...]]] = [
    ("index", lambda c: c.index(), ()),
    ("search", lambda c: c.search("dark"), ("dark",)),
    ("series", lambda c: c.series("dark"), ("dark",)),
    ("season", lambda c: c.season("dark", 2), ("dark", 2)),
    ("episode", lambda c: c.episode("dark", 2, 3), ("dark", 2, 3)),
    ("embed_url", lambda c: c.embed_url(LINK), (LINK,)),
    ("new_episodes", lambda c: c.new_episodes(), ()),
]


@pytest.mark.parametrize(("method", "call", "args"), CALLS, ids=[name for name, _, _ in CALLS])
async def test_every_port_method_passes_through_and_is_told_under_its_name(
        method: str, call: Callable[[ObservedCatalog], Coroutine[Any, Any, object]], args: tuple[object, ...]) -> None:
    heard: list[tuple[str, SiteCall]] = []
    catalog, inner = _wrapped(Recorder("one", heard), gate=Gate(None))
    assert await call(catalog) == (method, *args)
    assert inner.calls == [(method, *args)]
    assert heard == [("one", SiteCall(Site.STO, method, Outcome.ANSWERED))]
    assert catalog.site is Site.STO


async def test_a_failure_is_told_to_every_observer_in_order_and_reaches_the_caller_unchanged() -> None:
    heard: list[tuple[str, SiteCall]] = []
    catalog, inner = _wrapped(Recorder("breaker", heard), Recorder("board", heard))
    inner.error = SiteUnavailable("s.to: HTTP 502")
    with pytest.raises(SiteUnavailable) as raised:
        await catalog.search("dark")
    assert raised.value is inner.error
    failed = SiteCall(Site.STO, "search", Outcome.FAILED, inner.error)
    assert heard == [("breaker", failed), ("board", failed)]


async def test_a_refused_call_never_reaches_the_site_and_is_told_with_the_error_the_caller_got() -> None:
    heard: list[tuple[str, SiteCall]] = []
    gate = Gate("s.to unreachable: HTTP 502 (next try in 10 s)")
    catalog, inner = _wrapped(Recorder("one", heard), gate=gate)
    with pytest.raises(SiteUnreachable, match=r"^s\.to unreachable: HTTP 502 \(next try in 10 s\)$") as raised:
        await catalog.new_episodes()
    assert inner.calls == [] and gate.asked == [Site.STO]
    assert heard == [("one", SiteCall(Site.STO, "new_episodes", Outcome.REFUSED, raised.value))]


async def test_a_raising_observer_changes_nothing_for_the_caller_or_the_observers_after_it(
        caplog: pytest.LogCaptureFixture) -> None:
    heard: list[tuple[str, SiteCall]] = []
    catalog, inner = _wrapped(Exploding(), Recorder("after", heard))
    answer: object = await catalog.search("dark")
    assert answer == ("search", "dark")
    inner.error = NotFound("s.to: HTTP 404")
    with pytest.raises(NotFound) as raised:  # the site's error, not the observer's RuntimeError
        await catalog.series("gone")
    assert raised.value is inner.error
    assert [call.outcome for _, call in heard] == [Outcome.ANSWERED, Outcome.FAILED]
    failures = [r for r in caplog.records if r.name == "anibridge.domain.catalog.observed"]
    assert len(failures) == 2 and "Exploding" in failures[0].getMessage()
    assert failures[0].exc_info is not None and isinstance(failures[0].exc_info[1], RuntimeError)


async def test_a_cancelled_call_is_told_to_no_observer() -> None:
    heard: list[tuple[str, SiteCall]] = []
    catalog, inner = _wrapped(Recorder("one", heard))
    inner.hold = True
    task = asyncio.create_task(catalog.search("dark"))
    await inner.started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert heard == []


def _breaker_and_board() -> tuple[ObservedCatalog, EchoCatalog, SiteReachability, SiteBoard, FakeClock]:
    clock = FakeClock()
    reach = SiteReachability([Site.STO], base_retry=10, max_retry=300, monotonic=clock.monotonic, now=clock.now)
    board = SiteBoard(clock, [Site.STO])
    inner = EchoCatalog()
    return ObservedCatalog(inner, [reach, board], gate=reach), inner, reach, board, clock  # type: ignore[arg-type]


async def test_breaker_and_board_behind_one_wrapper_read_each_outcome_as_before() -> None:
    catalog, inner, reach, board, clock = _breaker_and_board()
    await catalog.index()  # a cached index proves nothing to either
    assert board.snapshot()[0].state == "unknown" and reach.statuses()[0].up is None
    inner.error = SiteUnavailable("s.to: HTTP 502")
    with pytest.raises(SiteUnavailable):
        await catalog.search("dark")
    assert reach.down(Site.STO) and board.snapshot()[0].last_error == "s.to: HTTP 502"
    with pytest.raises(SiteUnreachable):  # refused: the breaker keeps its retry time, the board sees a failure
        await catalog.search("dark")
    assert reach.statuses()[0].failures == 1 and len(inner.calls) == 2
    assert board.snapshot()[0].last_error == "s.to unreachable: HTTP 502 (next try in 10 s)"
    clock.advance(10)
    inner.error = SiteGated("s.to", GateKind.DDOS_GUARD)
    with pytest.raises(SiteGated):  # a gate met following a hoster link: not an outage to the breaker
        await catalog.embed_url(LINK)
    assert reach.statuses()[0].failures == 1 and board.snapshot()[0].challenged
    inner.error = NotFound("s.to: HTTP 404")
    with pytest.raises(NotFound):  # an answer to the board; the breaker waits for a real success
        await catalog.series("gone")
    assert board.snapshot()[0].state == "ok" and reach.down(Site.STO)
    inner.error = None
    await catalog.search("dark")
    assert not reach.down(Site.STO) and board.snapshot()[0].state == "ok"
