"""The AniWorld fake serves AniWorld's classic markup, tag for tag, and its faults."""

from __future__ import annotations

import re

import httpx
import pytest

from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge_fakes.classic import ANIWORLD_KEYS
from anibridge_fakes.world import FakeWorld
from tests.integration.fakes.xpath import doc, has_class, texts

KAGUYA = "kaguya-sama-love-is-war"


def base(world: FakeWorld) -> str:
    return world.sites[Site.ANIWORLD].base_url


def test_alphabet_lists_every_show_with_alternative_titles(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/animes-alphabet"))
    anchors = page.xpath("//div[@id='seriesContainer']/div[@class='genre']/ul/li/a")
    slugs = {re.search(r"/anime/stream/([^/?#]+)", a.get("href")).group(1) for a in anchors}
    assert slugs == {s.slugs[Site.ANIWORLD] for s in world.catalogue.on(Site.ANIWORLD)}
    kaguya = next(a for a in anchors if a.get("href") == f"/anime/stream/{KAGUYA}")
    assert kaguya.text == "Kaguya-sama: Love is War"
    assert "Kaguya-sama wa Kokurasetai" in kaguya.get("data-alternative-title").split(", ")
    assert kaguya.get("title") == "Kaguya-sama: Love is War Stream anschauen"
    assert page.xpath("//div[@class='genre']/div[@class='seriesGenreList']/h3/text()")[0] == "A"


def test_series_search_get_and_post(world: FakeWorld, client: httpx.Client) -> None:
    found = client.get(base(world) + "/ajax/seriesSearch", params={"keyword": "kimetsu"},
                       headers={"X-Requested-With": "XMLHttpRequest"}).json()
    assert [f["link"] for f in found] == ["demon-slayer-kimetsu-no-yaiba"]
    assert set(found[0]) == {"name", "link", "description", "cover", "productionYear"}
    assert client.get(base(world) + "/ajax/seriesSearch", params={"keyword": "zzz-nothing"}).json() == []
    legacy = client.post(base(world) + "/ajax/search", data={"keyword": "frieren"}).json()
    assert legacy[0]["link"] == "/anime/stream/frieren-beyond-journeys-end"
    assert any("episode-" in item["link"] for item in legacy)


def test_series_page_header_and_navigation(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(f"{base(world)}/anime/stream/{KAGUYA}"))
    assert page.xpath("//div[@class='series-title']/h1[@itemprop='name']/span/text()") == ["Kaguya-sama: Love is War"]
    assert page.xpath("//meta[@itemprop='numberOfSeasons']/@content") == ["3"]
    assert page.xpath("//a[@class='imdb-link']/@data-imdb") == ["tt9522300"]
    assert page.xpath("//span[@itemprop='startDate']/a/text()") == ["2019"]
    nav = page.xpath("//div[@id='stream' and " + has_class("hosterSiteDirectNav") + "]/ul")
    assert len(nav) == 2
    assert nav[0].xpath("li/a[@title='Alle Filme']/@href") == [f"/anime/stream/{KAGUYA}/filme"]
    assert nav[0].xpath("li/a[@class='active']/@title") == ["Staffel 1"]
    assert nav[0].xpath("li/a[starts-with(@title,'Staffel')]/text()") == ["1", "2", "3"]
    assert len(nav[1].xpath("li/a[@data-episode-id][@data-season-id='1']")) == 12


def test_season_table_rows(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(f"{base(world)}/anime/stream/{KAGUYA}/staffel-3"))
    rows = page.xpath("//table[@class='seasonEpisodesList']/tbody[@id='season3']/tr[@itemprop='episode']")
    assert len(rows) == 13
    first = rows[0]
    assert first.get("data-episode-season-id") == "1" and first.get("data-episode-id").isdigit()
    assert first.xpath("td[@class='season3EpisodeID']/meta[@itemprop='episodeNumber']/@content") == ["1"]
    assert first.xpath("td[@class='season3EpisodeID']/a[@itemprop='url']/@href") == [f"/anime/stream/{KAGUYA}/staffel-3/episode-1"]
    ep = world.catalogue.by_slug(Site.ANIWORLD, KAGUYA).episode(3, 1)
    assert first.xpath("td[@class='seasonEpisodeTitle']/a/strong/text()") == [ep.title_de]
    assert first.xpath("td[@class='seasonEpisodeTitle']/a/span/text()") == [ep.title_en]
    assert first.xpath("td/a/i[" + has_class("icon") + "]/@title")[0] == "VOE"
    assert client.get(f"{base(world)}/anime/stream/{KAGUYA}/staffel-9").status_code == 404


def test_filme_lists_specials_as_season_zero(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(f"{base(world)}/anime/stream/{KAGUYA}/filme"))
    rows = page.xpath("//tbody[@id='season0']/tr")
    assert len(rows) == 5
    hrefs = [r.xpath(".//a[contains(@href,'/filme/film-')]/@href")[0] for r in rows]
    assert hrefs[3] == f"/anime/stream/{KAGUYA}/filme/film-4"
    assert rows[3].xpath("td[@class='seasonEpisodeTitle']/a/span/text()") == ["The First Kiss That Never Ends [Movie][Part 3]"]
    assert rows[0].xpath("td[@class='seasonEpisodeTitle']/a/strong/text()") == []  # films often have an empty <strong>
    assert client.get(f"{base(world)}/anime/stream/one-punch-man/filme").status_code == 404


def test_episode_page_languages_and_hosters(world: FakeWorld, client: httpx.Client) -> None:
    url = f"{base(world)}/anime/stream/{KAGUYA}/staffel-1/episode-1"
    page = doc(client.get(url))
    ep = world.catalogue.by_slug(Site.ANIWORLD, KAGUYA).episode(1, 1)
    title = page.xpath("//div[@class='hosterSiteTitle'][@data-season='1']/h2")[0]
    assert title.xpath("span[@class='episodeGermanTitle']/text()") == [ep.title_de]
    assert title.xpath("small[@class='episodeEnglishTitle']/text()") == [ep.title_en]
    keys = page.xpath("//div[@class='hosterSiteVideo']/div[@class='changeLanguageBox']/img/@data-lang-key")
    assert keys == [str(ANIWORLD_KEYS[lang]) for lang in ep.languages] == ["1", "3", "2"]
    items = page.xpath("//div[@class='hosterSiteVideo']/ul[@class='row']/li[@data-lang-key][@data-link-target]")
    assert [(i.get("data-lang-key"), i.xpath(".//h4/text()")[0]) for i in items] == [
        (str(ANIWORLD_KEYS[o.language]), o.provider) for o in ep.offers]
    for item in items:
        link = item.get("data-link-id")
        assert item.get("data-link-target") == f"/redirect/{link}"
        assert item.xpath("div/a[@class='watchEpisode']/@href") == [f"/redirect/{link}"]
        assert item.get("class").split()[-1] == f"episodeLink{link}"
    assert page.xpath("//li[starts-with(@class,'col-md-3') and contains(@class,'episodeLink')]")  # 2025 selector
    assert page.xpath("//div[@class='inSiteWebStream']/iframe/@src") == [f"/redirect/{ep.offers[0].link_id}"]


def test_episodes_missing_a_language_and_absolute_titles(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(f"{base(world)}/anime/stream/black-clover/staffel-3/episode-52"))
    assert page.xpath("//div[@class='changeLanguageBox']/img/@data-lang-key") == ["3", "2"]  # no German Dub
    assert page.xpath("//small[@class='episodeEnglishTitle']/text()")[0].endswith("[Episode 104]")


def test_film_page_and_redirect_to_hoster_embed(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(f"{base(world)}/anime/stream/{KAGUYA}/filme/film-4"))
    assert page.xpath("//div[@class='hosterSiteTitle']/@data-season") == ["0"]
    link = page.xpath("//li[@data-lang-key='1']/@data-link-id")[0]
    offer = world.catalogue.offers_by_link[int(link)]
    answer = client.get(f"{base(world)}/redirect/{link}")
    assert answer.status_code == 302
    assert answer.headers["location"] == world.farm.embed_url(offer.provider, offer.video_id, offer.kind)
    assert client.get(f"{base(world)}/redirect/999999999").status_code == 404


def test_new_episodes_listing(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/neue-episoden"))
    links = page.xpath("//div[@class='newEpisodeList']//a/@href")
    assert f"/anime/stream/{KAGUYA}/staffel-3/episode-13" in links
    assert all(re.fullmatch(r"/anime/stream/[^/]+/staffel-\d+/episode-\d+", h) for h in links)
    assert page.xpath("//div[@class='newEpisodeList']//a/img[@data-lang-key]")


def test_challenge_fault(world: FakeWorld, client: httpx.Client) -> None:
    world.sites[Site.ANIWORLD].app.faults.challenge = True
    blocked = client.get(base(world) + "/animes-alphabet")
    assert blocked.status_code == 403 and "DDoS-Guard" in blocked.text
    captcha = client.get(base(world) + "/redirect/1000")
    assert captcha.status_code == 200 and "captcha" in captcha.text and "location" not in captcha.headers


def test_layout_change_fault_hides_known_selectors(world: FakeWorld, client: httpx.Client) -> None:
    world.sites[Site.ANIWORLD].app.faults.layout_changed = True
    page = doc(client.get(f"{base(world)}/anime/stream/{KAGUYA}/staffel-1/episode-1"))
    assert page.xpath("//li[@data-lang-key]") == [] and page.xpath("//h4") == []
    alphabet = client.get(base(world) + "/animes-alphabet").text
    assert "/anime/stream/" not in alphabet and "data-alternative-title" not in alphabet


def test_generic_faults_status_latency_and_hang(world: FakeWorld, client: httpx.Client) -> None:
    faults = world.sites[Site.ANIWORLD].app.faults
    faults.status = 503
    assert client.get(base(world) + "/animes-alphabet").status_code == 503
    faults.reset()
    faults.hang = True
    faults.only_paths = r"^/anime/"
    with pytest.raises(httpx.ReadTimeout):
        client.get(f"{base(world)}/anime/stream/{KAGUYA}", timeout=0.3)
    assert client.get(base(world) + "/animes-alphabet").status_code == 200
    faults.hang = False


def test_german_titles_are_alternative_titles(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/animes-alphabet"))
    alts = page.xpath("//a[@href='/anime/stream/frieren-beyond-journeys-end']/@data-alternative-title")[0]
    assert "Frieren - Nach dem Ende der Reise" in alts
    assert Language.GERMAN_DUB in world.catalogue.by_slug(Site.ANIWORLD, "frieren-beyond-journeys-end").episode(1, 1).languages
    assert texts(page.xpath("//a[@href='/anime/stream/steinsgate']")) == ["Steins;Gate"]


def test_genre_list_repeats_titles_across_groups(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/animes"))
    hrefs = page.xpath("//div[@id='seriesContainer']/div[@class='genre']/ul/li/a/@href")
    assert len(hrefs) > len(set(hrefs)) == len(world.catalogue.on(Site.ANIWORLD))
