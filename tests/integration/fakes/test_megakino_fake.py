"""The Megakino fake: cookie gate, mirrors.txt, both sitemap forms, posts and the domain move."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from lxml import etree

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.world import MEGAKINO_NEXT, FakeWorld
from tests.integration.fakes.xpath import doc, has_class

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def base(world: FakeWorld) -> str:
    return world.sites[Site.MEGAKINO].base_url


def test_cookie_gate_until_token(world: FakeWorld) -> None:
    with httpx.Client(timeout=5) as c:
        stub = c.get(base(world) + "/films/5920-avengers-endgame.html")
        assert stub.status_code == 200 and "/index.php?yg=token" in stub.text and len(stub.content) < 400
        assert "location.replace('/films/5920-avengers-endgame.html')" in stub.text
        token = c.get(base(world) + "/index.php", params={"yg": "token"})
        assert "httponly" in token.headers["set-cookie"].lower()
        real = doc(c.get(base(world) + "/films/5920-avengers-endgame.html"))
    assert real.xpath("//h1/text()") == ["Avengers: Endgame"]


def _sitemap_locs(client: httpx.Client, url: str) -> list[str]:
    root = etree.fromstring(client.get(url).content)
    if etree.QName(root).localname == "sitemapindex":
        return [loc for child in root.xpath("s:sitemap/s:loc/text()", namespaces=NS) for loc in _sitemap_locs(client, child)]
    assert etree.QName(root).localname == "urlset"
    return list(root.xpath("s:url/s:loc/text()", namespaces=NS))


def test_sitemap_index_and_urlset(world: FakeWorld, client: httpx.Client) -> None:
    root = etree.fromstring(client.get(base(world) + "/sitemap.xml").content)
    assert etree.QName(root).localname == "sitemapindex"
    via_index = _sitemap_locs(client, base(world) + "/sitemap.xml")
    assert f"{base(world)}/films/5920-avengers-endgame.html" in via_index
    assert f"{base(world)}/serials/5882-reacher-2-staffel.html" in via_index
    assert f"{base(world)}/action/6200-suzume.html" in via_index  # category segments vary on DLE
    world.megakino_app().sitemap_index = False
    flat = etree.fromstring(client.get(base(world) + "/sitemap.xml").content)
    assert etree.QName(flat).localname == "urlset" and flat.xpath("s:url/s:lastmod", namespaces=NS)
    assert sorted(_sitemap_locs(client, base(world) + "/sitemap.xml")) == sorted(via_index)


@contextmanager
def _gated(world: FakeWorld) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, base_url=base(world)) as c:
        c.get("/index.php", params={"yg": "token"})
        yield c


def test_movie_page_iframes(world: FakeWorld) -> None:
    with _gated(world) as c:
        page = doc(c.get("/films/5920-avengers-endgame.html"))
    tabs = page.xpath("//div[" + has_class("pmovie__player") + " and " + has_class("tabs-block") + "]")[0]
    assert tabs.xpath("div[@class='tabs-block__select']/span/text()") == ["Voe", "GXPlayer", "Doodstream"]
    frames = tabs.xpath("div[" + has_class("tabs-block__content") + "]/iframe/@data-src")
    show = world.catalogue.by_slug(Site.MEGAKINO, "avengers-endgame")
    assert frames == [world.farm.embed_url(o.provider, o.video_id, o.kind) for o in show.seasons[0][0].offers]
    assert page.xpath("//input[@id='post_id'][@name='post_id']/@value") == ["5920"]
    assert page.xpath("//div[@class='pmovie__trailer']/iframe/@src")  # trailer: plain src, never a hoster


def test_series_season_selects_pair_by_id(world: FakeWorld) -> None:
    with _gated(world) as c:
        page = doc(c.get("/serials/5882-reacher-2-staffel.html"))
    assert page.xpath("//div[@class='pmovie__series-select']/select[@class='se-select']/option/@value")[:2] == ["ep1", "ep2"]
    selects = page.xpath("//select[starts-with(@id,'ep')][" + has_class("mr-select") + "]")
    assert [s.get("id") for s in selects][:2] == ["ep8", "ep7"]  # document order ≠ episode order
    ep3 = page.xpath("//select[@id='ep3']/option")
    show = world.catalogue.by_slug(Site.MEGAKINO, "reacher")
    offers = show.episode(2, 3).offers
    assert [(o.text, o.get("value")) for o in ep3] == [
        ("Voe" if x.provider == "VOE" else x.provider, world.farm.embed_url(x.provider, x.video_id, x.kind)) for x in offers]


def test_search_and_listing_behind_gate(world: FakeWorld) -> None:
    with _gated(world) as c:
        found = doc(c.get("/index.php", params={"do": "search", "subaction": "search", "story": "dune"}))
        assert found.xpath("//a[" + has_class("poster") + "]/@href") == ["/films/6102-dune-part-two.html"]
        assert found.xpath("//h3[@class='poster__title']/text()") == ["Dune: Part Two"]
        assert doc(c.get("/serials/")).xpath("//a[" + has_class("grid-item") + "]")


def test_domain_move_redirects_and_mirrors_list_the_new_base(world: FakeWorld, client: httpx.Client) -> None:
    assert client.get(base(world) + "/mirrors.txt").text.splitlines()[1] == base(world)
    target = world.move_megakino()
    assert target == world.sites[MEGAKINO_NEXT].base_url
    answer = client.get(base(world) + "/sitemap.xml")
    assert answer.status_code == 301 and answer.headers["location"] == target + "/sitemap.xml"
    lines = [line for line in client.get(base(world) + "/mirrors.txt").text.splitlines() if not line.startswith("#")]
    assert lines == [target]
    followed = client.get(base(world) + "/sitemap.xml", follow_redirects=True)
    assert str(followed.url).startswith(target) and b"<sitemapindex" in followed.content


def test_challenge_keeps_the_gate_closed(world: FakeWorld) -> None:
    world.megakino_app().faults.challenge = True
    with _gated(world) as c:
        assert "yg=token" in c.get("/films/5920-avengers-endgame.html").text
        assert b"<sitemapindex" in c.get("/sitemap.xml").content  # discovery still works


def test_layout_change(world: FakeWorld) -> None:
    world.megakino_app().faults.layout_changed = True
    with _gated(world) as c:
        page = doc(c.get("/serials/5881-reacher-1-staffel.html"))
    assert page.xpath("//select[" + has_class("mr-select") + "]") == [] and page.xpath("//*[@data-src]") == []
