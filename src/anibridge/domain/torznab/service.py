"""TorznabSearch: one entry point per Torznab request, dispatching to the search use cases.

Every use case returns variants; this module turns them into releases (category filter, STRM twins) and cuts
the requested page `offset:offset+limit`, so paging ends with a short page and then an empty one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.catalog.titles import match_tokens
from anibridge.domain.kit import gate_log
from anibridge.domain.releases import regrab
from anibridge.domain.torznab import (
    episodes,
    specials,
)
from anibridge.domain.torznab.config import (
    DEFAULT_LANGUAGES,
    SearchConfig,
)
from anibridge.domain.torznab.locating import Located
from anibridge.domain.torznab.queries import (
    read_query,
    split_year,
)
from anibridge.domain.torznab.release import (
    Release,
    Variant,
    build_releases,
    connectivity_releases,
    expand_requested,
)
from anibridge.domain.torznab.request import (
    ExternalIds,
    SearchKind,
)
from anibridge.domain.torznab.series_map import imdb_digits
from anibridge.domain.torznab.stale import LastAnswers
from anibridge.ports.errors import PortError, SiteGated, SiteUnreachable

if TYPE_CHECKING:
    from anibridge.domain.catalog.reachability import SiteReachability
    from anibridge.domain.torznab.context import SearchContext
    from anibridge.domain.torznab.request import SearchRequest
    from anibridge.ports.catalog import NewEpisode
    from anibridge.ports.metadata import Show
    from anibridge.ports.repos import RegrabRepo

log = logging.getLogger(__name__)

Dated = tuple[Variant, datetime | None]


class SitesUnreachable(Exception):
    """No catalogue site could be asked: the feed must say so (a Torznab error), not look like "no results"."""


class SitesGated(Exception):
    """A search found nothing because the sites answered gates; the message names each site and its gate."""

    def __init__(self, gates: list[SiteGated]) -> None:
        super().__init__(gate_log.describe(gates))
        self.gates = list(gates)


class TorznabSearch:
    def __init__(self, ctx: SearchContext, regrabs: RegrabRepo | None = None,
                 reachability: SiteReachability | None = None) -> None:
        self.ctx = ctx
        self._regrabs = regrabs
        self._reach = reachability
        self._last = LastAnswers(ctx.clock, ctx.config.stale_max_hours)

    async def search(self, req: SearchRequest) -> list[Release]:
        now = self.ctx.clock.now()
        if req.daily:
            return []  # daily shows (`ep=MM/DD`) do not exist on these sites
        with gate_log.collecting() as gates:
            try:
                found, test_movie = await self._dispatch(req)
            except Exception:  # noqa: BLE001 - an internal failure yields fewer items, never a broken feed
                log.exception("torznab search failed for %s", req)
                found, test_movie = [], None
        releases = _unique(self.ctx.config, found, now, req.categories)
        if releases:
            self._last.remember(req, releases)
        if not releases and self._reach is not None and self._reach.none_answering(list(self.ctx.catalogs)):
            # Nothing found because nothing could be asked (this request's attempts failed, or the sites are
            # known down and were not asked again): an empty feed or the Test's synthetic item would pass the
            # indexer as healthy. Partial outages never get here: a reachable site's answer is returned.
            # What this search found before the outage is still offered by the site, so it is answered again.
            why = self._reach.unreachable_message(list(self.ctx.catalogs))
            releases = self._last.recall(req, why) or []
            if not releases:
                raise SitesUnreachable(why)
        if not releases and gates:
            # The sites answered, but with gates (e.g. SerienStream's verification on every hoster link): nothing
            # found because of them, not because the episode is missing — the last answer, else which site
            # needs what.
            releases = self._last.recall(req, gate_log.describe(gates)) or []
            if not releases:
                raise SitesGated(gates)
        if not releases and test_movie is not None and self.ctx.config.return_test_result:
            releases = connectivity_releases(self.ctx.config, now, movie=test_movie, requested=req.categories)
        return await regrab.publish(self._regrabs, releases[req.offset : req.offset + req.limit])

    async def _dispatch(self, req: SearchRequest) -> tuple[list[Dated], bool | None]:
        """(variants with optional publish dates, test-item family when an empty query is a Test/RSS request)."""
        cfg = self.ctx.config
        q = req.q.strip()
        wanted_cats = expand_requested(cfg, req.categories) if req.categories else frozenset(cfg.all_categories)
        tv_wanted = bool(wanted_cats & set(cfg.tv_categories))
        movie_wanted = bool(wanted_cats & set(cfg.movie_categories))
        movie = req.kind is SearchKind.MOVIE or (req.kind is SearchKind.SEARCH and movie_wanted and not tv_wanted)
        if req.categories and not wanted_cats:
            return [], None  # only unknown categories asked for → empty (Torznab spec)
        if movie:
            if not q:
                if req.ids.any():
                    return [], None  # an id-only film search finds nothing
                # Radarr's RSS sync and Test: recent Megakino films, the synthetic item only when there are none.
                return await self._recent_films(req.wanted), True
            return _undated(await self._movie(q, req.ids)), None
        if not q and not req.ids.any():
            if req.season is None and req.episode is None:
                return await self._recent(req.wanted), False
            return [], None
        return _undated(await self._tv(req, q)), None

    async def _tv(self, req: SearchRequest, q: str) -> list[Variant]:
        intent = read_query(q)
        season = req.season if req.season is not None else intent.season
        number = req.episode if req.episode is not None else intent.episode
        absolute = intent.absolute
        if season is None and number is not None:
            absolute, number = number, None  # `ep=105` without a season: an absolute number (anime)
        show = await self.ctx.shows.by_ids(req.ids) if req.ids.any() else None
        titles = [intent.title] if intent.title else []
        locs: list[Located] = []
        if absolute is not None and q:
            # "Mob Psycho 100" is a title, not episode 100 of "Mob Psycho": keep the number when it is part of it.
            whole = await self.ctx.locate_all([q])
            if whole and str(absolute) in match_tokens(whole[0].title):
                locs = [w for w in whole if str(absolute) in match_tokens(w.title)]
                absolute = None
        if not locs:
            titles += [show.title, *show.aliases] if show is not None else []
            locs = await self.ctx.locate_all(titles, show=show)
            if show is not None:  # site shows known to map to this TVDB id though no title resembles it
                have = {loc.site for loc in locs}
                locs += [Located(site, slug, title, show, True) for site, slug, title in
                         self.ctx.series_map.mapped_to(show.tvdb_id) if site not in have and site in self.ctx.catalogs]
        # Every site that has the show contributes its items, searched concurrently (one site's latency, not the
        # sum); a failing site costs its own items only.
        text = intent.title or q
        results = await asyncio.gather(
            *(self._tv_at(req, loc, show, text, season, number, absolute) for loc in locs), return_exceptions=True
        )
        variants: list[Variant] = []
        for loc, result in zip(locs, results, strict=True):
            if isinstance(result, Exception):
                log.error("torznab search on %s %s failed: %r", loc.site.value, loc.slug, result)
            elif isinstance(result, BaseException):
                raise result
            else:
                variants.extend(result)
        return variants

    async def _tv_at(
        self, req: SearchRequest, loc: Located, show: Show | None, text: str,
        season: int | None, number: int | None, absolute: int | None,
    ) -> list[Variant]:
        lookup: asyncio.Task[object] | None = None
        if show is not None:
            loc.show, loc.show_looked_up = show, True
        else:
            # TVDB title and ids for the releases, looked up while the episode is probed (not before it).
            lookup = asyncio.create_task(self.ctx.show_for(loc, text))
        try:
            variants = await self._tv_variants(req, loc, text, season, number, absolute)
        finally:
            if lookup is not None:
                await lookup
        return [self.ctx.retitled(v, loc) for v in variants] if lookup is not None else variants

    async def _tv_variants(
        self, req: SearchRequest, loc: Located, text: str, season: int | None, number: int | None, absolute: int | None
    ) -> list[Variant]:
        if absolute is not None:
            return await episodes.absolute(self.ctx, loc, absolute)
        if season is not None and number is not None:
            return await episodes.episode(self.ctx, loc, season, number)
        if season is not None:
            strict = self.ctx.config.season_mode == "strict"
            return await episodes.season(self.ctx, loc, season, _variants_needed(self, req.wanted), strict=strict)
        return await self._title_only(req, loc, text)

    async def _title_only(self, req: SearchRequest, loc: Located, text: str) -> list[Variant]:
        """A bare title: a special named in it (`<series> <episode title>`), a film, or the first season listed."""
        residual = match_tokens(text) - match_tokens(loc.title)
        if residual and loc.site is Site.ANIWORLD:
            target = await specials.special_for_text(self.ctx, loc, " ".join(sorted(residual, key=text.lower().find)))
            if target is not None:
                return await self.ctx.probed(loc, target[0], target[1], force_alias_guid=True)
        if loc.site is Site.MEGAKINO and await self._is_film(loc):
            return await self._film(loc, None)
        return await episodes.season(self.ctx, loc, 1, _variants_needed(self, req.wanted), strict=False)

    async def _is_film(self, loc: Located) -> bool:
        catalog = self.ctx.catalog(loc.site)
        if catalog is None:
            return False
        try:
            return (await catalog.series(loc.slug)).kind == "movie"
        except PortError as ex:
            log.warning("megakino page %s unavailable: %s", loc.slug, ex)
            return False

    async def _movie(self, q: str, ids: ExternalIds | None = None) -> list[Variant]:
        title, year = split_year(q)
        if Site.MEGAKINO not in self.ctx.catalogs:
            return []
        loc = await self.ctx.locate([title, q], site=Site.MEGAKINO)
        if loc is None:
            return []
        return await self._film(loc, year, ids)

    async def _film(self, loc: Located, year: int | None, ids: ExternalIds | None = None) -> list[Variant]:
        """The film's variant, with its IMDb/TMDB ids when the page links them or the request named them (a
        movie list matches by id where a title like `Dune: Part Two` does not survive its name matching)."""
        catalog = self.ctx.catalog(loc.site)
        imdb, tmdb = (ids.imdb, ids.tmdb) if ids is not None else (None, None)
        if catalog is not None:
            try:
                page = await catalog.series(loc.slug)
                year = year if year is not None else page.year
                imdb, tmdb = imdb_digits(page.imdb_id) or imdb, page.tmdb_id or tmdb
            except PortError as ex:
                log.info("megakino page %s unavailable: %s", loc.slug, ex)
        row = await self.ctx.availability.check(EpisodeRef(loc.site, loc.slug, 0, 0, Language.GERMAN_DUB))
        if not row.available:
            return []
        v = self.ctx.variant(row.ref, loc, None, height=row.height, vcodec=row.vcodec, provider=row.provider)
        return [Variant(v.ref, v.display_title, None, v.height, v.vcodec, v.provider, year=year, movie=True,
                        imdb_id=imdb, tmdb_id=tmdb)]

    async def _recent_films(self, wanted: int) -> list[Dated]:
        """Radarr RSS: Megakino's newest films (sitemap `lastmod`), each with its year and (representative) quality."""
        catalog = self.ctx.catalog(Site.MEGAKINO)
        if catalog is None:
            return []
        try:
            films = list(await catalog.new_episodes())[: _variants_needed(self, wanted)]
        except Exception as ex:  # noqa: BLE001 - no recent films = the synthetic item, never a broken feed
            log.warning("new films of megakino unavailable: %r", ex)
            return []
        slots = asyncio.Semaphore(max(1, self.ctx.config.probe_concurrency))

        async def one(film: NewEpisode) -> list[Dated]:
            async with slots:  # the post fetch for the year also serves the probe's episode page (post cache)
                year, imdb, tmdb = await _film_page(self, film.slug)
                loc = Located(film.site, film.slug, film.series_title)
                found = await self.ctx.listed(loc, (0, 0), None, film.languages or (Language.GERMAN_DUB,))
            return [(replace(v, year=year, movie=True, imdb_id=imdb, tmdb_id=tmdb), film.released_at) for v in found]

        batches = await asyncio.gather(*(one(f) for f in films))
        return [d for batch in batches for d in batch]

    async def _recent(self, wanted: int) -> list[Dated]:
        """RSS sync / Test: the sites' "new episodes" listings, newest first (the reference returned nothing)."""
        sites = [s for s in self.ctx.catalogs if s is not Site.MEGAKINO]
        lists = await asyncio.gather(*(self.ctx.catalogs[s].new_episodes() for s in sites), return_exceptions=True)
        entries: list[NewEpisode] = []
        for site, result in zip(sites, lists, strict=True):
            if isinstance(result, SiteUnreachable):  # known down: /health and the error feed say so already
                log.debug("new episodes of %s not asked: %s", site.value, result)
            elif isinstance(result, BaseException):
                log.warning("new episodes of %s unavailable: %r", site.value, result)
            else:
                entries.extend(result)
        entries.sort(key=lambda e: e.released_at.timestamp() if e.released_at else 0.0, reverse=True)
        seen: set[tuple[str, str, int, int]] = set()
        chosen: list[tuple[NewEpisode, tuple[Language, ...]]] = []
        count = 0
        for entry in entries:
            key = (entry.site.value, entry.slug, entry.season, entry.episode)
            if key in seen:
                continue
            seen.add(key)
            langs = entry.languages or DEFAULT_LANGUAGES.get(entry.site, (Language.GERMAN_DUB,))[:1]
            chosen.append((entry, langs))
            count += len(langs)  # `listed` yields one variant per language
            if count >= _variants_needed(self, wanted):
                break
        # Each show under its TVDB title and ids (cached mapping), so Sonarr's RSS sync can match the German
        # site titles; one lookup per show, a bounded number at a time.
        locs: dict[tuple[Site, str], Located] = {}
        for e, _langs in chosen:
            locs.setdefault((e.site, e.slug), Located(e.site, e.slug, e.series_title))
        slots = asyncio.Semaphore(max(1, self.ctx.config.probe_concurrency))

        async def mapped(loc: Located) -> None:
            async with slots:
                await self.ctx.show_for(loc)

        for loc, outcome in zip(locs.values(), await asyncio.gather(*(mapped(lc) for lc in locs.values()),
                                                                      return_exceptions=True), strict=True):
            if isinstance(outcome, Exception):
                log.warning("TVDB mapping of %s %s failed: %r", loc.site.value, loc.slug, outcome)
                loc.show, loc.show_looked_up = None, True
        # Concurrently: a show's first RSS item may probe one representative episode for its quality (bounded
        # by the representative probes' own limit), which one item after another would turn into a sum.
        batches = await asyncio.gather(
            *(
                self.ctx.listed(locs[(e.site, e.slug)], (e.season, e.episode), (e.season, e.episode), langs)
                for e, langs in chosen
            )
        )
        return [(v, e.released_at) for (e, _langs), batch in zip(chosen, batches, strict=True) for v in batch]


async def _film_page(search: TorznabSearch, slug: str) -> tuple[int | None, str | None, int | None]:
    """(year, IMDb digits, TMDB id) of a Megakino film from its post; Nones when the page is unavailable."""
    catalog = search.ctx.catalog(Site.MEGAKINO)
    if catalog is None:
        return None, None, None
    try:
        page = await catalog.series(slug)
    except PortError as ex:
        log.info("megakino page %s unavailable: %s", slug, ex)
        return None, None, None
    return page.year, imdb_digits(page.imdb_id), page.tmdb_id


def _variants_needed(search: TorznabSearch, wanted: int) -> int:
    return wanted if search.ctx.config.strm_mode != "both" else (wanted + 1) // 2


def _undated(variants: list[Variant]) -> list[Dated]:
    return [(v, None) for v in variants]


def _utc(when: datetime | None) -> datetime | None:
    """Aware UTC (a naive time is UTC, as the repositories store it)."""
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _unique(config: SearchConfig, found: list[Dated], now: datetime, categories: frozenset[int]) -> list[Release]:
    """Releases in variant order, one per (site, slug, season, episode, language, alias, mode), guids unique.

    Infohash collisions between sites are kept on purpose. The reference's infohash (WIRE) hashes slug, S, E, language
    and mode but not the site, so AniWorld's and s.to's `attack-on-titan` S01E01 German Sub share it. Sonarr keys
    its grab history and the download client's task by that hash, so the two offers are one "torrent" seen at
    two sources: grabbing the second while the first is in the client re-adds the existing task
    (`TorrentService.add`) instead of starting a second download of the same episode, and a finished grab
    imports once. Hashing the site in would break the reference's hashes (in-flight grabs after a migration) and
    make one site's hash depend on whether the other site lists the show. The guid, which Sonarr uses to tell
    items apart in a feed, does carry the source: `aw:`, `sto:` or `megakino:` (Megakino's magnet keeps the `aw_`
    keys); `:<site>` is appended should two sites' guids still collide.
    """
    out: list[Release] = []
    seen: set[tuple[Site, str]] = set()
    guids: set[str] = set()
    for variant, when in found:
        site = variant.ref.site
        # The real publication time (site upload date, else the air date) so Sonarr does not see every result as
        # "0 days old"; an air date is never in the future (an episode a site lists before its announced air
        # time is available now).
        aired = _utc(variant.aired)
        real = _utc(when) or (min(aired, _utc(now) or now) if aired is not None else None)
        published = real or now
        for release in build_releases(config, variant, published, categories, dated=real is not None):
            if (site, release.guid) in seen:
                continue
            seen.add((site, release.guid))
            if release.guid in guids:
                release = replace(release, guid=f"{release.guid}:{site.value}")
            guids.add(release.guid)
            out.append(release)
    return out
