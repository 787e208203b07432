"""Megakino catalogue (DLE engine): discovered domain, cookie-gate warm-up, sitemap index, movie and season posts.

Hosters come from both shapes Megakino's detail pages use: movie tabs (`iframe[data-src]`) and the season pickers
(`select.se-select` + `select#epN.mr-select`), which the reference never reads. Index entries store the post
*path*, so a domain move only changes the origin the paths are joined to.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.sites import megakino_domain
from anibridge.adapters.sites import megakino_pages as pages
from anibridge.adapters.sites.html import attr, first, has_class, parse, text_of, xp
from anibridge.adapters.sites.http import SiteHttp
from anibridge.adapters.sites.index_cache import IndexCache, IndexSnapshot, index_path
from anibridge.adapters.sites.options import SiteOptions
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.domain.kit.ttl_map import ExpiringMap
from anibridge.ports.catalog import EpisodeDetail, EpisodeListing, HosterLink, NewEpisode, SeriesDetail, SeriesEntry
from anibridge.ports.errors import ChallengeRequired, NotFound, PortError, SiteUnavailable

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

_YEAR = re.compile(r"\b(19|20)\d{2}\b")
DOMAIN_RECHECK_SECONDS = 100 * 60
WARM_EVERY_SECONDS = 30 * 60
DISCOVERY_TIMEOUT_SECONDS = 6.0
POST_CACHE_SECONDS = 120.0
POST_CACHE_SIZE = 64
LANGUAGES = (Language.GERMAN_DUB,)
NEW_FILMS = 50  # Radarr's RSS page; each film costs one (cached) probe the first time


class MegakinoCatalog:
    """CatalogPort for Megakino. Films are season 0, episode 0; a season post is one season of a series."""

    site = Site.MEGAKINO

    def __init__(self, client: httpx.AsyncClient, options: SiteOptions) -> None:
        self._client = client
        self._configured = options.base_url.rstrip("/")
        self._mirrors_url = options.mirrors_url
        self._timeout = options.timeout
        self._http = SiteHttp(client, self.site, timeout=options.timeout, retries=1)
        self._base: str | None = None
        self._base_checked = 0.0
        self._base_lock = asyncio.Lock()
        self._warmed: dict[str, float] = {}
        self._extra_paths: dict[str, str] = {}
        # series/season/episode of one post share one fetch
        self._posts: ExpiringMap[str, str] = ExpiringMap(SystemClock(), max_entries=POST_CACHE_SIZE)
        self._cache = IndexCache(
            self.site, self._load_index, path=index_path(options.data_dir, self.site), ttl_seconds=options.index_ttl_seconds
        )

    async def base_url(self, *, rediscover: bool = False) -> str:
        """The live origin: discovered once, re-checked every 100 minutes or after a failure."""
        async with self._base_lock:
            stale = time.monotonic() - self._base_checked > DOMAIN_RECHECK_SECONDS
            if self._base is None or stale or rediscover:
                found = await megakino_domain.discover(
                    self._client, self._configured, self._mirrors_url, min(self._timeout, DISCOVERY_TIMEOUT_SECONDS)
                )
                previous, self._base = self._base, found or self._base or self._configured
                self._base_checked = time.monotonic()
                if previous and previous != self._base:
                    log.warning("megakino moved: %s → %s", previous, self._base)
            return self._base

    async def _warm(self, base: str, force: bool = False) -> None:
        if not force and time.monotonic() - self._warmed.get(base, -1e9) < WARM_EVERY_SECONDS:
            return
        await self._http.get(f"{base}/index.php", params={"yg": "token"}, headers={"Referer": base + "/"})
        self._warmed[base] = time.monotonic()

    async def _fetch(self, path: str, params: dict[str, str] | None = None) -> tuple[str, str]:
        """GET `<base><path>` past the cookie gate; one rediscovery + retry when the site seems gone."""
        base = await self.base_url()
        try:
            return await self._fetch_from(base, path, params)
        except SiteUnavailable:
            log.info("megakino: %s%s failed; re-running domain discovery", base, path)
            moved = await self.base_url(rediscover=True)
            if moved == base:
                raise
            return await self._fetch_from(moved, path, params)

    async def _fetch_from(self, base: str, path: str, params: dict[str, str] | None) -> tuple[str, str]:
        await self._warm(base)
        response = await self._http.get(base + path, params=params, headers={"Referer": base + "/"})
        if megakino_domain.is_cookie_gate(response.text):
            await self._warm(base, force=True)
            response = await self._http.get(base + path, params=params, headers={"Referer": base + "/"})
            if megakino_domain.is_cookie_gate(response.text):
                raise ChallengeRequired(f"megakino: cookie gate at {base}{path} did not open")
        return response.text, str(response.url)

    async def index(self) -> Sequence[SeriesEntry]:
        return (await self._cache.get()).entries

    async def _load_index(self) -> IndexSnapshot:
        body, _ = await self._fetch("/sitemap.xml")
        root = pages.parse_xml(body)
        if root is None:
            raise SiteUnavailable("megakino: /sitemap.xml is not XML")
        locs: list[tuple[str, str]] = []
        from lxml import etree

        if etree.QName(root).localname == "sitemapindex":
            for child in pages.locs(root, "sitemap"):
                path = pages.path_of(child[0])
                try:
                    child_body, _ = await self._fetch(path)
                except PortError as ex:
                    log.warning("megakino: child sitemap %s skipped: %s", path, ex)
                    continue
                child_root = pages.parse_xml(child_body)
                if child_root is not None:
                    locs.extend(pages.locs(child_root, "url"))
        else:
            locs = pages.locs(root, "url")
        entries: dict[str, SeriesEntry] = {}
        paths: dict[str, str] = {}
        modified: dict[str, str] = {}
        for loc, lastmod in locs:
            path = pages.path_of(loc)
            m = pages.POST_PATH.search(path)
            if m is None:
                continue
            slug, cat = m.group("slug"), m.group("cat").lower()
            kind = "movie" if cat == "films" else "series" if cat == "serials" or "staf" in slug else "movie"
            entries[slug] = SeriesEntry(self.site, slug, pages.slug_title(slug), kind=kind)
            paths[slug] = path
            if lastmod:
                modified[slug] = lastmod
        return IndexSnapshot(tuple(entries.values()), time.time(), paths, modified)

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        """DLE search `/index.php?do=search&subaction=search&story=` → poster cards."""
        if not query.strip():
            return []
        body, url = await self._fetch(
            "/index.php", {"do": "search", "subaction": "search", "story": query.strip()}
        )
        out: list[SeriesEntry] = []
        for card in xp(parse(body), f"//a[{has_class('poster')}][@href]"):
            path = pages.path_of(attr(card, "href"))
            m = pages.POST_PATH.search(path)
            if m is None:
                continue
            slug = m.group("slug")
            title = text_of(first(xp(card, f".//*[{has_class('poster__title')}]"))) or pages.slug_title(slug)
            self._extra_paths[slug] = path
            kind = "series" if m.group("cat").lower() == "serials" or "staf" in slug else "movie"
            out.append(SeriesEntry(self.site, slug, title, kind=kind))
        return out

    async def _post(self, slug: str) -> HtmlElement:
        path = self._extra_paths.get(slug)
        if path is None:
            snapshot = await self._cache.get()
            path = snapshot.urls.get(slug)
        if path is None:
            raise NotFound(f"megakino: {slug!r} is not in the sitemap")
        hit = self._posts.lookup(path)
        if hit is not None:
            return parse(hit[0])
        body, _ = await self._fetch(path)
        self._posts.put(path, body, POST_CACHE_SECONDS)
        return parse(body)

    async def series(self, slug: str) -> SeriesDetail:
        doc = await self._post(slug)
        title = text_of(first(xp(doc, "//h1"))) or pages.meta_name(doc)
        if not title:
            raise SiteUnavailable(f"megakino: post {slug!r} has no title (layout changed?)")
        original = text_of(first(xp(doc, f"//*[{has_class('pmovie__original-title')}]")))
        ym = _YEAR.search(text_of(first(xp(doc, f"//*[{has_class('pmovie__year')}]"))))
        is_series = bool(xp(doc, f"//select[{has_class('se-select')}]"))
        imdb, tmdb = pages.external_ids(doc)
        return SeriesDetail(
            self.site, slug, title, (original,) if original and original != title else (),
            seasons=(pages.season_of(slug),) if is_series else (0,),
            kind="series" if is_series else "movie",
            year=int(ym.group(0)) if ym else None,
            imdb_id=imdb,
            tmdb_id=tmdb,
        )

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        doc = await self._post(slug)
        numbers = pages.episode_numbers(doc)
        if not numbers:
            return [EpisodeListing(0, 0, text_of(first(xp(doc, "//h1"))) or None, None, LANGUAGES)]
        return [EpisodeListing(season, n, None, None, LANGUAGES) for n in numbers]

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        doc = await self._post(slug)
        title = text_of(first(xp(doc, "//h1"))) or None
        numbers = pages.episode_numbers(doc)
        if numbers:
            if episode not in numbers:
                raise NotFound(f"megakino: {slug!r} has no episode {episode}")
            pairs = [(text_of(o), attr(o, "value")) for o in xp(doc, f"//select[@id='ep{episode}']//option")]
        else:
            if episode not in (0, 1):
                raise NotFound(f"megakino: film {slug!r} has no episode {episode}")
            pairs = pages.movie_tabs(doc)
        hosters = tuple(dict.fromkeys(h for name, url in pairs if (h := pages.hoster(name, url)) is not None))
        if not pairs:
            raise SiteUnavailable(f"megakino: post {slug!r} has no hoster iframes or selects (layout changed?)")
        return EpisodeDetail(self.site, slug, season, episode, title, None, LANGUAGES if hosters else (), hosters)

    async def embed_url(self, link: HosterLink) -> str:
        """Megakino pages carry the embed URLs themselves."""
        return link.url

    async def new_episodes(self) -> Sequence[NewEpisode]:
        """The newest films by sitemap `lastmod` (Radarr's RSS sync), newest first, at most NEW_FILMS.

        Megakino has no new-releases page and its sitemap *order* is not a feed, but `lastmod` is when a post
        was added or changed (new hosters). Season posts are left out: Sonarr's RSS reads AniWorld/s.to.
        """
        snapshot = await self._cache.get()
        dated: list[tuple[datetime, SeriesEntry]] = []
        for entry in snapshot.entries:
            when = pages.parse_lastmod(snapshot.modified.get(entry.slug, ""))
            if entry.kind == "movie" and when is not None:
                dated.append((when, entry))
        dated.sort(key=lambda d: d[0], reverse=True)
        return [NewEpisode(self.site, e.slug, e.title, 0, 0, LANGUAGES, when) for when, e in dated[:NEW_FILMS]]
