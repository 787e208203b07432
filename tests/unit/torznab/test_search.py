"""Search use cases against in-memory fakes: what items come out, and how much probing it costs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from anibridge.domain.catalog.identity import Site
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.request import (
    ExternalIds,
    SearchKind,
    SearchRequest,
)
from anibridge.ports.catalog import NewEpisode
from anibridge.ports.streams import Quality

from .fakes import ED, GD, GS, FakeSeries, all_pages, world

pytestmark = pytest.mark.anyio


def tv(**kw: object) -> SearchRequest:
    return SearchRequest(SearchKind.TV, **kw)  # type: ignore[arg-type]


async def test_episode_search_probes_each_offered_language_once_then_serves_the_cache() -> None:
    w = world()
    items = await w.search.search(tv(q="Kaguya-sama", season=1, episode=3))
    assert [i.title for i in items] == [
        "Kaguya.sama.Love.is.War.S01E03.1080p.WEB-DL.H264.GER-ANIWORLD",
        "Kaguya.sama.Love.is.War.S01E03.1080p.WEB-DL.H264.GER.SUB-ANIWORLD",
        "Kaguya.sama.Love.is.War.S01E03.1080p.WEB-DL.H264.ENG.SUB-ANIWORLD",
    ]
    assert w.probe.calls == 3 and len(w.finder.calls) == 3
    again = await w.search.search(tv(q="Kaguya-sama", season=1, episode=3))
    assert [i.guid for i in again] == [i.guid for i in items]
    assert w.probe.calls == 3 and len(w.finder.calls) == 3  # warm: no probe, no finder call
    assert w.catalogs[Site.ANIWORLD].calls["episode"] == 1


async def test_cache_expires_after_the_ttl_and_last_good_provider_is_preferred() -> None:
    w = world()
    await w.search.search(tv(q="Kaguya-sama", season=1, episode=3))
    w.clock.advance(25 * 3600)
    await w.search.search(tv(q="Kaguya-sama", season=1, episode=3))
    assert w.probe.calls == 6
    assert w.finder.preferred[-3:] == ["VOE", "VOE", "VOE"]


async def test_concurrent_identical_searches_probe_once_per_episode_ref() -> None:
    w = world(delay=0.02)
    results = await asyncio.gather(*(w.search.search(tv(q="Kaguya-sama", season=1, episode=4)) for _ in range(5)))
    assert all(len(r) == 3 for r in results)
    assert w.probe.calls == 3
    assert len(w.finder.calls) == 3


async def test_failures_are_negatively_cached_for_a_short_time() -> None:
    w = world()
    ref_items = await w.search.search(tv(q="Kaguya-sama", season=1, episode=5))
    assert len(ref_items) == 3
    broken = w.finder.calls[0]
    w2 = world()
    w2.finder.broken.add(broken)
    first = await w2.search.search(tv(q="Kaguya-sama", season=1, episode=5))
    assert len(first) == 2
    calls = len(w2.finder.calls)
    # Within the negative TTL: the broken variant is not retried; the others come from the cache.
    await w2.search.search(tv(q="Kaguya-sama", season=1, episode=5))
    assert len(w2.finder.calls) == calls
    w2.finder.broken.clear()
    w2.clock.advance(120)
    healed = await w2.search.search(tv(q="Kaguya-sama", season=1, episode=5))
    assert len(healed) == 3


async def test_probe_failure_still_means_available_with_unknown_quality() -> None:
    w = world()
    w.probe.fail = True
    items = await w.search.search(tv(q="9-1-1", season=1, episode=2))
    assert [i.title for i in items] == ["9.1.1.S01E02.SD.WEB-DL.H264.GER-STO", "9.1.1.S01E02.SD.WEB-DL.H264.ENG-STO"]


async def test_fast_season_search_probes_one_representative_per_language_and_titles_siblings_alike() -> None:
    w = world()
    items = await w.search.search(tv(q="Kaguya-sama", season=2))
    assert len(items) == 24
    # One representative episode per (season, language) is probed, not all 24 variants.
    assert w.probe.calls == 2 and sorted((r.episode, r.language) for r in w.finder.calls) == [(1, GD), (1, GS)]
    assert items[0].title == "Kaguya.sama.Love.is.War.S02E01.1080p.WEB-DL.H264.GER-ANIWORLD"
    assert all(".1080p." in i.title and i.categories == (5000, 5040, 5070) for i in items)
    single = await w.search.search(tv(q="Kaguya-sama", season=2, episode=7))
    in_season = {i.guid: i.title for i in items}
    assert single and all(in_season[i.guid] == i.title for i in single)  # same episode, same title
    again = await w.search.search(tv(q="Kaguya-sama", season=2))
    assert [i.title for i in again] == [i.title for i in items] and w.probe.calls == 4  # 2 + episode 7's two


async def test_fast_season_falls_back_to_unknown_quality_when_the_representative_fails() -> None:
    w = world()
    w.probe.fail = True
    items = await w.search.search(tv(q="Kaguya-sama", season=2))
    assert len(items) == 24 and w.probe.calls == 2 * 3  # three candidates per (season, language), then give up
    assert items[0].title == "Kaguya.sama.Love.is.War.S02E01.SD.WEB-DL.H264.GER-ANIWORLD"
    assert items[0].categories == (5000, 5030, 5040, 5070)


async def test_fast_season_tries_the_next_sibling_when_the_representative_has_no_hoster() -> None:
    """Hosters lose single files: episode 1 gone must neither be listed nor cost its siblings their quality."""
    from anibridge.domain.catalog.identity import EpisodeRef

    w = world()
    gone = EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 2, 1, GD)
    w.finder.broken.add(gone)
    items = await w.search.search(tv(q="Kaguya-sama", season=2))
    titles = [i.title for i in items]
    assert len(items) == 23 and "Kaguya.sama.Love.is.War.S02E01.1080p.WEB-DL.H264.GER-ANIWORLD" not in titles
    assert "Kaguya.sama.Love.is.War.S02E01.1080p.WEB-DL.H264.GER.SUB-ANIWORLD" in titles
    assert all(".1080p." in t for t in titles)  # German Dub siblings took episode 2's quality
    assert sorted((r.episode, r.language) for r in w.finder.calls) == [(1, GD), (1, GS), (2, GD)]


async def test_fast_season_reads_episode_pages_when_the_listing_has_no_languages() -> None:
    w = world(list_languages=False)
    items = await w.search.search(tv(q="Kaguya-sama", season=2, limit=6))
    assert len(items) == 6
    assert w.probe.calls == 2
    assert w.catalogs[Site.ANIWORLD].calls["episode"] <= SearchConfig().probe_concurrency + 1


async def test_fast_season_uses_cached_quality() -> None:
    w = world()
    await w.search.search(tv(q="Kaguya-sama", season=2, episode=1))
    w.probe.quality = Quality(480, "avc1")  # the cached 1080p rows, not a new probe, decide the siblings' titles
    items = await w.search.search(tv(q="Kaguya-sama", season=2))
    assert w.probe.calls == 2
    assert items[0].title == "Kaguya.sama.Love.is.War.S02E01.1080p.WEB-DL.H264.GER-ANIWORLD"
    assert items[2].title == "Kaguya.sama.Love.is.War.S02E02.1080p.WEB-DL.H264.GER-ANIWORLD"


async def test_strict_season_search_probes_with_bounded_concurrency_and_stops_at_the_limit() -> None:
    w = world(SearchConfig(season_mode="strict", probe_concurrency=3), delay=0.01)
    items = await w.search.search(tv(q="Kaguya-sama", season=1, limit=7))
    assert len(items) == 7
    assert all("1080p" in i.title for i in items)
    assert w.finder.max_in_flight <= 3
    assert w.probe.calls < 36  # not the whole season (12 episodes × 3 languages)


async def test_special_episode_uses_skyhook_numbering_in_the_title_and_the_film_in_the_magnet() -> None:
    w = world()
    items = await w.search.search(tv(q="Kaguya-sama", season=0, episode=5))
    assert items[0].title == "Kaguya.sama.Love.is.War.S00E05.1080p.WEB-DL.H264.GER-ANIWORLD"
    assert items[0].guid == "aw:kaguya-sama-love-is-war:s0e4:German Dub:alias-s0e5"
    assert "aw_s=0&aw_e=4" in items[0].magnet


async def test_special_found_by_episode_title_in_a_plain_search() -> None:
    w = world()
    req = SearchRequest(SearchKind.SEARCH, q="Kaguya-sama Love is War The First Kiss That Never Ends Part 2")
    items = await w.search.search(req)
    assert items and items[0].title.startswith("Kaguya.sama.Love.is.War.S00E04.")
    assert items[0].guid == "aw:kaguya-sama-love-is-war:s0e5:German Dub:alias-s0e4"


async def test_absolute_number_in_query_and_in_ep_maps_to_site_and_tvdb_numbering() -> None:
    w = world()
    by_q = await w.search.search(SearchRequest(SearchKind.SEARCH, q="Black Clover 30"))
    by_ep = await w.search.search(tv(ids=ExternalIds(tvdb=331753), episode=30))
    by_id_q = await w.search.search(tv(ids=ExternalIds(tvdb=331753), q="30"))
    for items in (by_q, by_ep, by_id_q):
        assert [i.title for i in items] == [
            "Black.Clover.S02E04.1080p.WEB-DL.H264.GER-ANIWORLD",
            "Black.Clover.S02E04.1080p.WEB-DL.H264.GER.SUB-ANIWORLD",
        ]
        assert "aw_s=1&aw_e=30" in items[0].magnet


async def test_tvdb_season_the_site_does_not_have_is_mapped_through_absolute_numbers() -> None:
    w = world()
    items = await w.search.search(tv(ids=ExternalIds(tvdb=331753), season=2, episode=4))
    assert items[0].title.startswith("Black.Clover.S02E04.")
    assert "aw_s=1&aw_e=30" in items[0].magnet
    season = await w.search.search(tv(ids=ExternalIds(tvdb=331753), season=2))
    assert len(season) == 52 and season[0].title.startswith("Black.Clover.S02E01.")


async def test_ids_resolve_through_skyhook() -> None:
    w = world()
    for ids in (ExternalIds(tvdb=354198), ExternalIds(imdb="9522300"), ExternalIds(tmdb=83121)):
        items = await w.search.search(tv(ids=ids, season=1, episode=1))
        assert items and items[0].title.startswith("Kaguya.sama.Love.is.War.S01E01."), ids
        assert items[0].tvdb_id == 354198 and items[0].imdb_id == "9522300"


async def test_movie_search_on_megakino_with_year() -> None:
    w = world()
    items = await w.search.search(SearchRequest(SearchKind.MOVIE, q="Avengers Endgame 2019", categories=frozenset({2000})))
    assert [i.title for i in items] == ["Avengers.Endgame.2019.1080p.WEB-DL.H264.GER-MEGAKINO"]
    assert items[0].categories == (2000, 2040)


async def test_empty_queries_answer_the_three_test_requests_in_requested_categories() -> None:
    w = world()
    prowlarr = await w.search.search(SearchRequest(SearchKind.SEARCH))
    sonarr = await w.search.search(tv(categories=frozenset({5030, 5040})))
    radarr = await w.search.search(SearchRequest(SearchKind.MOVIE, categories=frozenset({2000, 2010, 2040})))
    assert prowlarr and sonarr and radarr
    assert all(set(i.categories) <= {5030, 5040} and i.categories for i in sonarr)
    assert all(set(i.categories) <= {2000, 2030, 2040} and i.categories for i in radarr)  # 2000 covers its subcats
    assert radarr[0].magnet.startswith("magnet:?xt=urn:btih:bd4fb4d643b7262c97b07add615270de9ce3085a&")


async def test_radarr_rss_sync_lists_recent_megakino_films_newest_first() -> None:
    w = world()
    mk = w.catalogs[Site.MEGAKINO]
    mk.series_by_slug["dune-part-two"] = FakeSeries("dune-part-two", "Dune Part Two", {0: {0: (GD,)}}, kind="movie", year=2024)
    mk.new = [
        NewEpisode(Site.MEGAKINO, "dune-part-two", "Dune Part Two", 0, 0, (GD,), datetime(2026, 11, 20, tzinfo=UTC)),
        NewEpisode(Site.MEGAKINO, "avengers-endgame", "Avengers: Endgame", 0, 0, (GD,), datetime(2026, 11, 2, tzinfo=UTC)),
    ]
    items = await w.search.search(SearchRequest(SearchKind.MOVIE, categories=frozenset({2000})))
    assert [i.title for i in items] == [
        "Dune.Part.Two.2024.1080p.WEB-DL.H264.GER-MEGAKINO",
        "Avengers.Endgame.2019.1080p.WEB-DL.H264.GER-MEGAKINO",
    ]
    assert items[0].published_at == datetime(2026, 11, 20, tzinfo=UTC) and all(i.categories == (2000, 2040) for i in items)
    mk.new = []  # nothing recent: the synthetic Test item still answers Radarr's Test
    fallback = await w.search.search(SearchRequest(SearchKind.MOVIE, categories=frozenset({2000})))
    assert [i.title for i in fallback] == ["AniBridge Connectivity Test"]


async def test_rss_sync_returns_recent_episodes_newest_first() -> None:
    new = [
        NewEpisode(Site.ANIWORLD, "kaguya-sama-love-is-war", "Kaguya-sama: Love is War", 2, 11, (GD, GS), datetime(2026, 3, 1, tzinfo=UTC)),
        NewEpisode(Site.ANIWORLD, "kaguya-sama-love-is-war", "Kaguya-sama: Love is War", 2, 12, (GS,), datetime(2026, 3, 8, tzinfo=UTC)),
    ]
    w = world(new=new)
    items = await w.search.search(tv(categories=frozenset({5070})))
    assert [i.title for i in items] == [
        "Kaguya.sama.Love.is.War.S02E12.1080p.WEB-DL.H264.GER.SUB-ANIWORLD",
        "Kaguya.sama.Love.is.War.S02E11.1080p.WEB-DL.H264.GER-ANIWORLD",
        "Kaguya.sama.Love.is.War.S02E11.1080p.WEB-DL.H264.GER.SUB-ANIWORLD",
    ]
    assert all(i.categories == (5070,) for i in items)  # HD only, filtered to the requested anime category
    assert items[0].published_at == datetime(2026, 3, 8, tzinfo=UTC)


async def test_paging_ends_with_a_short_page_then_an_empty_one() -> None:
    w = world()
    seen = await all_pages(w.search, 10, q="Kaguya-sama", season=1)
    assert len(seen) == len(set(seen)) == 36
    assert await w.search.search(tv(q="Kaguya-sama", season=1, offset=36, limit=10)) == []


async def test_category_filter_and_daily_requests() -> None:
    w = world()
    assert await w.search.search(tv(q="Kaguya-sama", season=1, episode=1, categories=frozenset({2000}))) == []
    assert await w.search.search(tv(q="Kaguya-sama", season=1, episode=1, categories=frozenset({9999}))) == []
    items = await w.search.search(tv(q="9-1-1", season=1, episode=1, categories=frozenset({5070, 5040})))
    assert items and all(i.categories == (5040,) for i in items)  # s.to is not anime: no 5070
    assert await w.search.search(tv(q="Kaguya-sama", season=2020, daily=True)) == []


async def test_strm_modes() -> None:
    both = world(SearchConfig(strm_mode="both"))
    items = await both.search.search(tv(q="9-1-1", season=1, episode=2))
    assert [i.title for i in items] == [
        "9.1.1.S01E02.1080p.WEB-DL.H264.GER-STO",
        "9.1.1.S01E02.1080p.WEB-DL.H264.GER.STRM-STO",
        "9.1.1.S01E02.1080p.WEB-DL.H264.ENG-STO",
        "9.1.1.S01E02.1080p.WEB-DL.H264.ENG.STRM-STO",
    ]
    assert items[1].guid.endswith(":strm") and "sto_mode=strm" in items[1].magnet
    only = world(SearchConfig(strm_mode="only"))
    assert all(i.title.endswith(".STRM-STO") for i in await only.search.search(tv(q="9-1-1", season=1, episode=2)))


async def test_title_ending_in_a_number_is_not_an_absolute_search() -> None:
    w = world()
    items = await w.search.search(SearchRequest(SearchKind.SEARCH, q="9-1-1"))
    assert items and items[0].title.startswith("9.1.1.S01E01.")


async def test_unknown_title_gives_no_items_and_no_probes() -> None:
    w = world()
    assert await w.search.search(tv(q="Zzzz Nothing Like It", season=1, episode=1)) == []
    assert w.probe.calls == 0


def test_language_attrs_for_sub_variants() -> None:
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.domain.torznab.release import language_attrs

    assert language_attrs(EpisodeRef(Site.ANIWORLD, "x", 1, 1, GS)) == ("Japanese", "German")
    assert language_attrs(EpisodeRef(Site.STO, "x", 1, 1, GS)) == (None, "German")
    assert language_attrs(EpisodeRef(Site.STO, "x", 1, 1, ED)) == ("English", None)



async def test_release_titles_use_the_tvdb_title_sonarr_knows() -> None:
    from anibridge.ports.metadata import MetaEpisode, Show

    from .fakes import FakeSeries

    w = world()
    w.catalogs[Site.STO].series_by_slug["haus-des-geldes"] = FakeSeries("haus-des-geldes", "Haus des Geldes", {1: {2: (GD,)}})
    w.metadata.shows[327417] = Show(327417, "Money Heist", 2017, ("Haus des Geldes",), "tt6468322", 71446, None, (MetaEpisode(1, 2, 2, "x"),))
    by_id = await w.search.search(tv(ids=ExternalIds(tvdb=327417), season=1, episode=2))
    by_title = await w.search.search(tv(q="Haus des Geldes", season=1, episode=2))
    for items in (by_id, by_title):
        assert [i.title for i in items] == ["Money.Heist.S01E02.1080p.WEB-DL.H264.GER-STO"]
        assert items[0].tvdb_id == 327417


async def test_a_cancelled_probing_request_does_not_fail_the_waiting_ones() -> None:
    from anibridge.domain.catalog.identity import EpisodeRef

    w = world(delay=0.05)
    ref = EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 1, 7, GD)
    leader = asyncio.create_task(w.availability.check(ref))
    await asyncio.sleep(0.01)
    follower = asyncio.create_task(w.availability.check(ref))
    await asyncio.sleep(0.01)
    leader.cancel()
    result = await follower
    assert result.available and result.height == 1080


async def test_metadata_numbered_special_outside_season_zero_maps_to_the_film() -> None:
    from dataclasses import replace as dc_replace

    from anibridge.ports.metadata import MetaEpisode

    w = world()
    show = w.metadata.shows[354198]
    extra = MetaEpisode(3, 1, None, "The First Kiss That Never Ends (Part 2)")
    w.metadata.shows[354198] = dc_replace(show, episodes=show.episodes + (extra,))
    items = await w.search.search(tv(ids=ExternalIds(tvdb=354198), season=3, episode=1))
    assert items and items[0].title.startswith("Kaguya.sama.Love.is.War.S03E01.")
    assert "aw_s=0&aw_e=5" in items[0].magnet
