"""Which catalogue sites answer: every real request's outcome, recorded as it passes, with no extra traffic.

`ObservedCatalog` wraps a `CatalogPort` and tells the `SiteBoard` whether each call reached the site. The board
is what the dashboard shows (last contact, failing since, the last error) and what the alert watch reads to say
"s.to unreachable for 10 minutes" and, later, "s.to is back".
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from anibridge.domain.catalog.identity import Site
from anibridge.ports.errors import ChallengeRequired, NotFound, SiteUnavailable

if TYPE_CHECKING:
    from anibridge.ports.catalog import (
        CatalogPort,
        EpisodeDetail,
        EpisodeListing,
        HosterLink,
        NewEpisode,
        SeriesDetail,
        SeriesEntry,
    )
    from anibridge.ports.system import Clock

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """One site as last seen. `failing_since` is monotonic seconds (None while the site answers)."""

    site: Site
    last_contact: datetime | None = None
    last_failure: datetime | None = None
    failing_since: float | None = None
    last_error: str | None = None
    challenged: bool = False

    @property
    def state(self) -> str:
        """ok / down / unknown (never asked yet), the words the dashboard and /health use."""
        if self.failing_since is not None:
            return "down"
        return "ok" if self.last_contact is not None else "unknown"


class SiteBoard:
    """Thread-safe record of each site's outcomes (requests run on the event loop and in worker threads)."""

    def __init__(self, clock: Clock, sites: Sequence[Site] = ()) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._status: dict[Site, SiteStatus] = {site: SiteStatus(site) for site in sites}

    def reached(self, site: Site) -> None:
        with self._lock:
            current = self._status.get(site, SiteStatus(site))
            self._status[site] = replace(current, last_contact=self._clock.now(), failing_since=None,
                                         challenged=False)

    def failed(self, site: Site, error: str, challenged: bool = False) -> None:
        with self._lock:
            current = self._status.get(site, SiteStatus(site))
            since = current.failing_since if current.failing_since is not None else self._clock.monotonic()
            self._status[site] = replace(current, last_failure=self._clock.now(), failing_since=since,
                                         last_error=error[:300], challenged=challenged)

    def snapshot(self) -> list[SiteStatus]:
        with self._lock:
            return list(self._status.values())

    def down_for(self, status: SiteStatus) -> float:
        """Seconds the site has been failing (0 when it answers)."""
        if status.failing_since is None:
            return 0.0
        return max(0.0, self._clock.monotonic() - status.failing_since)


class ObservedCatalog:
    """A `CatalogPort` that reports every call's outcome to a `SiteBoard` and otherwise changes nothing.

    NotFound means the site answered (it is up); SiteUnavailable and ChallengeRequired mean it did not. A
    successful `index()` says nothing (it may be served from the cache while the site is down), a failed one does.
    """

    def __init__(self, inner: CatalogPort, board: SiteBoard) -> None:
        self._inner = inner
        self._board = board

    @property
    def site(self) -> Site:
        return self._inner.site

    async def _observe(self, call: Callable[[], Awaitable[T]], counts_as_contact: bool = True) -> T:
        try:
            result = await call()
        except NotFound:
            self._board.reached(self._inner.site)
            raise
        except ChallengeRequired as ex:
            self._board.failed(self._inner.site, f"challenge: {ex}", challenged=True)
            raise
        except SiteUnavailable as ex:
            self._board.failed(self._inner.site, str(ex) or type(ex).__name__)
            raise
        if counts_as_contact:
            self._board.reached(self._inner.site)
        return result

    async def index(self) -> Sequence[SeriesEntry]:
        return await self._observe(self._inner.index, counts_as_contact=False)

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        return await self._observe(lambda: self._inner.search(query))

    async def series(self, slug: str) -> SeriesDetail:
        return await self._observe(lambda: self._inner.series(slug))

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        return await self._observe(lambda: self._inner.season(slug, season))

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        return await self._observe(lambda: self._inner.episode(slug, season, episode))

    async def embed_url(self, link: HosterLink) -> str:
        return await self._observe(lambda: self._inner.embed_url(link))

    async def new_episodes(self) -> Sequence[NewEpisode]:
        return await self._observe(self._inner.new_episodes)
