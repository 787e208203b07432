"""Small in-memory fakes of the ports the search use cases talk through (no network, counted calls)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from anibridge.adapters.memory import InMemoryAvailabilityRepo
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.catalog.lookup import TitleLookup
from anibridge.domain.streams.availability import AvailabilityService
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.context import SearchContext
from anibridge.domain.torznab.request import (
    SearchKind,
    SearchRequest,
)
from anibridge.domain.torznab.service import TorznabSearch
from anibridge.ports.catalog import (
    EpisodeDetail,
    EpisodeListing,
    HosterLink,
    NewEpisode,
    SeriesDetail,
    SeriesEntry,
)
from anibridge.ports.errors import HosterUnavailable, NotFound
from anibridge.ports.metadata import MetaEpisode, Show
from anibridge.ports.streams import DirectStream, Quality
from tests.fakes import FakeClock

GD, GS, ES, ED = Language.GERMAN_DUB, Language.GERMAN_SUB, Language.ENGLISH_SUB, Language.ENGLISH_DUB


@dataclass
class FakeSeries:
    slug: str
    title: str
    seasons: dict[int, dict[int, tuple[Language, ...]]]  # season → episode → languages (season 0 = films)
    films: dict[int, tuple[str, str]] = field(default_factory=dict)  # film index → (German title, English title)
    kind: str = "series"
    year: int | None = None
    alt_titles: tuple[str, ...] = ()
    imdb_id: str | None = None
    tmdb_id: int | None = None


class FakeCatalog:
    def __init__(self, site: Site, series: list[FakeSeries], *, list_languages: bool = True,
                 new: list[NewEpisode] | None = None, delay: float = 0.0) -> None:
        self._site = site
        self.series_by_slug = {s.slug: s for s in series}
        self.list_languages = list_languages
        self.new = new or []
        self.delay = delay
        self.calls: Counter[str] = Counter()

    @property
    def site(self) -> Site:
        return self._site

    async def _tick(self, name: str) -> None:
        self.calls[name] += 1
        if self.delay:
            await asyncio.sleep(self.delay)

    async def index(self) -> list[SeriesEntry]:
        return [SeriesEntry(self._site, s.slug, s.title, s.alt_titles, s.kind, s.year) for s in self.series_by_slug.values()]

    async def search(self, query: str) -> list[SeriesEntry]:
        return []

    def _get(self, slug: str) -> FakeSeries:
        if slug not in self.series_by_slug:
            raise NotFound(slug)
        return self.series_by_slug[slug]

    async def series(self, slug: str) -> SeriesDetail:
        await self._tick("series")
        s = self._get(slug)
        return SeriesDetail(self._site, slug, s.title, s.alt_titles, tuple(sorted(s.seasons)), s.kind, s.year,
                            s.imdb_id, s.tmdb_id)

    async def season(self, slug: str, season: int) -> list[EpisodeListing]:
        await self._tick("season")
        s = self._get(slug)
        if season not in s.seasons:
            raise NotFound(f"{slug} season {season}")
        out = []
        for ep, langs in sorted(s.seasons[season].items()):
            de, en = s.films.get(ep, (None, None)) if season == 0 else (f"Folge {ep}", f"Episode {ep}")
            out.append(EpisodeListing(season, ep, de, en, langs if self.list_languages else ()))
        return out

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        await self._tick("episode")
        s = self._get(slug)
        langs = s.seasons.get(season, {}).get(episode)
        if langs is None:
            raise NotFound(f"{slug} S{season}E{episode}")
        hosters = tuple(HosterLink("VOE", lang, f"https://fake/{slug}/{season}/{episode}/{lang.value}") for lang in langs)
        return EpisodeDetail(self._site, slug, season, episode, None, None, langs, hosters)

    async def embed_url(self, link: HosterLink) -> str:
        return link.url

    async def new_episodes(self) -> list[NewEpisode]:
        await self._tick("new_episodes")
        return self.new


class FakeFinder:
    """Finds a stream when the catalog offers the episode in that language; counts and optionally delays."""

    def __init__(self, catalogs: dict[Site, FakeCatalog], delay: float = 0.0) -> None:
        self.catalogs = catalogs
        self.delay = delay
        self.calls: list[EpisodeRef] = []
        self.preferred: list[str | None] = []
        self.broken: set[EpisodeRef] = set()
        self.in_flight = 0
        self.max_in_flight = 0

    async def find(self, ref: EpisodeRef, preferred: str | None = None, exclude: frozenset[str] = frozenset()) -> DirectStream:
        self.calls.append(ref)
        self.preferred.append(preferred)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if ref in self.broken:
                raise HosterUnavailable("VOE: 503")
            series = self.catalogs[ref.site].series_by_slug.get(ref.slug)
            langs = series.seasons.get(ref.season, {}).get(ref.episode, ()) if series else ()
            if ref.language not in langs:
                raise NotFound(f"{ref} not offered")
            return DirectStream(f"https://media/{ref.slug}/{ref.season}/{ref.episode}.mp4", "VOE")
        finally:
            self.in_flight -= 1


class FakeProbe:
    def __init__(self, quality: Quality = Quality(1080, "avc1.64001f"), fail: bool = False) -> None:
        self.quality = quality
        self.fail = fail
        self.calls = 0

    async def probe(self, stream: DirectStream) -> Quality:
        self.calls += 1
        if self.fail:
            raise RuntimeError("probe failed")
        return self.quality


class FakeMetadata:
    def __init__(self, shows: list[Show]) -> None:
        self.shows = {s.tvdb_id: s for s in shows}
        self.terms: list[str] = []

    async def search(self, term: str) -> list[Show]:
        self.terms.append(term)
        key = term.lower()
        for prefix, attr in (("imdb:", "imdb_id"), ("tmdb:", "tmdb_id"), ("tvmaze:", "tvmaze_id")):
            if key.startswith(prefix):
                want = key[len(prefix):]
                return [s for s in self.shows.values() if str(getattr(s, attr)).lower() == want]
        return [s for s in self.shows.values() if key in s.title.lower() or any(key in a.lower() for a in s.aliases)]

    async def show(self, tvdb_id: int) -> Show | None:
        return self.shows.get(tvdb_id)


def kaguya() -> FakeSeries:
    return FakeSeries(
        "kaguya-sama-love-is-war",
        "Kaguya-sama: Love is War",
        {
            1: {e: (GD, GS, ES) for e in range(1, 13)},
            2: {e: (GD, GS) for e in range(1, 13)},
            0: {1: (GS,), 2: (GS,), 3: (GD, GS), 4: (GD, GS), 5: (GD, GS)},
        },
        films={
            1: ("", "Kaguya-sama: Love is War [OVA]"),
            2: ("Ultra Romantic OVA", "Ultra Romantic [OVA]"),
            3: ("Der erste Kuss, der nie endet - Teil 1", "The First Kiss That Never Ends [Movie][Part 1]"),
            4: ("Der erste Kuss, der nie endet - Teil 3", "The First Kiss That Never Ends [Movie][Part 3]"),
            5: ("Der erste Kuss, der nie endet - Teil 2", "The First Kiss That Never Ends [Movie][Part 2]"),
        },
        alt_titles=("Kaguya-sama wa Kokurasetai",),
    )


def kaguya_show() -> Show:
    eps = [MetaEpisode(1, e, e, f"Episode {e}") for e in range(1, 13)]
    eps += [MetaEpisode(2, e, 12 + e, f"Episode {e}") for e in range(1, 13)]
    eps += [
        MetaEpisode(0, 1, None, "Kaguya-sama: Love is War OVA"),
        MetaEpisode(0, 2, None, "Ultra Romantic OVA"),
        MetaEpisode(0, 3, None, "The First Kiss That Never Ends (Part 1)"),
        MetaEpisode(0, 4, None, "The First Kiss That Never Ends (Part 2)"),
        MetaEpisode(0, 5, None, "The First Kiss That Never Ends (Part 3)"),
    ]
    return Show(354198, "Kaguya-sama: Love is War", 2019, ("Kaguya-sama wa Kokurasetai",), "tt9522300", 83121, None, tuple(eps))


def clover() -> FakeSeries:
    """Site numbering: one season of 52 (TVDB splits it into 26 + 26)."""
    return FakeSeries("black-clover", "Black Clover", {1: {e: (GD, GS) for e in range(1, 53)}})


def clover_show() -> Show:
    eps = [MetaEpisode(1, e, e, None) for e in range(1, 27)] + [MetaEpisode(2, e, 26 + e, None) for e in range(1, 27)]
    return Show(331753, "Black Clover", 2017, (), "tt7441658", 73223, None, tuple(eps))


def nine() -> FakeSeries:
    return FakeSeries("9-1-1", "9-1-1", {1: {e: (GD, ED) for e in range(1, 11)}})


def endgame() -> FakeSeries:
    return FakeSeries("avengers-endgame", "Avengers: Endgame", {0: {0: (GD,)}}, kind="movie", year=2019)


@dataclass
class World:
    catalogs: dict[Site, FakeCatalog]
    finder: FakeFinder
    probe: FakeProbe
    metadata: FakeMetadata
    repo: InMemoryAvailabilityRepo
    clock: FakeClock
    availability: AvailabilityService
    search: TorznabSearch
    config: SearchConfig


def world(config: SearchConfig | None = None, *, list_languages: bool = True, delay: float = 0.0,
          new: list[NewEpisode] | None = None) -> World:
    config = config or SearchConfig()
    catalogs = {
        Site.ANIWORLD: FakeCatalog(Site.ANIWORLD, [kaguya(), clover()], list_languages=list_languages, new=new, delay=delay),
        Site.STO: FakeCatalog(Site.STO, [nine()], list_languages=list_languages, delay=delay),
        Site.MEGAKINO: FakeCatalog(Site.MEGAKINO, [endgame()], delay=delay),
    }
    finder = FakeFinder(catalogs, delay=delay)
    probe = FakeProbe()
    metadata = FakeMetadata([kaguya_show(), clover_show()])
    repo = InMemoryAvailabilityRepo()
    clock = FakeClock(datetime(2026, 3, 14, 17, 10, 42, tzinfo=UTC))
    availability = AvailabilityService(repo, finder, probe, clock, ttl_hours=24)
    ctx = SearchContext(catalogs, TitleLookup(catalogs), metadata, availability, clock, config)  # type: ignore[arg-type]
    return World(catalogs, finder, probe, metadata, repo, clock, availability, TorznabSearch(ctx), config)


async def all_pages(search: TorznabSearch, page: int = 10, **request: object) -> list[str]:
    """Guids of every page of a TV search, paging like Sonarr: offset += limit until a short page."""
    seen: list[str] = []
    offset = 0
    while True:
        items = await search.search(SearchRequest(SearchKind.TV, offset=offset, limit=page, **request))  # type: ignore[arg-type]
        seen += [i.guid for i in items]
        if len(items) < page:
            return seen
        offset += page
