"""RSS and search items under the series' TVDB title and ids, with their real publication time (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anibridge.domain.catalog.identity import Site
from anibridge.domain.releases.magnets import parse_magnet
from anibridge.domain.torznab.request import ExternalIds, SearchKind, SearchRequest
from anibridge.ports.catalog import NewEpisode
from anibridge.ports.metadata import MetaEpisode, Show

from .fakes import GD, FakeSeries, World, world

pytestmark = pytest.mark.anyio

AIRED = datetime(2019, 7, 19, 7, 0, tzinfo=UTC)
LISTED = datetime(2026, 3, 13, 20, 15, tzinfo=UTC)


def tv(**kw: object) -> SearchRequest:
    return SearchRequest(SearchKind.TV, **kw)  # type: ignore[arg-type]


def money_heist(w: World) -> None:
    """s.to lists the show under its German title; SkyHook knows no German alias, only the IMDb id links them."""
    sto = w.catalogs[Site.STO]
    sto.series_by_slug["haus-des-geldes"] = FakeSeries(
        "haus-des-geldes", "Haus des Geldes", {3: {e: (GD,) for e in range(1, 9)}}, imdb_id="tt6468322")
    sto.series_by_slug["unbekannte-serie"] = FakeSeries("unbekannte-serie", "Unbekannte Serie", {1: {1: (GD,)}})
    w.metadata.shows[327417] = Show(
        327417, "Money Heist", 2017, ("La casa de papel",), "tt6468322", 71446, None,
        tuple(MetaEpisode(3, e, 17 + e, f"Episode {e}", AIRED.date(), AIRED) for e in range(1, 9)))
    sto.new = [
        NewEpisode(Site.STO, "haus-des-geldes", "Haus des Geldes", 3, 8, (GD,), released_at=LISTED),
        NewEpisode(Site.STO, "unbekannte-serie", "Unbekannte Serie", 1, 1, (GD,), released_at=LISTED),
    ]


async def test_rss_items_carry_the_tvdb_title_and_ids_of_a_show_listed_under_its_german_title() -> None:
    w = world()
    money_heist(w)
    items = await w.search.search(tv())
    heist = [i for i in items if "sto:haus-des-geldes" in i.guid]
    assert [i.title for i in heist] == ["Money.Heist.S03E08.1080p.WEB-DL.H264.GER-STO"]
    assert (heist[0].tvdb_id, heist[0].imdb_id, heist[0].tmdb_id) == (327417, "6468322", 71446)
    assert heist[0].published_at == LISTED  # the site's listing date
    assert "imdb:tt6468322" in w.metadata.terms  # mapped through the page's IMDb id
    # No mapping: the site title, no ids (never a wrong show).
    [unknown] = [i for i in items if "unbekannte-serie" in i.guid]
    assert unknown.title.startswith("Unbekannte.Serie.S01E01.") and unknown.tvdb_id is None
    # The mapping is cached: a second RSS sync costs no page and no SkyHook lookup.
    pages, terms = w.catalogs[Site.STO].calls["series"], len(w.metadata.terms)
    again = await w.search.search(tv())
    assert [i.title for i in again] == [i.title for i in items]
    assert (w.catalogs[Site.STO].calls["series"], len(w.metadata.terms)) == (pages, terms)


async def test_search_items_are_dated_by_skyhook_s_air_time_and_the_magnet_carries_it() -> None:
    w = world()
    money_heist(w)
    # Cold, an id search cannot know that s.to's "Haus des Geldes" is TVDB 327417 (no title resembles it) ...
    assert await w.search.search(tv(ids=ExternalIds(tvdb=327417), season=3, episode=8)) == []
    # ... once a title search (or RSS sync) mapped the show, the id search finds it too.
    for request in (tv(q="Haus des Geldes", season=3, episode=8), tv(ids=ExternalIds(tvdb=327417), season=3, episode=8)):
        [item] = await w.search.search(request)
        assert item.title.startswith("Money.Heist.S03E08.")
        assert item.published_at == AIRED
        assert parse_magnet(item.magnet).published_at == AIRED
        assert (item.season, item.episode) == (3, 8)
        assert item.page_url is None  # no base URL configured in this world
    # A show SkyHook does not know: "now", and no date in the magnet.
    [first, *_] = await w.search.search(tv(q="9-1-1", season=1, episode=2))
    assert first.published_at == w.clock.now() and parse_magnet(first.magnet).published_at is None


async def test_a_future_air_date_is_clamped_to_now() -> None:
    w = world()
    money_heist(w)
    later = datetime(2027, 1, 1, tzinfo=UTC)
    show = w.metadata.shows[327417]
    w.metadata.shows[327417] = Show(show.tvdb_id, show.title, show.year, show.aliases, show.imdb_id, show.tmdb_id,
                                    None, (MetaEpisode(3, 8, 25, "x", later.date(), later),))
    [item] = await w.search.search(tv(q="Haus des Geldes", season=3, episode=8))
    assert item.published_at == w.clock.now()


async def test_film_items_carry_the_ids_the_page_links_or_the_request_names() -> None:
    w = world()
    movie = SearchKind.MOVIE
    [plain] = await w.search.search(SearchRequest(movie, q="Avengers Endgame 2019"))
    assert (plain.imdb_id, plain.tmdb_id, plain.season, plain.episode) == (None, None, None, None)
    # A client that knows the film (FlexGet's movie list, Radarr) names it: the item carries those ids back.
    [named] = await w.search.search(SearchRequest(movie, q="Avengers Endgame", ids=ExternalIds(imdb="4154796", tmdb=299534)))
    assert (named.imdb_id, named.tmdb_id) == ("4154796", 299534)
    # A post that links IMDb/TMDB wins over the request.
    w.catalogs[Site.MEGAKINO].series_by_slug["avengers-endgame"].imdb_id = "tt4154796"
    w.catalogs[Site.MEGAKINO].series_by_slug["avengers-endgame"].tmdb_id = 299534
    [linked] = await w.search.search(SearchRequest(movie, q="Avengers Endgame", ids=ExternalIds(imdb="1")))
    assert (linked.imdb_id, linked.tmdb_id) == ("4154796", 299534)
