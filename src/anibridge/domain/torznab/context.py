"""Shared pieces of every search: the located series, and turning one episode into probed or listed variants."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.kit.ttl_map import ExpiringMap
from anibridge.domain.streams.records import Availability
from anibridge.domain.torznab import locating
from anibridge.domain.torznab.config import (
    DEFAULT_LANGUAGES,
    SearchConfig,
)
from anibridge.domain.torznab.locating import Located
from anibridge.domain.torznab.release import Variant
from anibridge.domain.torznab.representative import (
    RepresentativeQuality,
    group_of,
)
from anibridge.domain.torznab.series_map import SeriesShowMap, imdb_digits
from anibridge.domain.torznab.shows import ShowLookup
from anibridge.ports.errors import NotFound, PortError

if TYPE_CHECKING:
    from anibridge.domain.catalog.lookup import TitleLookup
    from anibridge.domain.streams.availability import AvailabilityService
    from anibridge.ports.catalog import CatalogPort, EpisodeListing
    from anibridge.ports.metadata import MetadataPort, Show
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)

# Every label a site can expose, defaults first: a warm cache is read for all of them in one repo call.
SITE_LANGUAGES: Mapping[Site, tuple[Language, ...]] = {
    Site.ANIWORLD: (Language.GERMAN_DUB, Language.GERMAN_SUB, Language.ENGLISH_SUB, Language.ENGLISH_DUB),
    Site.STO: (Language.GERMAN_DUB, Language.ENGLISH_DUB, Language.GERMAN_SUB),
    Site.MEGAKINO: (Language.GERMAN_DUB,),
}


class SearchContext:
    def __init__(
        self,
        catalogs: Mapping[Site, CatalogPort],
        resolver: TitleLookup,
        metadata: MetadataPort,
        availability: AvailabilityService,
        clock: Clock,
        config: SearchConfig,
    ) -> None:
        self.catalogs = catalogs
        self.resolver = resolver
        self.shows = ShowLookup(metadata)
        self.series_map = SeriesShowMap(self.shows, catalogs, clock)
        self.availability = availability
        self.clock = clock
        self.config = config
        self.flat_cache: ExpiringMap[tuple[str, str], list[tuple[int, int]]] = ExpiringMap(clock, max_entries=2048)
        # Short-lived page caches so a repeated (fast) season search costs no site request: season pages and the
        # languages an episode page offers. Five minutes: new episodes reach RSS sync through `new_episodes()`.
        self._listings: ExpiringMap[tuple[Site, str, int], list[EpisodeListing]] = ExpiringMap(clock)
        self._offered: ExpiringMap[tuple[Site, str, int, int], tuple[Language, ...]] = ExpiringMap(clock)
        self.page_ttl = 300.0
        self.representative = RepresentativeQuality(availability, clock, config.probe_concurrency)

    async def locate(self, titles: Sequence[str], *, site: Site | None = None, show: Show | None = None) -> Located | None:
        """First title (query, then SkyHook title and aliases) the resolver maps to a catalogue slug."""
        for title in dict.fromkeys(t.strip() for t in titles if t and t.strip()):
            try:
                found = await self.resolver.search(title, site=site, limit=1)
            except Exception:  # noqa: BLE001 - resolution failure = no match, logged
                log.exception("title resolution failed for %r", title)
                continue
            if found:
                m = found[0]
                return Located(m.site, m.slug, m.title, show, show is not None)
        return None

    async def locate_all(self, titles: Sequence[str], *, show: Show | None = None) -> list[Located]:
        """Every enabled site's best match for the titles, in catalogue order (see `locating`)."""
        return await locating.locate_all(self.resolver, list(self.catalogs), titles, show=show)

    async def show_for(self, loc: Located, *extra_titles: str) -> Show | None:
        """The SkyHook show of a located series (through the cached site-show mapping), looked up once per
        search even when asked concurrently."""
        if loc.show_looked_up:
            return loc.show
        if loc.lookup is None:
            loc.lookup = asyncio.ensure_future(self.series_map.show(loc.site, loc.slug, loc.title, *extra_titles))
        show = await asyncio.shield(loc.lookup)
        loc.show, loc.show_looked_up = show, True
        return show

    def retitled(self, variant: Variant, loc: Located) -> Variant:
        """The variant under the show's TVDB title and ids (when the show became known after it was built)."""
        if variant.movie:
            return variant  # SkyHook is TV metadata: a film keeps its catalogue title and year
        fresh = self.variant(variant.ref, loc, variant.alias)
        return replace(
            variant, display_title=fresh.display_title, tvdb_id=fresh.tvdb_id, imdb_id=fresh.imdb_id,
            tmdb_id=fresh.tmdb_id, aired=fresh.aired or variant.aired,
        )

    def catalog(self, site: Site) -> CatalogPort | None:
        return self.catalogs.get(site)

    async def season_listing(self, site: Site, slug: str, season: int) -> list[EpisodeListing] | None:
        """The site's season page; None when it is missing or the site failed (logged)."""
        catalog = self.catalog(site)
        if catalog is None:
            return None
        key = (site, slug, season)
        hit = self._listings.lookup(key)
        if hit is not None:
            return hit[0]
        try:
            listing = sorted(await catalog.season(slug, season), key=lambda e: e.episode)
            if listing:
                self._listings.put(key, listing, self.page_ttl)
            return listing
        except NotFound:
            return None
        except PortError as ex:
            log.warning("%s %s season %s unavailable: %s", site.value, slug, season, ex)
            return None

    async def offered_languages(self, site: Site, slug: str, season: int, episode: int) -> tuple[Language, ...]:
        """Languages the episode page offers (no hoster resolution); empty when missing or the site failed."""
        catalog = self.catalog(site)
        if catalog is None:
            return ()
        key = (site, slug, season, episode)
        hit = self._offered.lookup(key)
        if hit is not None:
            return hit[0]
        try:
            detail = await catalog.episode(slug, season, episode)
        except NotFound:
            return ()
        except PortError as ex:
            log.warning("%s %s S%sE%s unavailable: %s", site.value, slug, season, episode, ex)
            return ()
        offered = _ordered(site, list(detail.languages) + [h.language for h in detail.hosters])
        if offered:
            self._offered.put(key, offered, self.page_ttl)
        return offered

    def variant(
        self,
        ref: EpisodeRef,
        loc: Located,
        alias: tuple[int, int] | None,
        *,
        height: int | None = None,
        vcodec: str | None = None,
        provider: str | None = None,
        force_alias_guid: bool = False,
    ) -> Variant:
        show = loc.show
        return Variant(
            ref=ref,
            # Sonarr matches releases to series by title: the TVDB title it knows beats the site's (often German)
            # index title ("Haus des Geldes" would be a "series title mismatch" for Sonarr's "Money Heist").
            display_title=show.title if show is not None and show.title else loc.title,
            alias=alias,
            height=height,
            vcodec=vcodec,
            provider=provider,
            force_alias_guid=force_alias_guid,
            tvdb_id=show.tvdb_id if show is not None else None,
            imdb_id=imdb_digits(show.imdb_id) if show is not None else None,
            tmdb_id=show.tmdb_id if show is not None else None,
            aired=air_time(show, alias),
        )

    async def probed(
        self,
        loc: Located,
        source: tuple[int, int],
        alias: tuple[int, int] | None,
        slots: asyncio.Semaphore | None = None,
        *,
        force_alias_guid: bool = False,
    ) -> list[Variant]:
        """Strict: every offered language, probed (or fresh from the cache), in the site's language order."""
        refs = [EpisodeRef(loc.site, loc.slug, source[0], source[1], lang) for lang in SITE_LANGUAGES[loc.site]]
        cached, retry = await self.availability.warm_view(refs)
        if any(a.available for a in cached.values()):
            wanted = retry  # warm: only stored failures whose negative TTL ran out are probed again
            rows = [cached[r] for r in refs if r in cached and cached[r].available]
        else:
            langs = await self.offered_languages(loc.site, loc.slug, *source)
            wanted = [EpisodeRef(loc.site, loc.slug, source[0], source[1], lang) for lang in langs]
            rows = []
        if wanted:

            async def one(ref: EpisodeRef) -> Availability:
                if slots is None:
                    return await self.availability.check(ref)
                async with slots:
                    return await self.availability.check(ref)

            results = await asyncio.gather(*(one(r) for r in wanted), return_exceptions=True)
            for ref, res in zip(wanted, results, strict=True):
                if isinstance(res, BaseException):
                    log.error("probe of %s failed: %r", ref, res)
                elif isinstance(res, Availability) and res.available:
                    rows.append(res)
            order = {r: i for i, r in enumerate(refs)}
            rows.sort(key=lambda a: order.get(a.ref, len(order)))
        return [
            self.variant(
                row.ref, loc, alias, height=row.height, vcodec=row.vcodec, provider=row.provider,
                force_alias_guid=force_alias_guid,
            )
            for row in rows
        ]

    async def listed(
        self, loc: Located, source: tuple[int, int], alias: tuple[int, int] | None, languages: Sequence[Language]
    ) -> list[Variant]:
        """Fast: the languages a listing shows, with cached quality when any (stale is better than none)."""
        return (await self.listed_many(loc, [(source, alias, languages)]))[0]

    async def listed_many(
        self, loc: Located, entries: Sequence[tuple[tuple[int, int], tuple[int, int] | None, Sequence[Language]]]
    ) -> list[list[Variant]]:
        """`listed` for many episodes with one cache read (a warm 24-episode season stays in single-digit ms)."""
        per_entry = [
            [EpisodeRef(loc.site, loc.slug, src[0], src[1], lang) for lang in _ordered(loc.site, langs)]
            for src, _alias, langs in entries
        ]
        rows = await self.availability.stale_many([r for refs in per_entry for r in refs])
        groups = await self._group_qualities([r for refs in per_entry for r in refs], rows)
        out: list[list[Variant]] = []
        for (_src, alias, _langs), refs in zip(entries, per_entry, strict=True):
            variants = []
            for ref in refs:
                if self.availability.recently_unavailable(ref):
                    continue  # no hoster had it a moment ago (e.g. a representative): a grab would only fail
                row = rows.get(ref)
                if row is not None and row.height:
                    variants.append(self.variant(ref, loc, alias, height=row.height, vcodec=row.vcodec, provider=row.provider))
                    continue
                sibling = groups.get(group_of(ref))
                if sibling is not None:  # the show's quality from one probed sibling (see `representative`)
                    provider = row.provider if row is not None else sibling.provider if sibling.ref == ref else None
                    variants.append(self.variant(ref, loc, alias, height=sibling.height, vcodec=sibling.vcodec, provider=provider))
                elif row is not None:
                    variants.append(self.variant(ref, loc, alias, provider=row.provider))
                else:
                    variants.append(self.variant(ref, loc, alias))
            out.append(variants)
        return out

    async def _group_qualities(
        self, refs: Sequence[EpisodeRef], rows: Mapping[EpisodeRef, Availability]
    ) -> dict[tuple[Site, str, int, Language], Availability]:
        """Per (site, slug, season, language) of `refs` lacking a quality: a sibling's quality row.

        A cached row with a quality in the batch answers its group; otherwise the group's refs are probed in
        turn as its representative (bounded, single-flight, remembered). Groups whose probes fail are left out.
        """
        for cached in rows.values():
            self.representative.remember(cached)
        todo: dict[tuple[Site, str, int, Language], list[EpisodeRef]] = {}
        for ref in refs:
            row = rows.get(ref)
            if row is None or not row.height:
                todo.setdefault(group_of(ref), []).append(ref)
        found = await asyncio.gather(*(self.representative.quality(candidates) for candidates in todo.values()))
        return {key: row for key, row in zip(todo, found, strict=True) if row is not None}

    async def warm_variants(self, loc: Located, pairs: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> list[list[Variant] | None]:
        """Per pair: its variants when the cache fully answers it (fresh rows, nothing to retry), else None."""
        per_pair = [
            [EpisodeRef(loc.site, loc.slug, src[0], src[1], lang) for lang in SITE_LANGUAGES[loc.site]] for src, _ in pairs
        ]
        cached, retry = await self.availability.warm_view([r for refs in per_pair for r in refs])
        retrying = set(retry)
        out: list[list[Variant] | None] = []
        for (_src, alias), refs in zip(pairs, per_pair, strict=True):
            rows = [cached[r] for r in refs if r in cached and cached[r].available]
            if not rows or any(r in retrying for r in refs):
                out.append(None)
                continue
            out.append([self.variant(a.ref, loc, alias, height=a.height, vcodec=a.vcodec, provider=a.provider) for a in rows])
        return out


def _ordered(site: Site, langs: Sequence[Language]) -> tuple[Language, ...]:
    order = DEFAULT_LANGUAGES.get(site, ()) + SITE_LANGUAGES.get(site, ())
    unique = list(dict.fromkeys(langs))
    return tuple(sorted(unique, key=lambda lang: order.index(lang) if lang in order else len(order)))


def air_time(show: Show | None, alias: tuple[int, int] | None) -> datetime | None:
    """When SkyHook says the episode (TVDB numbering, as Sonarr asked) aired: its UTC air time, else its air date."""
    if show is None or alias is None:
        return None
    for ep in show.episodes:
        if (ep.season, ep.episode) == alias:
            if ep.aired_at is not None:
                return ep.aired_at
            return datetime.combine(ep.air_date, time(0, 0), tzinfo=UTC) if ep.air_date is not None else None
    return None
