"""The SkyHook fake: Sonarr's field names, id-prefixed searches, absolute numbers, specials that match AniWorld."""

from __future__ import annotations

import httpx

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.world import FakeWorld


def base(world: FakeWorld) -> str:
    return world.skyhook.base_url


def search(world: FakeWorld, client: httpx.Client, term: str) -> list[dict[str, object]]:
    answer = client.get(base(world) + "/v1/tvdb/search/en/", params={"term": term})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    found = answer.json()
    assert isinstance(found, list)
    return found


def test_search_forms(world: FakeWorld, client: httpx.Client) -> None:
    assert [s["tvdbId"] for s in search(world, client, "kaguya-sama: love is war")][:1] == [354198]
    assert [s["title"] for s in search(world, client, "shingeki no kyojin")] == ["Attack on Titan"]
    assert [s["tvdbId"] for s in search(world, client, "tvdb:331753")] == [331753]
    assert [s["title"] for s in search(world, client, "imdb:tt0903747")] == ["Breaking Bad"]
    assert [s["title"] for s in search(world, client, "tmdb:1396")] == ["Breaking Bad"]
    assert search(world, client, "tvdb:1") == [] and search(world, client, "no such show anywhere") == []
    first = search(world, client, "black clover")[0]
    assert first["episodes"] == [] and isinstance(first["tvdbId"], int) and first["imdbId"] == "tt7441658"
    assert {"title": "Burakku Kurōbā"} in first["alternateTitles"]


def test_show_episodes_with_absolute_numbers(world: FakeWorld, client: httpx.Client) -> None:
    show = client.get(base(world) + "/v1/tvdb/shows/en/331753").json()
    regular = [e for e in show["episodes"] if e["seasonNumber"] > 0]
    assert len(regular) == 104
    assert [e["absoluteEpisodeNumber"] for e in regular] == list(range(1, 105))
    last = regular[-1]
    assert (last["seasonNumber"], last["episodeNumber"], last["absoluteEpisodeNumber"]) == (3, 52, 104)
    assert set(last) >= {"tvdbId", "seasonNumber", "episodeNumber", "title", "airDate", "airDateUtc"}
    assert show["firstAired"] == regular[0]["airDate"] and show["status"] == "ended"
    assert [s["seasonNumber"] for s in show["seasons"]] == [1, 2, 3]
    for key in ("genres", "images", "actors", "seasons", "episodes"):
        assert isinstance(show[key], list)


def test_specials_match_aniworld_films_by_title(world: FakeWorld, client: httpx.Client) -> None:
    show = client.get(base(world) + "/v1/tvdb/shows/en/354198").json()
    specials = {e["episodeNumber"]: e["title"] for e in show["episodes"] if e["seasonNumber"] == 0}
    assert specials[5] == "The First Kiss That Never Ends (Part 3)"
    assert specials[6] == "Recap: The Student Council"  # only on SkyHook
    film4 = world.catalogue.by_slug(Site.ANIWORLD, "kaguya-sama-love-is-war").episode(0, 4)
    assert film4.title_en == "The First Kiss That Never Ends [Movie][Part 3]" and film4.tvdb_special == 5
    assert all("absoluteEpisodeNumber" not in e for e in show["episodes"] if e["seasonNumber"] == 0)


def test_unknown_show_is_404(world: FakeWorld, client: httpx.Client) -> None:
    assert client.get(base(world) + "/v1/tvdb/shows/en/1").status_code == 404


def test_a_show_s_german_site_title_is_unknown_to_skyhook_but_its_imdb_id_is_not(world: FakeWorld, client: httpx.Client) -> None:
    """Like the real SkyHook: s.to's "Haus des Geldes" is no alternate title of Money Heist; only the IMDb id the
    s.to page links to leads there (the case the TVDB mapping of RSS items must handle)."""
    assert all(s["title"] != "Money Heist" for s in search(world, client, "haus des geldes"))
    [heist] = search(world, client, "imdb:tt6468322")
    assert heist["title"] == "Money Heist" and heist["tvdbId"] == 327417
    assert {"title": "Haus des Geldes"} not in heist["alternateTitles"]
    show = client.get(base(world) + "/v1/tvdb/shows/en/327417").json()
    assert all(e["airDateUtc"].endswith("Z") for e in show["episodes"])
