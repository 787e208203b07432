"""The s.to fake serves s.to's v2 markup, classic (pre-2026) pages for one show, tokens and faults."""

from __future__ import annotations

from urllib.parse import urljoin

import httpx

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.world import FakeWorld
from tests.integration.fakes.xpath import doc, has_class


def base(world: FakeWorld) -> str:
    return world.sites[Site.STO].base_url


def test_alpha_index_items(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/serien", params={"by": "alpha"}))
    items = page.xpath("//ul[" + has_class("series-list") + "]/li[@class='series-item'][@data-search]")
    hrefs = [i.xpath("a/@href")[0] for i in items]
    assert len(hrefs) == len(world.catalogue.on(Site.STO))
    assert "/serie/breaking-bad" in hrefs
    greys = next(i for i in items if i.xpath("a/@href") == ["/serie/grey-s-anatomy-die-jungen-aerzte"])
    assert greys.xpath("a/text()") == ["Grey's Anatomy - Die jungen Ärzte"]
    assert greys.get("data-search") == greys.get("data-search").lower() and "greys anatomy" in greys.get("data-search")
    assert page.xpath("//li[@class='series-item']/@data-alternative-title") == []


def test_suggest_follows_the_reference_example(world: FakeWorld, client: httpx.Client) -> None:
    def names(term: str) -> list[str]:
        body = client.get(base(world) + "/api/search/suggest", params={"term": term}).json()
        assert body["people"] == [] and body["genres"] == []
        return [s["name"] for s in body["shows"]]

    assert sorted(names("911")) == ["Reno 911!", "Road to 9/11"]
    assert names("9-1-1")[:2] == ["9-1-1", "9-1-1: Lone Star"]
    shows = client.get(base(world) + "/api/search/suggest", params={"term": "9-1-1"}).json()["shows"]
    assert shows[0]["url"] == "/serie/9-1-1"
    assert names("") == []


def test_series_page_season_pills(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/serie/attack-on-titan"))
    assert page.xpath("//div[@class='show-header-wrapper']/div[@class='container-fluid']/h1[@class='h2 mb-1 fw-bold']/text()") == ["Attack on Titan"]
    pills = page.xpath("//nav[@id='season-nav']/ul[" + has_class("nav") + "]/li/a[" + has_class("alphabet-link") + " and " + has_class("nav-link") + "]")
    assert [p.get("data-season-pill") for p in pills] == ["0", "1", "2", "3", "4"]
    assert pills[0].text == "Filme" and pills[1].get("href") == "/serie/attack-on-titan/staffel-1"
    assert page.xpath("//p[@class='small text-muted']/a[@href='/jahr/2013']")
    assert page.xpath("//span[@class='description-text']/text()")
    assert page.xpath("//li[@class='series-group']/strong[@class='me-1']/text()")[0] == "Genre:"


def test_season_rows_with_real_language_flags(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/serie/dark/staffel-3"))
    rows = page.xpath("//section[@class='episode-section']/table[@class='episode-table']/tbody/tr[@class='episode-row']")
    assert len(rows) == 8
    assert rows[0].get("onclick") == "window.location='/serie/dark/staffel-3/episode-1'"
    assert rows[0].xpath("th[@class='episode-number-cell']/text()") == ["1"]
    ep = world.catalogue.by_slug(Site.STO, "dark").episode(3, 1)
    assert rows[0].xpath("td[@class='episode-title-cell']/strong[@class='episode-title-ger']/text()") == [ep.title_de]
    assert rows[0].xpath("td/span[@class='episode-title-eng']/@title") == [ep.title_en]
    flags = rows[0].xpath("td[@class='episode-language-cell']/*[local-name()='svg']/@class")
    assert flags == ["watch-language svg-flag-german", "watch-language svg-flag-english"]  # season 3 has no Ger-Sub
    assert page.xpath("//tr[@class='text-uppercase']")
    assert page.xpath("//a[@href='/serie/dark/staffel-3/episode-8']")


def test_episode_buttons_placeholder_and_redirect(world: FakeWorld, client: httpx.Client) -> None:
    url = base(world) + "/serie/silo/staffel-1/episode-2"
    page = doc(client.get(url))
    assert page.xpath("//article/h2[@class='h4 mb-1']/text()")[0].startswith("S01E02: ")
    assert page.xpath("//iframe[@id='player-iframe'][@name='player-iframe']/@src")[0].startswith("/r?t=")
    assert page.xpath("//span[@id='player-meta-suffix']/text()") == ["Deutsch VOE"]
    assert page.xpath("//meta[@name='csrf-token']/@content")
    buttons = page.xpath("//div[@id='episode-links']//button[@data-play-url][@data-provider-name][@data-language-label][@data-language-id]")
    seen = [(b.get("data-provider-name"), b.get("data-language-label"), b.get("data-language-id")) for b in buttons]
    assert seen == [("VOE", "Deutsch", "1"), ("Vidmoly", "Deutsch", "1"), ("Provider", "Deutsch", "1"),
                    ("VOE", "Englisch", "2"), ("VOE", "Ger-Sub", "3")]
    assert page.xpath("//div[@id='episode-links']/div/h5[@class='h6 mt-2 ms-1 text-muted']/text()") == ["Deutsch", "Englisch", "Ger-Sub"]
    placeholder = buttons[2]
    assert placeholder.get("data-auto-embed") == "0" and placeholder.xpath("span/text()") == ["Anbieter"]
    hop = client.get(urljoin(url, placeholder.get("data-play-url")))
    assert hop.status_code == 302
    offer = world.catalogue.offers_by_link[int(placeholder.get("data-link-id"))]
    assert offer.provider == "Doodstream"
    assert hop.headers["location"] == world.farm.embed_url("Doodstream", offer.video_id, offer.kind)


def test_protected_token_serves_turnstile(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/serie/silo/staffel-1/episode-1"))
    vidmoly = page.xpath("//button[@data-provider-name='Vidmoly']/@data-play-url")[0]
    answer = client.get(base(world) + vidmoly)
    assert answer.status_code == 200 and "cf-turnstile" in answer.text and "captcha-form" in answer.text
    assert client.get(base(world) + "/r", params={"t": "bm90LWEtdG9rZW4="}).status_code == 404


def test_challenge_fault(world: FakeWorld, client: httpx.Client) -> None:
    page = doc(client.get(base(world) + "/serie/breaking-bad/staffel-1/episode-1"))
    play = page.xpath("//button[@data-provider-name='Vidoza']/@data-play-url")[0]
    world.sites[Site.STO].app.faults.challenge = True
    turnstile = client.get(base(world) + play)
    assert turnstile.status_code == 200 and "Stream wird vorbereitet" in turnstile.text
    interstitial = client.get(base(world) + "/serien")
    assert interstitial.status_code == 403 and "<title>Just a moment" in interstitial.text


def test_classic_show_and_half_migrated_redirects(world: FakeWorld, client: httpx.Client) -> None:
    moved = client.get(base(world) + "/serie/the-walking-dead/staffel-2")
    assert moved.status_code == 301 and moved.headers["location"] == "/serie/stream/the-walking-dead/staffel-2"
    page = doc(client.get(base(world) + "/serie/stream/the-walking-dead/staffel-2/episode-3"))
    items = page.xpath("//li[@data-lang-key][@data-link-target]")
    assert {i.get("data-lang-key") for i in items} == {"1", "2", "3"}  # s.to keys: 2 = English dub
    link = items[0].get("data-link-target")
    assert client.get(base(world) + link).status_code == 302
    index = doc(client.get(base(world) + "/serien-alphabet"))
    assert index.xpath("//div[@id='seriesContainer']//a[@href='/serie/stream/the-walking-dead'][@data-alternative-title]")
    assert client.get(base(world) + "/serie/stream/dark").headers["location"] == "/serie/dark"


def test_layout_change_fault(world: FakeWorld, client: httpx.Client) -> None:
    world.sites[Site.STO].app.faults.layout_changed = True
    page = doc(client.get(base(world) + "/serie/silo/staffel-1/episode-1"))
    assert page.xpath("//button[@data-play-url]") == []
    assert doc(client.get(base(world) + "/serien")).xpath("//li[@class='series-item']") == []


def test_moved_domain_redirects_every_path(world: FakeWorld, client: httpx.Client) -> None:
    world.sites[Site.STO].app.faults.moved_to = "http://127.0.0.1:9/"
    answer = client.get(base(world) + "/api/search/suggest", params={"term": "silo"})
    assert answer.status_code == 301 and answer.headers["location"] == "http://127.0.0.1:9/api/search/suggest?term=silo"


def test_challenge_limited_to_redirect_tokens(world: FakeWorld, client: httpx.Client) -> None:
    faults = world.sites[Site.STO].app.faults
    faults.challenge, faults.only_paths = True, r"^/r$"
    page = doc(client.get(base(world) + "/serie/dark/staffel-1/episode-1"))  # pages still load
    play = page.xpath("//button[@data-provider-name='VOE']/@data-play-url")[0]
    assert "cf-turnstile" in client.get(base(world) + play).text
