"""One wrapper around each site adapter that tells its observers how every call went.

Why: the circuit breaker (`SiteReachability`) and the dashboard's site board (`SiteBoard`) both need each call's
outcome. Each used to wrap every `CatalogPort` method itself, so the adapter was wrapped twice and the two copies
had to agree by hand on which methods say something about the site. Now this wrapper says once what happened and
which method it was; each observer decides what that means to it. Only the gate (the breaker) may refuse a call
before it reaches the site; a refused call is told to the observers like any other.

Observers are bookkeeping: one that raises is logged and skipped, so it can neither change the caller's answer or
error nor keep the observers after it from hearing of the call. A cancelled call (asyncio.CancelledError is not an
Exception) is told to no one: it says nothing about the site.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypeVar

from anibridge.ports.errors import SiteUnreachable

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import Site
    from anibridge.ports.catalog import (
        CatalogPort,
        EpisodeDetail,
        EpisodeListing,
        HosterLink,
        NewEpisode,
        SeriesDetail,
        SeriesEntry,
    )

log = logging.getLogger(__name__)

_T = TypeVar("_T")


class Outcome(StrEnum):
    ANSWERED = "answered"
    FAILED = "failed"  # the adapter raised; `SiteCall.error` holds what it raised
    REFUSED = "refused"  # the gate kept the call from the site; `SiteCall.error` is what the caller got


@dataclass(frozen=True, slots=True)
class SiteCall:
    """One finished call: which site, which `CatalogPort` method, how it ended."""

    site: Site
    method: str
    outcome: Outcome
    error: Exception | None = None

    @property
    def proves_contact(self) -> bool:
        """`index()` may be answered from the cache while the site is down, so only its failures say anything."""
        return self.method != "index"

    @property
    def follows_hoster_link(self) -> bool:
        """`embed_url()` follows a redirect towards a hoster: a gate met there guards the link, not the site."""
        return self.method == "embed_url"


class CallObserver(Protocol):
    def observe(self, call: SiteCall) -> None: ...


class CallGate(Protocol):
    def blocked(self, site: Site) -> str | None:
        """Why a call to `site` must not be made now (it becomes SiteUnreachable), or None to let it through."""
        ...


class ObservedCatalog:
    """A `CatalogPort` that asks its gate before each call and tells every observer, in order, how it ended."""

    def __init__(self, inner: CatalogPort, observers: Sequence[CallObserver], gate: CallGate | None = None) -> None:
        self._inner = inner  # the name `_inner` is how wiring finds the adapter's SiteHttp under its wrappers
        self._observers = tuple(observers)
        self._gate = gate

    @property
    def site(self) -> Site:
        return self._inner.site

    async def _call(self, method: str, call: Callable[[], Awaitable[_T]]) -> _T:
        site = self._inner.site
        refused = self._gate.blocked(site) if self._gate is not None else None
        if refused is not None:
            error = SiteUnreachable(refused)
            self._tell(SiteCall(site, method, Outcome.REFUSED, error))
            raise error
        try:
            result = await call()
        except Exception as ex:
            self._tell(SiteCall(site, method, Outcome.FAILED, ex))
            raise
        self._tell(SiteCall(site, method, Outcome.ANSWERED))
        return result

    def _tell(self, call: SiteCall) -> None:
        for observer in self._observers:
            try:
                observer.observe(call)
            except Exception:
                log.exception("%s failed to record %s %s (%s)", type(observer).__name__, call.site, call.method,
                              call.outcome)

    async def index(self) -> Sequence[SeriesEntry]:
        return await self._call("index", self._inner.index)

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        return await self._call("search", lambda: self._inner.search(query))

    async def series(self, slug: str) -> SeriesDetail:
        return await self._call("series", lambda: self._inner.series(slug))

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        return await self._call("season", lambda: self._inner.season(slug, season))

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        return await self._call("episode", lambda: self._inner.episode(slug, season, episode))

    async def embed_url(self, link: HosterLink) -> str:
        return await self._call("embed_url", lambda: self._inner.embed_url(link))

    async def new_episodes(self) -> Sequence[NewEpisode]:
        return await self._call("new_episodes", self._inner.new_episodes)


def observe_catalogs(catalogs: Mapping[Site, CatalogPort], observers: Sequence[CallObserver],
                     gate: CallGate | None = None) -> dict[Site, CatalogPort]:
    return {site: ObservedCatalog(catalog, observers, gate) for site, catalog in catalogs.items()}
