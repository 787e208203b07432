"""SerienStream (s.to / serienstream.to) catalogue: v2 layout first, classic layout tolerated per show.

v2 paths are `/serie/<slug>[/staffel-N[/episode-M]]`; shows still on the classic template live under
`/serie/stream/<slug>`. The adapter tries v2, falls back to the classic path on 404, parses whichever template
the page actually uses, and remembers per slug which path worked.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from anibridge.adapters.sites import classic, newest, sto_gate, v2
from anibridge.adapters.sites.html import parse
from anibridge.adapters.sites.index_cache import IndexSnapshot
from anibridge.adapters.sites.options import SiteOptions
from anibridge.adapters.sites.redirects import GatePass
from anibridge.adapters.sites.sto_account import StoAccount
from anibridge.adapters.sites.sto_gate import StoGatePass
from anibridge.adapters.sites.token_site import TokenSite
from anibridge.domain.catalog.identity import Site
from anibridge.ports.catalog import EpisodeDetail, EpisodeListing, NewEpisode, SeriesDetail, SeriesEntry
from anibridge.ports.errors import NotFound, SiteUnavailable

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

SLUG_IN_HREF = re.compile(r"/serie/(?:stream/)?([^/?#]+)/?(?:[?#].*)?$")
_SLUG_ANYWHERE = re.compile(r"/serie/(?:stream/)?([^/?#]+)")
_EPISODE_LINK = re.compile(r"/serie/(?:stream/)?(?P<slug>[^/?#]+)/staffel-(?P<season>\d+)/episode-(?P<episode>\d+)")


class StoCatalog(TokenSite):
    """CatalogPort for s.to."""

    site = Site.STO

    def __init__(self, client: httpx.AsyncClient, options: SiteOptions) -> None:
        super().__init__(client, options)
        self._classic_slugs: set[str] = set()
        self._gate = StoGatePass(self._http, retry_seconds=self._http.gate_retry_seconds,
                                 browser=options.gate_browser, hint=options.gate_hint)
        self.account = StoAccount(self._http, options.account, self._base) if options.account is not None else None

    def _gate_pass(self) -> GatePass | None:
        return self._gate

    async def _load_index(self) -> IndexSnapshot:
        doc = parse(await self._http.text(f"{self._base}/serien", params={"by": "alpha"}))
        found: dict[str, SeriesEntry] = {}
        for item in v2.parse_index(doc, SLUG_IN_HREF):
            found[item.slug] = SeriesEntry(self.site, item.slug, item.title, item.alt_titles)
        for citem in classic.parse_index(doc, SLUG_IN_HREF):
            found.setdefault(citem.slug, SeriesEntry(self.site, citem.slug, citem.title, citem.alt_titles))
        if not found:
            raise SiteUnavailable(f"{self.site.value}: /serien?by=alpha holds no series links (layout changed?)")
        return IndexSnapshot(tuple(found.values()), time.time())

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        """`/api/search/suggest?term=` → `{"shows": [{"name", "url": "/serie/<slug>"}]}`."""
        if not query.strip():
            return []
        response = await self._http.get(
            f"{self._base}/api/search/suggest",
            params={"term": query.strip()},
            headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
        )
        try:
            data = json.loads(response.text)
        except ValueError as ex:
            raise SiteUnavailable(f"{self.site.value}: suggest answered non-JSON ({ex})") from None
        shows = data.get("shows") if isinstance(data, dict) else None
        out: list[SeriesEntry] = []
        for show in shows if isinstance(shows, list) else []:
            if not isinstance(show, dict):
                continue
            m = _SLUG_ANYWHERE.search(str(show.get("url") or ""))
            name = str(show.get("name") or "").strip()
            if m and name and all(e.slug != m.group(1) for e in out):
                out.append(SeriesEntry(self.site, m.group(1), name))
        return out

    async def _page(self, slug: str, tail: str) -> tuple[HtmlElement, str]:
        """Fetch `/serie/<slug><tail>`, or the classic `/serie/stream/<slug><tail>` when v2 says 404."""
        slug = quote(slug, safe="")  # `../` or `?` in a slug stays one path segment
        paths = [f"/serie/stream/{slug}", f"/serie/{slug}"] if slug in self._classic_slugs else [
            f"/serie/{slug}", f"/serie/stream/{slug}"]
        last: NotFound | None = None
        for path in paths:
            url = self._base + path + tail
            try:
                response = await self._http.get(url)
            except NotFound as ex:
                last = ex
                continue
            final = str(response.url)
            if "/serie/stream/" in final:
                self._classic_slugs.add(slug)
            return parse(response.text), final
        assert last is not None
        raise last

    async def series(self, slug: str) -> SeriesDetail:
        doc, _url = await self._page(slug, "")
        if v2.is_v2(doc):
            page = v2.parse_series(doc)
            if page is not None:
                alts = self._index_alternatives(slug, page.title)
                return SeriesDetail(self.site, slug, page.title, alts, page.seasons, year=page.year, imdb_id=page.imdb_id)
        cpage = classic.parse_series(doc)
        if cpage is None:
            raise SiteUnavailable(f"{self.site.value}: series page of {slug!r} has no known structure (layout changed?)")
        return SeriesDetail(self.site, slug, cpage.title, cpage.alt_titles, cpage.seasons, year=cpage.year, imdb_id=cpage.imdb_id)

    def _index_alternatives(self, slug: str, title: str) -> tuple[str, ...]:
        """v2 series pages carry no alternative titles; the loaded index's `data-search` pieces stand in."""
        snapshot = self._cache.snapshot
        for entry in snapshot.entries if snapshot is not None else ():
            if entry.slug == slug:
                return tuple(a for a in (entry.title, *entry.alt_titles) if a != title)
        return ()

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        tail = f"/staffel-{season}" if season or slug not in self._classic_slugs else "/filme"
        try:
            doc, _url = await self._page(slug, tail)
        except NotFound:
            if season == 0:
                return []
            raise
        rows = v2.parse_season(doc, season)
        return rows if rows else classic.parse_season(doc, season)

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        tail = f"/staffel-{season}/episode-{episode}"
        doc, url = await self._page(slug, tail)
        if self.account is not None and v2.is_v2(doc):
            # The episode page tells the gate tier of this session; a login (first, or after the session ended)
            # may lower it, so the page is read again as the logged-in visitor sees it.
            if await self.account.settle(url, gated=sto_gate.read_context(doc, url) is not None):
                doc, url = await self._page(slug, tail)
        if v2.is_v2(doc):
            hosters = v2.parse_play_buttons(doc, self.site, url)
            title_de, title_en = v2.parse_episode_titles(doc)
            languages = v2.button_languages(doc, self.site)
            if not languages:
                raise SiteUnavailable(f"{self.site.value}: episode page {url} has no provider buttons (layout changed?)")
            self._gate.remember(hosters, sto_gate.read_context(doc, url))
            return EpisodeDetail(self.site, slug, season, episode, title_de, title_en, languages, tuple(hosters))
        page = classic.parse_episode(doc, self.site, url)
        if not page.hosters and not page.languages:
            raise SiteUnavailable(f"{self.site.value}: episode page {url} has no language box or hosters (layout changed?)")
        return EpisodeDetail(self.site, slug, season, episode, page.title_de, page.title_en, page.languages, page.hosters)

    async def new_episodes(self) -> Sequence[NewEpisode]:
        """Episodes that aired lately: the v2 `/serienkalender`, else the classic `/neue-episoden`.

        s.to v2 has no "new episodes" page; its series calendar is the listing of what aired when. A calendar
        also lists upcoming episodes, which are not on the site yet: entries dated in the future are dropped
        (an RSS item for them would be grabbed and fail). Neither page → nothing new to report.
        """
        for path in ("/serienkalender", "/neue-episoden"):
            try:
                doc = parse(await self._http.text(f"{self._base}{path}"))
            except NotFound:
                log.debug("s.to has no %s listing", path)
                continue
            now = datetime.now(UTC)
            found = newest.parse_new_episodes(doc, self.site, _EPISODE_LINK)
            return [e for e in found if e.released_at is None or e.released_at <= now]
        return []
