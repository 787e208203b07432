"""Torznab parameter parsing: every form the *arr apps send, and a Torznab error for garbage."""

from __future__ import annotations

import pytest

from anibridge.delivery.torznab.params import TorznabError, function_of, lower_params, parse_categories, parse_search
from anibridge.domain.torznab.request import SearchKind


def parse(**params: str):  # type: ignore[no-untyped-def]
    return parse_search(lower_params(params))


@pytest.mark.parametrize(
    ("t", "kind"),
    [("search", SearchKind.SEARCH), ("tvsearch", SearchKind.TV), ("tv-search", SearchKind.TV), ("movie", SearchKind.MOVIE), ("movie-search", SearchKind.MOVIE), ("TVSEARCH", SearchKind.TV)],
)
def test_functions(t: str, kind: SearchKind) -> None:
    assert parse(t=t).kind is kind


def test_season_and_episode_forms() -> None:
    assert (parse(t="tvsearch", season="00", ep="5").season, parse(t="tvsearch", season="00", ep="5").episode) == (0, 5)
    r = parse(t="tvsearch", season="S01", ep="E03")
    assert (r.season, r.episode) == (1, 3)
    assert parse(t="tvsearch", ep="105").episode == 105
    assert parse(t="tvsearch", season="1", ep="0").episode is None  # whole season
    daily = parse(t="tvsearch", season="2024", ep="03/15")
    assert daily.daily and daily.episode is None


def test_categories_split_by_hand() -> None:
    assert parse_categories("5030,5040") == {5030, 5040}
    assert parse_categories(" 5030 , 5070,") == {5030, 5070}
    assert parse_categories("") == frozenset()
    assert parse(t="search", cat=["5030", "5040"]).categories == {5030, 5040}  # type: ignore[arg-type]


def test_ids_and_imdb_with_or_without_tt() -> None:
    r = parse(t="tvsearch", tvdbid="354198", imdbid="tt9522300", tmdbid="83121", tvmazeid="1", rid="2")
    assert (r.ids.tvdb, r.ids.imdb, r.ids.tmdb, r.ids.tvmaze, r.ids.rage) == (354198, "9522300", 83121, 1, 2)
    assert parse(t="movie", imdbid="0058935").ids.imdb == "0058935"
    assert parse(t="movie", imdbid="58935").ids.imdb == "0058935"


def test_paging_and_names_are_case_insensitive() -> None:
    r = parse(T="tvsearch", Q="  Kaguya  ", OFFSET="20", LIMIT="10")
    assert (r.kind, r.q, r.offset, r.limit) == (SearchKind.TV, "Kaguya", 20, 10)
    assert parse(t="search", limit="5000").limit == 100
    assert parse(t="search", limit="0").limit == 1
    assert parse(t="search").limit == 100


def test_query_control_characters_are_dropped() -> None:
    assert parse(t="search", q="Kag\x00uya\x1b").q == "Kaguya"


@pytest.mark.parametrize(
    "params",
    [
        {"t": "tvsearch", "season": "abc"},
        {"t": "tvsearch", "ep": "x1"},
        {"t": "tvsearch", "tvdbid": "12ab"},
        {"t": "tvsearch", "tvdbid": "-1"},
        {"t": "movie", "imdbid": "tt12x"},
        {"t": "search", "cat": "5030,TV"},
        {"t": "search", "offset": "-5"},
        {"t": "search", "limit": "many"},
    ],
)
def test_garbage_is_error_201(params: dict[str, str]) -> None:
    with pytest.raises(TorznabError) as err:
        parse(**params)
    assert err.value.code == 201


def test_unknown_and_missing_function() -> None:
    with pytest.raises(TorznabError) as unknown:
        function_of({"t": "music"})
    assert unknown.value.code == 202
    with pytest.raises(TorznabError) as missing:
        function_of({})
    assert missing.value.code == 200 and missing.value.description != "Missing parameter"
    assert function_of({"t": "caps"}) == "caps"
