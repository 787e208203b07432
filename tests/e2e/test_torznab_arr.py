"""Sonarr/Radarr/Prowlarr's exact request shapes against the server wired to the fake world,
read by a consumer applying their parsing rules: every response parses, every item would be accepted, titles
parse to the requested episode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.e2e.conftest import ServerHandle, start_server
from tests.e2e.torznab_consumer import (
    Caps,
    IndexerError,
    Item,
    clean_title,
    parse_caps,
    parse_feed,
    parse_release_title,
    prowlarr_test_capabilities,
    radarr_test_capabilities,
    sonarr_query_title,
    sonarr_test_capabilities,
)

if TYPE_CHECKING:
    from anibridge_fakes.world import FakeWorld

pytestmark = pytest.mark.slow

KEY = "s3cret-key"
ACCEPT = {"Accept": "application/rss+xml, text/rss+xml, application/xml, text/xml"}
SONARR_CATS = "5030,5040"
SONARR_ANIME_CATS = "5030,5040,5070"
RADARR_CATS = "2000,2010,2020,2030,2040,2045,2050,2060"
KAGUYA = {"title": "Kaguya-sama: Love is War", "tvdb": 354198, "imdb": "tt9522300", "tmdb": 83121}
CLOVER_TVDB = 331753


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    env = fake_world.env() | {"INDEXER_API_KEY": KEY, "TORZNAB_PROBE_CONCURRENCY": "8"}
    handle = start_server(env, tmp_path_factory.mktemp("torznab") / "data")
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def client(server: ServerHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=ACCEPT, timeout=100, follow_redirects=True) as c:
        yield c


@pytest.fixture(scope="module")
def caps(client: httpx.Client) -> Caps:
    r = client.get("/torznab/api", params={"t": "caps", "apikey": KEY})
    assert r.status_code == 200
    return parse_caps(r.content, r.headers["content-type"])


def feed(client: httpx.Client, caps: Caps, query: str, cats: str | None = None) -> list[Item]:
    """Sonarr's request shape: `?t=..&cat=..&extended=1&apikey=..&offset=0&limit=100<params>`."""
    url = "/torznab/api?" + query + (f"&cat={cats}" if cats else "") + f"&extended=1&apikey={KEY}"
    r = client.get(url)
    assert r.status_code == 200, r.text
    items = parse_feed(r.content, r.headers["content-type"], caps, {int(c) for c in cats.split(",")} if cats else None)
    rejected = [(i.title, i.problems) for i in items if i.problems]
    assert not rejected, rejected
    return items


def episodes_of(items: list[Item], series: str) -> set[tuple[int | None, int]]:
    out = set()
    for item in items:
        parsed = parse_release_title(item.title)
        assert parsed is not None, item.title
        assert clean_title(parsed.series) == clean_title(series), item.title
        out |= {(parsed.season, e) for e in parsed.episodes}
    return out


def test_caps_satisfy_every_client(caps: Caps) -> None:
    assert sonarr_test_capabilities(caps)
    assert radarr_test_capabilities(caps, {int(c) for c in RADARR_CATS.split(",")})
    assert prowlarr_test_capabilities(caps)
    assert {5030, 5040, 5070, 2000} <= caps.category_ids
    assert caps.supports("tv-search", "tvdbid") and caps.supports("tv-search", "imdbid")


def test_the_three_test_requests_get_an_acceptable_item(client: httpx.Client, caps: Caps) -> None:
    assert feed(client, caps, "t=search")  # Prowlarr: no q, no cat
    assert feed(client, caps, "t=tvsearch&offset=0&limit=100", SONARR_CATS)  # Sonarr Test / RSS sync
    assert feed(client, caps, "t=movie&offset=0&limit=100", RADARR_CATS)  # Radarr Test


def test_rss_sync_lists_recent_real_episodes(client: httpx.Client, caps: Caps) -> None:
    items = feed(client, caps, "t=tvsearch&offset=0&limit=100", SONARR_ANIME_CATS)
    parsed = [parse_release_title(i.title) for i in items]
    assert parsed and all(p is not None and p.season is not None and p.episodes for p in parsed)


def test_id_only_episode_search(client: httpx.Client, caps: Caps) -> None:
    items = feed(client, caps, f"t=tvsearch&tvdbid={KAGUYA['tvdb']}&season=1&ep=3&offset=0&limit=100", SONARR_ANIME_CATS)
    assert episodes_of(items, KAGUYA["title"]) == {(1, 3)}
    assert len(items) >= 2  # German Dub and German Sub at least
    assert all(i.attr("tvdbid") == str(KAGUYA["tvdb"]) for i in items)
    langs = {i.attr("language") for i in items}
    assert "German" in langs
    dub = [i for i in items if ".GER-" in i.title]
    assert dub and all(parse_release_title(i.title).german for i in dub)  # type: ignore[union-attr]


def test_multi_id_and_title_searches(client: httpx.Client, caps: Caps) -> None:
    ids = f"tvdbid={KAGUYA['tvdb']}&imdbid={KAGUYA['imdb']}&tmdbid={KAGUYA['tmdb']}"  # Sonarr: all ids in one request
    by_ids = feed(client, caps, f"t=tvsearch&{ids}&season=1&ep=2", SONARR_ANIME_CATS)
    by_imdb = feed(client, caps, f"t=tvsearch&imdbid={KAGUYA['imdb'][2:]}&season=1&ep=2", SONARR_ANIME_CATS)
    q = sonarr_query_title(KAGUYA["title"])
    by_title = feed(client, caps, f"t=tvsearch&q={q}&season=1&ep=2", SONARR_ANIME_CATS)
    for items in (by_ids, by_imdb, by_title):
        assert episodes_of(items, KAGUYA["title"]) == {(1, 2)}
    assert {i.guid for i in by_ids} == {i.guid for i in by_title}


def test_season_search_lists_the_whole_season(client: httpx.Client, caps: Caps) -> None:
    items = feed(client, caps, f"t=tvsearch&tvdbid={KAGUYA['tvdb']}&season=2&offset=0&limit=100", SONARR_ANIME_CATS)
    found = episodes_of(items, KAGUYA["title"])
    assert {s for s, _ in found} == {2}
    assert {e for _, e in found} == set(range(1, 13))


def test_specials_by_title_and_by_number(client: httpx.Client, caps: Caps) -> None:
    q = sonarr_query_title(KAGUYA["title"]) + " The First Kiss That Never Ends Part 3"
    by_title = feed(client, caps, f"t=search&q={q}", SONARR_ANIME_CATS)
    by_number = feed(client, caps, f"t=tvsearch&tvdbid={KAGUYA['tvdb']}&season=00&ep=5", SONARR_ANIME_CATS)
    for items in (by_title, by_number):
        assert episodes_of(items, KAGUYA["title"]) == {(0, 5)}
        assert all("aw_s=0&aw_e=4" in i.url for i in items)  # AniWorld film-4 is TVDB S00E05


def test_anime_absolute_searches(client: httpx.Client, caps: Caps, fake_world: FakeWorld) -> None:
    sky = httpx.get(f"{fake_world.skyhook.base_url}/v1/tvdb/shows/en/{CLOVER_TVDB}").json()
    target = next(e for e in sky["episodes"] if e.get("absoluteEpisodeNumber") == 60)
    expected = {(target["seasonNumber"], target["episodeNumber"])}
    id_search = feed(client, caps, f"t=tvsearch&tvdbid={CLOVER_TVDB}&q=60", "5070")
    title_search = feed(client, caps, "t=search&q=Black Clover 60", "5070")
    ep_search = feed(client, caps, f"t=tvsearch&tvdbid={CLOVER_TVDB}&ep=60", "5070")
    for items in (id_search, title_search, ep_search):
        assert items and episodes_of(items, "Black Clover") == expected


def test_radarr_movie_search(client: httpx.Client, caps: Caps) -> None:
    items = feed(client, caps, "t=movie&q=Avengers Endgame 2019", RADARR_CATS)
    assert items
    parsed = parse_release_title(items[0].title)
    assert parsed is not None and parsed.year == 2019 and clean_title(parsed.series) == "avengersendgame"
    assert all(c // 1000 == 2 for i in items for c in i.categories)


def test_paging_ends_with_a_short_page(client: httpx.Client, caps: Caps) -> None:
    guids: list[str] = []
    offset, pages = 0, 0
    while pages < 30:
        page = feed(client, caps, f"t=tvsearch&tvdbid={KAGUYA['tvdb']}&season=1&offset={offset}&limit=10", SONARR_ANIME_CATS)
        guids += [i.guid for i in page]
        pages += 1
        if len(page) < 10:
            break
        offset += 10
    assert pages < 30 and len(guids) == len(set(guids)) and len(guids) >= 12


def test_errors_are_torznab_documents_with_http_200(client: httpx.Client, caps: Caps) -> None:
    def error_of(url: str) -> IndexerError:
        r = client.get(url)
        assert r.status_code == 200 and "xml" in r.headers["content-type"]
        with pytest.raises(IndexerError) as err:
            parse_feed(r.content, r.headers["content-type"], caps)
        return err.value

    assert error_of("/torznab/api?t=caps&apikey=wrong").code == 100
    assert error_of("/torznab/api?t=tvsearch").code == 100
    assert error_of(f"/torznab/api?t=music&apikey={KEY}").code == 202
    for garbage in ("season=abc", "ep=%3Cscript%3E", "tvdbid=12ab", "cat=5030,TV", "limit=-1", "imdbid=tt12x"):
        assert error_of(f"/torznab/api?t=tvsearch&{garbage}&apikey={KEY}").code == 201, garbage


def test_odd_but_valid_requests(client: httpx.Client, caps: Caps) -> None:
    assert feed(client, caps, "t=tvsearch&q=Kaguya&season=2024&ep=03/15", SONARR_CATS) == []  # daily → empty
    assert feed(client, caps, "t=tvsearch&q=%00%01%7F&season=1&ep=1", SONARR_CATS) == []
    assert feed(client, caps, "t=tvsearch&q=Nothing Like This Exists&season=1&ep=1", SONARR_CATS) == []
    head = client.head(f"/torznab/api?t=caps&apikey={KEY}")
    assert head.status_code == 200
    slash = client.get(f"/torznab/api/?t=caps&apikey={KEY}")
    assert slash.status_code == 200 and parse_caps(slash.content, slash.headers["content-type"])


def test_german_site_title_is_released_under_the_tvdb_title(client: httpx.Client, caps: Caps) -> None:
    """s.to lists "Haus des Geldes"; Sonarr's series is "Money Heist" — the release must match it by title."""
    items = feed(client, caps, "t=tvsearch&tvdbid=327417&season=1&ep=2", SONARR_CATS)
    assert items and episodes_of(items, "Money Heist") == {(1, 2)}
    assert all(i.attr("tvdbid") == "327417" for i in items)


def test_a_show_on_two_sites_returns_both_offers(client: httpx.Client, caps: Caps) -> None:
    items = feed(client, caps, "t=tvsearch&tvdbid=267440&season=1&ep=1&offset=0&limit=100", SONARR_ANIME_CATS)
    assert episodes_of(items, "Attack on Titan") == {(1, 1)}
    prefixes = [i.guid.split(":")[0] for i in items]
    assert "aw" in prefixes and "sto" in prefixes
    assert prefixes == sorted(prefixes)  # AniWorld's items first (catalogue order), then s.to's
    assert len({i.guid for i in items}) == len(items)


def test_rss_sync_includes_sto_episodes_from_its_calendar(client: httpx.Client, caps: Caps) -> None:
    items = feed(client, caps, "t=tvsearch&offset=0&limit=100", SONARR_CATS)
    sto = [i for i in items if i.guid.startswith("sto:")]
    assert sto and all("sto_site=s.to" in i.url for i in sto)
    assert any(i.guid.startswith("sto:silo:s2e10:") for i in sto)  # Silo's newest aired episode
    assert not any(i.guid.startswith("sto:silo:s2e11:") for i in sto)  # listed as upcoming: not on the site yet


def test_fast_season_and_rss_items_carry_the_quality_an_episode_search_shows(client: httpx.Client, caps: Caps) -> None:
    """QA: unprobed fast-season/RSS items were `SD` in SD+HD while the same episode alone was `1080p`; an
    HD-only Sonarr profile (cat 5040) rejected them. One representative probe per season+language fixes both."""
    season = feed(client, caps, "t=tvsearch&q=Black Clover&season=3&offset=0&limit=100", "5040")
    assert season and all(".SD." not in i.title and 5030 not in i.categories for i in season)
    by_guid = {i.guid: i.title for i in season}
    for ep in (2, 52):  # a sibling of the representative, and one the 100-item season page does not reach
        single = feed(client, caps, f"t=tvsearch&q=Black Clover&season=3&ep={ep}&offset=0&limit=100", "5040")
        assert single and all(".1080p." in i.title for i in single)
        assert all(by_guid.get(i.guid, i.title) == i.title for i in single), (single, by_guid)
    assert any(i.guid in by_guid for i in feed(client, caps, "t=tvsearch&q=Black Clover&season=3&ep=2", "5040"))
    rss = feed(client, caps, "t=tvsearch&offset=0&limit=100", "5040")
    assert rss and all(".SD." not in i.title and i.categories == [5040] for i in rss)


def test_radarr_rss_sync_lists_recent_megakino_films(client: httpx.Client, caps: Caps) -> None:
    """QA: `t=movie&cat=2000` without q/ids returned only the synthetic Test item, so new films never reached Radarr."""
    items = feed(client, caps, "t=movie&cat=2000&offset=0&limit=100")
    assert items and not any(i.title.startswith("AniBridge Connectivity Test") for i in items)
    assert all("aw_site=megakino" in i.url and i.guid.startswith("megakino:") for i in items)
    published = [i.published for i in items]
    assert published == sorted(published, reverse=True)
    parsed = [parse_release_title(i.title) for i in items]
    assert all(p is not None and p.season is None for p in parsed)


def test_rss_sync_items_of_a_german_site_title_carry_the_tvdb_title_id_and_real_date(client: httpx.Client, caps: Caps) -> None:
    """Issue 14: s.to's calendar lists "Haus des Geldes"; Sonarr's RSS sync can only match "Money Heist" (the fake
    SkyHook, like the real one, knows no German title: the s.to page's IMDb id is the link)."""
    items = feed(client, caps, "t=tvsearch&offset=0&limit=100", SONARR_CATS)
    heist = [i for i in items if i.guid.startswith("sto:haus-des-geldes:")]
    assert heist and episodes_of(heist, "Money Heist")
    assert all(i.attr("tvdbid") == "327417" and i.attr("imdb") == "6468322" for i in heist)
    greys = [i for i in items if i.guid.startswith("sto:grey-s-anatomy-die-jungen-aerzte:")]
    assert greys and episodes_of(greys, "Grey's Anatomy") and all(i.attr("tvdbid") == "73762" for i in greys)
    ages = {i.published.date() for i in items}
    assert len(ages) > 1  # the sites' dates, not "0 days old" for everything


def test_search_items_carry_the_air_date_and_episode_page(client: httpx.Client, caps: Caps) -> None:
    items = feed(client, caps, "t=tvsearch&tvdbid=354198&season=1&ep=3", SONARR_ANIME_CATS)
    assert items and all(i.published.year == 2019 for i in items)  # SkyHook's air date of S01E03
    assert all((i.attr("season"), i.attr("episode")) == ("1", "3") for i in items)
    raw = client.get(f"/torznab/api?t=tvsearch&tvdbid=354198&season=1&ep=3&apikey={KEY}").text
    assert "/anime/stream/kaguya-sama-love-is-war/staffel-1/episode-3</comments>" in raw


def test_the_base_path_answers_caps_and_searches(client: httpx.Client, caps: Caps) -> None:
    """Jackett and the PyPI `torznab` client use the base path as the endpoint."""
    for path in ("/torznab", "/torznab/"):
        r = client.get(f"{path}?t=caps&apikey={KEY}")
        assert r.status_code == 200 and parse_caps(r.content, r.headers["content-type"])
        s = client.get(f"{path}?t=tvsearch&q=Kaguya-sama&season=1&ep=3&apikey={KEY}")
        assert s.status_code == 200
        found = parse_feed(s.content, s.headers["content-type"], caps, None)
        assert found and episodes_of(found, "Kaguya-sama: Love is War") == {(1, 3)}
