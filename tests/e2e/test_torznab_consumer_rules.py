"""The consumer used by test_torznab_arr rejects what Sonarr/Prowlarr reject (so its "accepted" means something)."""

from __future__ import annotations

import pytest

from tests.e2e.torznab_consumer import (
    IndexerError,
    Rejected,
    parse_caps,
    parse_feed,
    parse_release_title,
    sonarr_test_capabilities,
)

XML = "application/xml"
CAPS = b"""<caps><limits default="100" max="100"/><searching><search available="yes" supportedParams="q"/>
<tv-search available="yes" supportedParams="q,season,ep"/></searching>
<categories><category id="5000" name="TV"><subcat id="5040" name="TV/HD"/></category></categories></caps>"""
NS = 'xmlns:torznab="http://torznab.com/schemas/2015/feed"'


def item(extra: str = "", pub: str = "<pubDate>Sat, 14 Mar 2015 17:10:42 +0000</pubDate>", seeders: str = "5", cat: str = "5040") -> bytes:
    magnet = "magnet:?xt=urn:btih:" + "a" * 40 + "&amp;dn=x"
    return (
        f'<rss {NS}><channel><item><title>A.S01E01.1080p.WEB.H264.GER-X</title><guid>g</guid>{pub}'
        f'<enclosure url="{magnet}" length="10" type="application/x-bittorrent"/>'
        f'<torznab:attr name="size" value="10"/><torznab:attr name="seeders" value="{seeders}"/>'
        f'<torznab:attr name="category" value="{cat}"/>{extra}</item></channel></rss>'
    ).encode()


def test_caps_rules() -> None:
    caps = parse_caps(CAPS, XML)
    assert sonarr_test_capabilities(caps)
    with pytest.raises(Rejected):
        parse_caps(b'<caps><limits default="100"/></caps>', XML)
    with pytest.raises(Rejected):
        parse_caps(b'<caps><searching><search supportedParams="q"/></searching></caps>', XML)
    spaced = parse_caps(CAPS.replace(b"q,season,ep", b"q, season, ep").replace(b'supportedParams="q"/>', b'supportedParams="x"/>', 1), XML)
    assert not sonarr_test_capabilities(spaced)


def test_feed_rules() -> None:
    caps = parse_caps(CAPS, XML)
    assert not parse_feed(item(), XML, caps, {5040})[0].problems
    with pytest.raises(Rejected):
        parse_feed(item(pub=""), XML, caps)
    with pytest.raises(Rejected):
        parse_feed(b"<rss><channel><item><title>x</item></channel></rss>", XML, caps)
    with pytest.raises(Rejected):
        parse_feed(b"<html></html>", "text/html", caps)
    assert parse_feed(item(seeders="0"), XML, caps)[0].problems
    assert parse_feed(item(cat="5070"), XML, caps)[0].problems
    assert parse_feed(item(), XML, caps, {2000})[0].problems
    assert parse_feed(item('<torznab:attr name="infohash" value="' + "b" * 40 + '"/>'), XML, caps)[0].problems
    with pytest.raises(IndexerError):
        parse_feed(b'<error code="100" description="Invalid API Key"/>', XML, caps)


def test_title_rules() -> None:
    p = parse_release_title("Kaguya.sama.Love.is.War.S01E03.1080p.WEB.H264.GER.SUB-ANIWORLD")
    assert p is not None and (p.series, p.season, p.episodes, p.german) == ("Kaguya sama Love is War", 1, [3], False)
    dub = parse_release_title("9.1.1.S01E02.720p.WEB.H264.GER-STO [STRM]")
    assert dub is not None and dub.german and dub.quality == "720p.web"
    assert parse_release_title("[Group] Show Name - 105 [1080p]").absolute == [105]  # type: ignore[union-attr]
