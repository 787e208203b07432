"""AniWorld (aniworld.to) catalogue: alphabet index, JSON search, series/season/episode pages, redirect tokens."""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
import time
from collections.abc import Sequence
from urllib.parse import quote

from anibridge.adapters.sites import classic, newest
from anibridge.adapters.sites.html import parse
from anibridge.adapters.sites.index_cache import IndexSnapshot
from anibridge.adapters.sites.token_site import TokenSite
from anibridge.domain.catalog.identity import Site
from anibridge.ports.catalog import EpisodeDetail, EpisodeListing, NewEpisode, SeriesDetail, SeriesEntry
from anibridge.ports.errors import NotFound, SiteUnavailable

log = logging.getLogger(__name__)

SLUG_IN_HREF = re.compile(r"/anime/stream/([^/?#]+)/?(?:[?#].*)?$")
_SLUG_ANYWHERE = re.compile(r"/anime/stream/([^/?#]+)")


class AniWorldCatalog(TokenSite):
    """CatalogPort for AniWorld (classic template; the v2 button shape is accepted on episode pages)."""

    site = Site.ANIWORLD

    async def _load_index(self) -> IndexSnapshot:
        doc = parse(await self._http.text(f"{self._base}/animes-alphabet"))
        items = classic.parse_index(doc, SLUG_IN_HREF)
        if not items:
            raise SiteUnavailable(f"{self.site.value}: /animes-alphabet holds no series links (layout changed?)")
        entries = tuple(SeriesEntry(self.site, i.slug, i.title, i.alt_titles) for i in items)
        return IndexSnapshot(entries, time.time())

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        """`/ajax/seriesSearch?keyword=` → JSON array of `{name, link, productionYear}`; `link` is the slug."""
        if not query.strip():
            return []
        response = await self._http.get(
            f"{self._base}/ajax/seriesSearch",
            params={"keyword": query.strip()},
            headers={"X-Requested-With": "XMLHttpRequest", "Referer": f"{self._base}/search",
                     "Accept": "application/json, text/javascript, */*; q=0.01"},
        )
        try:
            data = json.loads(html_lib.unescape(response.text))
        except ValueError as ex:
            raise SiteUnavailable(f"{self.site.value}: search answered non-JSON ({ex})") from None
        out: list[SeriesEntry] = []
        for item in data if isinstance(data, list) else []:
            if not isinstance(item, dict):
                continue
            link = str(item.get("link") or "").strip()
            m = _SLUG_ANYWHERE.search(link)
            slug = m.group(1) if m else link.strip("/")
            name = re.sub(r"<[^>]+>", "", str(item.get("name") or item.get("title") or "")).strip()
            if not slug or "/" in slug or not name or "episode-" in link:
                continue
            year_m = re.search(r"(19|20)\d{2}", str(item.get("productionYear") or ""))
            out.append(SeriesEntry(self.site, slug, name, year=int(year_m.group(0)) if year_m else None))
        return out

    def _series_url(self, slug: str) -> str:
        return f"{self._base}/anime/stream/{quote(slug, safe='')}"  # `../` or `?` in a slug stays one segment

    async def series(self, slug: str) -> SeriesDetail:
        doc = parse(await self._http.text(self._series_url(slug)))
        page = classic.parse_series(doc)
        if page is None:
            raise SiteUnavailable(f"{self.site.value}: series page of {slug!r} has no title (layout changed?)")
        return SeriesDetail(self.site, slug, page.title, page.alt_titles, page.seasons, year=page.year, imdb_id=page.imdb_id)

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        """Season 0 is the `/filme` list; a 404 there means the show has no specials."""
        url = self._series_url(slug) + ("/filme" if season == 0 else f"/staffel-{season}")
        try:
            doc = parse(await self._http.text(url))
        except NotFound:
            if season == 0:
                return []
            raise
        return classic.parse_season(doc, season)

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        url = self._series_url(slug) + (f"/filme/film-{episode}" if season == 0 else f"/staffel-{season}/episode-{episode}")
        doc = parse(await self._http.text(url))
        page = classic.parse_episode(doc, self.site, url)
        if not page.hosters and not page.languages:
            raise SiteUnavailable(f"{self.site.value}: episode page {url} has no language box or hosters (layout changed?)")
        return EpisodeDetail(self.site, slug, season, episode, page.title_de, page.title_en, page.languages, page.hosters)

    async def new_episodes(self) -> Sequence[NewEpisode]:
        doc = parse(await self._http.text(f"{self._base}/neue-episoden"))
        return newest.parse_new_episodes(doc, self.site, _EPISODE_LINK)


_EPISODE_LINK = re.compile(r"/anime/stream/(?P<slug>[^/?#]+)/(?:staffel-(?P<season>\d+)/episode-|filme/film-)(?P<episode>\d+)")
