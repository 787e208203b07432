"""TitleLookup over in-memory catalogues: threshold, site order, fallbacks, Megakino rules, alternatives."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.lookup import (
    TitleLookup,
    suggest_terms,
)
from anibridge.ports.catalog import EpisodeDetail, EpisodeListing, HosterLink, NewEpisode, SeriesDetail, SeriesEntry
from anibridge.ports.errors import SiteUnavailable

pytestmark = pytest.mark.anyio


class MemoryCatalog:
    """A CatalogPort whose index and search answers are plain lists; records the search terms it got."""

    def __init__(self, site: Site, entries: Sequence[SeriesEntry] = (), search_hits: dict[str, list[SeriesEntry]] | None = None,
                 broken: bool = False) -> None:
        self._site = site
        self.entries = tuple(entries)
        self.search_hits = search_hits or {}
        self.searched: list[str] = []
        self.index_calls = 0
        self.broken = broken

    @property
    def site(self) -> Site:
        return self._site

    async def index(self) -> Sequence[SeriesEntry]:
        self.index_calls += 1
        if self.broken:
            raise SiteUnavailable(f"{self._site.value}: down")
        return self.entries

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        self.searched.append(query)
        if self.broken and not self.search_hits:
            raise SiteUnavailable("down")
        return self.search_hits.get(query, [])

    async def series(self, slug: str) -> SeriesDetail:
        raise NotImplementedError

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        raise NotImplementedError

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        raise NotImplementedError

    async def embed_url(self, link: HosterLink) -> str:
        return link.url

    async def new_episodes(self) -> Sequence[NewEpisode]:
        return []


def entry(site: Site, slug: str, title: str, *alts: str) -> SeriesEntry:
    return SeriesEntry(site, slug, title, alts)


AW = Site.ANIWORLD
STO = Site.STO
MK = Site.MEGAKINO


def world(**kw: MemoryCatalog) -> dict[Site, MemoryCatalog]:
    return {c.site: c for c in kw.values()}


async def test_exact_title_wins_across_sites_and_scores_are_ranked() -> None:
    aw = MemoryCatalog(AW, [entry(AW, "kaguya-sama-love-is-war", "Kaguya-sama: Love is War"), entry(AW, "naruto", "Naruto")])
    sto = MemoryCatalog(STO, [entry(STO, "love-island", "Love Island"), entry(STO, "war-of-the-worlds", "War of the Worlds")])
    found = await TitleLookup(world(a=aw, s=sto)).search("Kaguya-sama: Love is War")
    assert found[0].site is AW and found[0].slug == "kaguya-sama-love-is-war"
    assert found[0].score > 14
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


async def test_alternative_titles_match() -> None:
    aw = MemoryCatalog(AW, [entry(AW, "attack-on-titan", "Attack on Titan", "Shingeki no Kyojin")])
    best = await TitleLookup(world(a=aw)).resolve("shingeki no kyojin")
    assert best is not None and best.slug == "attack-on-titan"


async def test_ties_keep_site_order() -> None:
    aw = MemoryCatalog(AW, [entry(AW, "dark", "Dark")])
    sto = MemoryCatalog(STO, [entry(STO, "dark", "Dark")])
    assert (await TitleLookup(world(s=sto, a=aw)).resolve("Dark")).site is STO  # type: ignore[union-attr]
    assert (await TitleLookup(world(a=aw, s=sto)).resolve("Dark")).site is AW  # type: ignore[union-attr]


async def test_below_threshold_is_no_match_without_fallback_hits() -> None:
    aw = MemoryCatalog(AW, [entry(AW, "one-piece", "One Piece Film Red Special Edition Extended Cut")])
    assert await TitleLookup(world(a=aw)).search("Red Piece Cut Zebra Monkey") == []
    assert aw.searched == ["Red Piece Cut Zebra Monkey"]  # AniWorld's own search was asked (the reference never does)


async def test_sto_suggest_fallback_uses_term_variants_and_needs_overlap() -> None:
    sto = MemoryCatalog(STO, [entry(STO, "reno", "Something else")], search_hits={
        "911": [entry(STO, "reno-911", "Reno 911!"), entry(STO, "road-to-9-11", "Road to 9/11")],
        "9-1-1": [entry(STO, "9-1-1", "9-1-1")],
    })
    best = await TitleLookup(world(s=sto)).resolve("911")
    assert best is not None and (best.slug, best.source) == ("9-1-1", "suggest")
    assert sto.searched == ["911", "9-1-1"]
    unrelated = MemoryCatalog(STO, [], search_hits={"Zzyzx": [entry(STO, "breaking-bad", "Breaking Bad")]})
    assert await TitleLookup(world(s=unrelated)).search("Zzyzx") == []


async def test_suggest_terms() -> None:
    assert suggest_terms("911") == ["911", "9-1-1"]
    assert suggest_terms("Grey's Anatomy") == ["Grey's Anatomy", "greysanatomy"]


async def test_broken_index_falls_back_to_the_site_search() -> None:
    aw = MemoryCatalog(AW, broken=True, search_hits={"Frieren": [entry(AW, "frieren", "Frieren: Beyond Journey's End")]})
    best = await TitleLookup(world(a=aw)).resolve("Frieren")
    assert best is not None and best.slug == "frieren" and best.source == "search"


async def test_megakino_is_only_consulted_when_enabled_and_primary_fails() -> None:
    aw = MemoryCatalog(AW, [entry(AW, "naruto", "Naruto")])
    mk = MemoryCatalog(MK, [entry(MK, "avengers-endgame", "Avengers Endgame")])
    resolver = TitleLookup(world(a=aw, m=mk))
    assert (await resolver.resolve("Naruto")).site is AW  # type: ignore[union-attr]
    assert (await resolver.resolve("Avengers: Endgame")).slug == "avengers-endgame"  # type: ignore[union-attr]
    assert await TitleLookup(world(a=aw)).search("avengers-endgame") == []  # disabled: no shortcut quirk


async def test_megakino_shortcuts() -> None:
    mk = MemoryCatalog(MK, [entry(MK, "the-penguin-staffel-1", "The Penguin Staffel 1")])
    resolver = TitleLookup(world(m=mk))
    url = await resolver.resolve("https://megakino.example/serials/5881-the-penguin-staffel-1.html")
    assert url is not None and (url.slug, url.source) == ("the-penguin-staffel-1", "shortcut")
    slug = await resolver.resolve("the-penguin-staffel-1")
    assert slug is not None and slug.source == "shortcut"
    assert await resolver.search("Naruto") == []  # a single word is not blindly a Megakino slug


async def test_site_restriction() -> None:
    aw = MemoryCatalog(AW, [entry(AW, "dark", "Dark")])
    sto = MemoryCatalog(STO, [entry(STO, "dark", "Dark")])
    best = await TitleLookup(world(a=aw, s=sto)).resolve("Dark", site=STO)
    assert best is not None and best.site is STO
    assert await TitleLookup(world(a=aw)).search("Dark", site=MK) == []


async def test_index_is_built_once_per_index_version() -> None:
    aw = MemoryCatalog(AW, [entry(AW, f"show-{i}", f"Show Number {i}") for i in range(200)])
    resolver = TitleLookup(world(a=aw))
    await resolver.search("Show Number 5")
    first = resolver._prepared_by_sites[(AW,)]
    await resolver.search("Show Number 6")
    assert resolver._prepared_by_sites[(AW,)] is first
    aw.entries = aw.entries + (entry(AW, "new", "Brand New Show"),)
    best = await resolver.resolve("Brand New Show")
    assert best is not None and best.slug == "new"


async def test_equal_compact_title_is_exact_even_without_shared_tokens() -> None:
    sto = MemoryCatalog(STO, [entry(STO, "reno-911", "Reno 911!"), entry(STO, "9-1-1", "9-1-1")])
    found = await TitleLookup(world(s=sto)).search("911")
    assert [m.slug for m in found] == ["9-1-1", "reno-911"]
