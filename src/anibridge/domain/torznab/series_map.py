"""Site show → TVDB show (SkyHook), cached: the title and ids every item of that show carries.

Why: Sonarr's RSS sync matches a release to a series by its title (or an alias it knows) and by `tvdbid`. The
sites list many shows under their German title (s.to: `Haus des Geldes` for *Money Heist*), which is no alias in
Sonarr, so an item titled after the site never matched. Searches had the TVDB title through the query text;
RSS items had nothing. Every item now goes through this map.

How a show is mapped, most reliable first:
1. the IMDb id its page links to, looked up on SkyHook (`imdb:tt…`): exact, language-independent;
2. the site title, its alternative titles and any extra titles (a search's query text), by title similarity.
The answer — including "no mapping" — is cached per (site, slug), so a feed of 100 items costs one page and one
SkyHook lookup per show per day, and concurrent requests for one show share one lookup. Only when no mapping
exists does an item keep the site's title.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import Site
from anibridge.domain.kit.single_flight import SingleFlight
from anibridge.domain.kit.ttl_map import ExpiringMap
from anibridge.domain.torznab.request import ExternalIds
from anibridge.ports.errors import PortError

if TYPE_CHECKING:
    from anibridge.domain.torznab.shows import ShowLookup
    from anibridge.ports.catalog import CatalogPort
    from anibridge.ports.metadata import Show
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)

MAPPED_TTL = 24 * 3600.0
"""A found mapping is stable (a show does not change its TVDB id); a day keeps SkyHook's episode list fresh."""
UNMAPPED_TTL = 3600.0
MAX_REVERSE = 5000
"""No mapping (or a failed lookup) is retried after an hour: SkyHook may have been down, the page may gain an id."""


class SeriesShowMap:
    def __init__(self, shows: ShowLookup, catalogs: Mapping[Site, CatalogPort], clock: Clock) -> None:
        self._shows = shows
        self._catalogs = catalogs
        self._cache: ExpiringMap[tuple[Site, str], Show | None] = ExpiringMap(clock, max_entries=5000)
        self._flight: SingleFlight[tuple[Site, str], Show | None] = SingleFlight()
        # TVDB id → site shows mapped to it: an id search (`tvdbid=`) finds a show whose site title no TVDB title
        # or alias resembles (`Haus des Geldes`) once the show has been mapped (by RSS sync or a title search).
        self._by_tvdb: dict[int, dict[tuple[Site, str], str]] = {}

    def mapped_to(self, tvdb_id: int) -> list[tuple[Site, str, str]]:
        """(site, slug, site title) of every site show known to map to `tvdb_id`."""
        return [(site, slug, title) for (site, slug), title in self._by_tvdb.get(tvdb_id, {}).items()]

    def cached(self, site: Site, slug: str) -> tuple[Show | None] | None:
        """`(show,)` / `(None,)` when the mapping is known, None when it was never looked up (or expired)."""
        return self._cache.lookup((site, slug))

    async def show(self, site: Site, slug: str, title: str, *extra_titles: str) -> Show | None:
        """The TVDB show of the site's show `slug`; None when none maps (the item then keeps the site title)."""
        hit = self._cache.lookup((site, slug))
        if hit is not None:
            return hit[0]
        return await self._flight.do((site, slug), lambda: self._map(site, slug, title, extra_titles))

    async def _map(self, site: Site, slug: str, title: str, extra_titles: tuple[str, ...]) -> Show | None:
        imdb, alt_titles, failed = await self._page_ids(site, slug)
        show = None
        if imdb:
            show = await self._shows.by_ids(ExternalIds(imdb=imdb))
        if show is None:
            show = await self._shows.by_title(title, *alt_titles, *extra_titles)
        # A page that failed to load leaves the question open: remember it only briefly, like "no mapping".
        self._cache.put((site, slug), show, MAPPED_TTL if show is not None and not failed else UNMAPPED_TTL)
        if show is not None and show.tvdb_id > 0:
            if len(self._by_tvdb) >= MAX_REVERSE and show.tvdb_id not in self._by_tvdb:
                self._by_tvdb.pop(next(iter(self._by_tvdb)))
            self._by_tvdb.setdefault(show.tvdb_id, {})[(site, slug)] = title
        return show

    async def _page_ids(self, site: Site, slug: str) -> tuple[str | None, tuple[str, ...], bool]:
        """(IMDb digits, alternative titles, page failed) from the show's page."""
        catalog = self._catalogs.get(site)
        if catalog is None:
            return None, (), False
        try:
            detail = await catalog.series(slug)
        except PortError as ex:
            log.info("%s page of %s unavailable for the TVDB mapping: %s", site.value, slug, ex)
            return None, (), True
        return imdb_digits(detail.imdb_id), tuple(detail.alt_titles), False


def imdb_digits(imdb: str | None) -> str | None:
    """`tt0903747` → `0903747`; None for anything that is not an IMDb title id."""
    if not imdb:
        return None
    digits = imdb.strip().lower().removeprefix("tt")
    return digits if digits.isdigit() else None
