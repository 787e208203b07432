"""A show on several sites: every site's offer comes back, in catalogue order, with unique guids."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Site,
)
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.release import Variant
from anibridge.domain.torznab.request import (
    ExternalIds,
    SearchKind,
    SearchRequest,
)
from anibridge.domain.torznab.service import _unique
from anibridge.ports.catalog import EpisodeDetail
from anibridge.ports.metadata import MetaEpisode, Show

from .fakes import ED, GD, GS, FakeCatalog, FakeSeries, World, all_pages, world

pytestmark = pytest.mark.anyio


def tv(**kw: object) -> SearchRequest:
    return SearchRequest(SearchKind.TV, **kw)  # type: ignore[arg-type]


def titan(title: str = "Attack on Titan", slug: str = "attack-on-titan", langs: tuple = (GD, GS)) -> FakeSeries:  # type: ignore[type-arg]
    return FakeSeries(slug, title, {1: {e: langs for e in range(1, 26)}})


def add(w: World, site: Site, *series: FakeSeries) -> None:
    for s in series:
        w.catalogs[site].series_by_slug[s.slug] = s


def titan_show() -> Show:
    eps = tuple(MetaEpisode(1, e, e, None) for e in range(1, 26))
    return Show(267440, "Attack on Titan", 2013, ("Shingeki no Kyojin", "Angriff auf Titan"), "tt2560140", 1, None, eps)


async def test_episode_search_returns_every_sites_offer_in_catalogue_order() -> None:
    w = world()
    add(w, Site.ANIWORLD, titan())
    add(w, Site.STO, titan(langs=(GD, ED)))
    items = await w.search.search(tv(q="Attack on Titan", season=1, episode=1))
    assert [i.guid for i in items] == [
        "aw:attack-on-titan:s1e1:German Dub",
        "aw:attack-on-titan:s1e1:German Sub",
        "sto:attack-on-titan:s1e1:German Dub",
        "sto:attack-on-titan:s1e1:English Dub",
    ]
    assert "aw_site=aniworld.to" in items[0].magnet and "sto_site=s.to" in items[2].magnet
    # Each site's release is its own torrent (issue 14): a blocklisted hash at one site must not block the other.
    assert items[0].infohash != items[2].infohash
    assert len({i.infohash for i in items}) == 4


async def test_season_search_pages_through_both_sites_without_duplicates() -> None:
    w = world()
    add(w, Site.ANIWORLD, titan())
    add(w, Site.STO, titan(langs=(GD,)))
    seen = await all_pages(w.search, 20, q="Attack on Titan", season=1)
    assert len(seen) == len(set(seen)) == 25 * 2 + 25
    assert all(g.startswith("aw:") for g in seen[:50]) and all(g.startswith("sto:") for g in seen[50:])


async def test_a_sequel_on_the_other_site_is_not_the_show() -> None:
    w = world()
    add(w, Site.ANIWORLD, titan("Naruto", "naruto"))
    add(w, Site.STO, titan("Naruto Shippuden", "naruto-shippuden"))
    items = await w.search.search(tv(q="Naruto", season=1, episode=1))
    assert {i.guid.split(":")[1] for i in items} == {"naruto"}

    # Without an identical title anywhere, each site's best similar title counts (threshold 3.5).
    w = world()
    add(w, Site.ANIWORLD, titan())
    add(w, Site.STO, titan())
    items = await w.search.search(tv(q="Attack Titan", season=1, episode=1))
    assert {i.guid.split(":")[0] for i in items} == {"aw", "sto"}


async def test_a_year_tag_does_not_hide_the_same_show() -> None:
    w = world()
    add(w, Site.ANIWORLD, titan())
    add(w, Site.STO, titan("Attack on Titan (2013)", "attack-on-titan-2013"))
    items = await w.search.search(tv(q="Attack on Titan", season=1, episode=2))
    assert [i.guid.split(":")[0] for i in items] == ["aw", "aw", "sto", "sto"]


async def test_the_other_site_is_found_through_skyhook_aliases() -> None:
    w = world()
    add(w, Site.ANIWORLD, titan())
    add(w, Site.STO, titan("Angriff auf Titan", "angriff-auf-titan", (GD,)))
    w.metadata.shows[267440] = titan_show()
    items = await w.search.search(tv(q="Attack on Titan", season=1, episode=3, ids=ExternalIds(tvdb=267440)))
    assert [i.guid for i in items][-1] == "sto:angriff-auf-titan:s1e3:German Dub"
    assert all(i.title.startswith("Attack.on.Titan.S01E03") for i in items)  # the TVDB title Sonarr knows


class _Rendezvous(FakeCatalog):
    """Answers an episode page only once the other site's page was asked for too (a sequential search hangs)."""

    def __init__(self, base: FakeCatalog, arrived: asyncio.Event, other: asyncio.Event) -> None:
        super().__init__(base.site, list(base.series_by_slug.values()))
        self.arrived, self.other = arrived, other

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        self.arrived.set()
        await self.other.wait()
        return await super().episode(slug, season, episode)


async def test_sites_are_searched_concurrently() -> None:
    w = world()
    add(w, Site.ANIWORLD, titan())
    add(w, Site.STO, titan())
    a, s = asyncio.Event(), asyncio.Event()
    w.catalogs[Site.ANIWORLD] = _Rendezvous(w.catalogs[Site.ANIWORLD], a, s)
    w.catalogs[Site.STO] = _Rendezvous(w.catalogs[Site.STO], s, a)
    w.search.ctx.catalogs = w.catalogs  # type: ignore[misc]
    w.finder.catalogs = w.catalogs
    items = await asyncio.wait_for(w.search.search(tv(q="Attack on Titan", season=1, episode=4)), timeout=5)
    assert {i.guid.split(":")[0] for i in items} == {"aw", "sto"}


async def test_a_crashing_site_costs_only_its_own_items() -> None:
    w = world()
    add(w, Site.ANIWORLD, titan())
    add(w, Site.STO, titan())

    async def crash(slug: str, season: int, episode: int) -> EpisodeDetail:
        raise RuntimeError("parser bug")

    w.catalogs[Site.ANIWORLD].episode = crash  # type: ignore[method-assign]
    w.finder.catalogs[Site.ANIWORLD].episode = crash  # type: ignore[method-assign]
    items = await w.search.search(tv(q="Attack on Titan", season=1, episode=5))
    assert items and all(i.guid.startswith("sto:") for i in items)


def test_guids_stay_unique_where_two_sites_share_a_magnet_prefix() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    aw = Variant(EpisodeRef(Site.ANIWORLD, "x", 0, 0, GD), "X", None)
    mk = Variant(EpisodeRef(Site.MEGAKINO, "x", 0, 0, GD), "X", None)
    out = _unique(SearchConfig(), [(aw, None), (aw, None), (mk, when)], when, frozenset())
    assert [r.guid for r in out] == ["aw:x:s0e0:German Dub", "megakino:x:s0e0:German Dub"]
    assert out[0].infohash != out[1].infohash and "&aw_site=megakino" in out[1].magnet  # own hash, same wire keys
