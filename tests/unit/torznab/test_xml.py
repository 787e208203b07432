"""Caps and RSS documents under Sonarr/Prowlarr's parsing rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from anibridge.delivery.torznab.caps import caps_xml
from anibridge.delivery.torznab.rss_xml import TORZNAB_NS, error_xml, rss_xml
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.release import Release

NS = {"torznab": TORZNAB_NS}


def test_caps_follow_the_parser_rules() -> None:
    root = etree.fromstring(caps_xml(SearchConfig(), ["aniworld.to", "s.to"], "1.0"))
    assert root.tag == "caps"
    limits = root.find("limits")
    assert int(limits.get("default")) == 100 and int(limits.get("max")) == 100
    searching = root.find("searching")
    for name in ("search", "tv-search", "movie-search"):
        el = searching.find(name)
        assert el.get("available") == "yes"
        assert " " not in el.get("supportedParams")
    tv = searching.find("tv-search").get("supportedParams").split(",")
    assert {"q", "season", "ep", "tvdbid", "imdbid", "tmdbid", "tvmazeid", "rid"} <= set(tv)
    ids = {int(c.get("id")) for c in root.iter("category", "subcat")}
    assert {2000, 2030, 2040, 5000, 5030, 5040, 5070} == ids
    assert all(c.get("name") for c in root.iter("category", "subcat"))


def test_custom_anime_category_is_listed() -> None:
    root = etree.fromstring(caps_xml(SearchConfig(cat_anime=100070), [], "1.0"))
    assert 100070 in {int(c.get("id")) for c in root.iter("category", "subcat")}


def _release(**kw: object) -> Release:
    base = dict(
        title="A.S01E01.1080p.WEB-DL.H264.GER-ANIWORLD",
        guid="aw:a:s1e1:German Dub",
        magnet="magnet:?xt=urn:btih:" + "a" * 40 + "&dn=A&aw_slug=a",
        infohash="a" * 40,
        size=1572864000,
        categories=(5000, 5040, 5070),
        published_at=datetime(2015, 3, 14, 17, 10, 42, tzinfo=UTC),
        language="German",
        subs=None,
        tvdb_id=354198,
        imdb_id="9522300",
    )
    base.update(kw)
    return Release(**base)  # type: ignore[arg-type]


def test_rss_item_carries_everything_sonarr_and_prowlarr_need() -> None:
    doc = rss_xml([_release()], title="x", seeders=999, leechers=787)
    root = etree.fromstring(doc)
    item = root.find("channel/item")
    assert item.findtext("title") == "A.S01E01.1080p.WEB-DL.H264.GER-ANIWORLD"
    assert item.findtext("pubDate") == "Sat, 14 Mar 2015 17:10:42 +0000"
    assert parsedate_to_datetime(item.findtext("pubDate")) == datetime(2015, 3, 14, 17, 10, 42, tzinfo=UTC)
    enc = item.find("enclosure")
    assert enc.get("type") == "application/x-bittorrent" and enc.get("url").startswith("magnet:?")
    assert int(enc.get("length")) == 1572864000
    attrs: dict[str, list[str]] = {}
    for a in item.findall("torznab:attr", NS):
        attrs.setdefault(a.get("name"), []).append(a.get("value"))
    assert attrs["category"] == ["5000", "5040", "5070"]
    assert attrs["magneturl"] == [enc.get("url")]
    assert attrs["infohash"] == ["a" * 40]
    assert int(attrs["seeders"][0]) >= 1 and int(attrs["peers"][0]) == 1786
    assert attrs["language"] == ["German"] and attrs["tvdbid"] == ["354198"] and attrs["imdb"] == ["9522300"]
    assert b"&amp;dn=" in doc


def test_control_characters_never_break_the_document() -> None:
    doc = rss_xml([_release(title="Bad\x00Title\x1b\x7f", guid="g\x0b")], title="idx\x01", seeders=0, leechers=0)
    item = etree.fromstring(doc).find("channel/item")
    assert item.findtext("title") == "BadTitle"
    assert item.find("torznab:attr[@name='seeders']", NS).get("value") == "1"


def test_empty_feed_and_error_document() -> None:
    assert etree.fromstring(rss_xml([], title="x", seeders=1, leechers=0)).find("channel/item") is None
    err = etree.fromstring(error_xml(100, "Incorrect user credentials"))
    assert err.tag == "error" and err.get("code") == "100" and err.get("description")
    assert re.match(rb"<\?xml version='1.0' encoding='UTF-8'\?>", error_xml(201, "x"))


def test_item_links_description_and_episode_and_id_attrs() -> None:
    page = "https://s.to/serie/haus-des-geldes/staffel-3/episode-8"
    doc = rss_xml([_release(page_url=page, description="Money Heist S03E08 · German Dub", season=3, episode=8,
                            tmdb_id=71446)], title="x", seeders=1, leechers=0)
    item = etree.fromstring(doc).find("channel/item")
    assert item.findtext("link") == item.find("enclosure").get("url")  # the download link, as Jackett writes it
    assert item.findtext("comments") == page
    assert item.findtext("description") == "Money Heist S03E08 · German Dub"
    attrs = {a.get("name"): a.get("value") for a in item.findall("torznab:attr", NS)}
    assert (attrs["season"], attrs["episode"]) == ("3", "8")
    assert (attrs["imdb"], attrs["imdbid"], attrs["tmdbid"]) == ("9522300", "tt9522300", "71446")
    bare = etree.fromstring(rss_xml([_release(tvdb_id=None, imdb_id=None)], title="x", seeders=1, leechers=0))
    names = {a.get("name") for a in bare.find("channel/item").findall("torznab:attr", NS)}
    assert not names & {"season", "episode", "tvdbid", "imdb", "imdbid", "tmdbid"}
    assert bare.find("channel/item/comments") is None


def test_episode_page_urls_per_site() -> None:
    from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
    from anibridge.domain.torznab.release import page_url

    config = SearchConfig(site_urls={"aniworld.to": "https://aniworld.to/", "s.to": "https://s.to",
                                     "megakino": "https://megakino1.to"})
    gd = Language.GERMAN_DUB
    assert page_url(config, EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 2, 7, gd), "K") == (
        "https://aniworld.to/anime/stream/kaguya-sama-love-is-war/staffel-2/episode-7")
    assert page_url(config, EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 0, 4, gd), "K") == (
        "https://aniworld.to/anime/stream/kaguya-sama-love-is-war/filme/film-4")
    assert page_url(config, EpisodeRef(Site.STO, "9-1-1", 1, 2, gd), "9-1-1") == "https://s.to/serie/9-1-1/staffel-1/episode-2"
    assert page_url(config, EpisodeRef(Site.MEGAKINO, "dune-part-two", 0, 0, gd), "Dune: Part Two") == (
        "https://megakino1.to/index.php?do=search&subaction=search&story=Dune%3A+Part+Two")
    assert page_url(SearchConfig(), EpisodeRef(Site.STO, "9-1-1", 1, 2, gd), "9-1-1") is None
