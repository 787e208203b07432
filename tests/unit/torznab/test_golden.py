"""Golden examples of the reference's episode search and infohashes, byte for byte (title, guid, magnet, infohash)."""

from __future__ import annotations

from datetime import UTC, datetime

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.release import (
    Variant,
    build_releases,
    connectivity_releases,
)

NOW = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)


def test_worked_example_2_12() -> None:
    ref = EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 1, 3, Language.GERMAN_SUB)
    variant = Variant(ref, "Kaguya-sama: Love is War", (1, 3), 1080, "avc1.64001f", "VOE")
    [release] = build_releases(SearchConfig(), variant, NOW, frozenset())
    assert release.title == "Kaguya.sama.Love.is.War.S01E03.1080p.WEB-DL.H264.GER.SUB-ANIWORLD"
    assert release.guid == "aw:kaguya-sama-love-is-war:s1e3:German Sub"
    assert release.size == 1572864000
    assert release.magnet == (
        "magnet:?xt=urn:btih:d342700c7a763ea1b3742f763b148c0acbd85c7c"
        "&dn=Kaguya.sama.Love.is.War.S01E03.1080p.WEB-DL.H264.GER.SUB-ANIWORLD"
        "&aw_slug=kaguya-sama-love-is-war&aw_s=1&aw_e=3&aw_lang=German+Sub&aw_site=aniworld.to&aw_provider=VOE"
    )
    assert release.infohash == "d342700c7a763ea1b3742f763b148c0acbd85c7c"


def test_strm_example_3_2() -> None:
    """The reference's example, changed where issue 14 demands: `WEB-DL`, `.STRM` before the group (so the
    group stays `STO`), and s.to's own hash (the reference's `c81a2083…` is shared with AniWorld's slug)."""
    ref = EpisodeRef(Site.STO, "9-1-1", 1, 2, Language.GERMAN_DUB)
    variant = Variant(ref, "9-1-1", (1, 2), 720, "h264", "VOE")
    [release] = build_releases(SearchConfig(strm_mode="only"), variant, NOW, frozenset())
    assert release.title == "9.1.1.S01E02.720p.WEB-DL.H264.GER.STRM-STO"
    assert release.infohash == "1a1dfc64facaa78d6b9ed95dc2ebbe43897640ce" != "c81a2083d5093fe9f24925516c63363c16e0592f"
    assert release.guid == "sto:9-1-1:s1e2:German Dub:strm"
    assert release.magnet == (
        "magnet:?xt=urn:btih:1a1dfc64facaa78d6b9ed95dc2ebbe43897640ce&dn=9.1.1.S01E02.720p.WEB-DL.H264.GER.STRM-STO"
        "&sto_slug=9-1-1&sto_s=1&sto_e=2&sto_lang=German+Dub&sto_site=s.to&sto_mode=strm&sto_provider=VOE"
    )


def test_connectivity_item_2_6_1() -> None:
    [release] = connectivity_releases(SearchConfig(), NOW, movie=False, requested=frozenset())
    assert release.title == "AniBridge Connectivity Test"
    assert release.guid == "aw:connectivity-test:s1e1:German Dub"
    assert release.infohash == "bd4fb4d643b7262c97b07add615270de9ce3085a"
    assert release.magnet == (
        "magnet:?xt=urn:btih:bd4fb4d643b7262c97b07add615270de9ce3085a&dn=AniBridge+Connectivity+Test"
        "&aw_slug=connectivity-test&aw_s=1&aw_e=1&aw_lang=German+Dub&aw_site=aniworld.to"
    )


def test_special_alias_guid_and_source_magnet() -> None:
    ref = EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 0, 4, Language.GERMAN_SUB)
    variant = Variant(ref, "Kaguya-sama: Love is War", (0, 5), 1080, "h264", "VOE")
    [normal, strm] = build_releases(SearchConfig(strm_mode="both"), variant, NOW, frozenset())
    assert normal.title == "Kaguya.sama.Love.is.War.S00E05.1080p.WEB-DL.H264.GER.SUB-ANIWORLD"
    assert strm.guid == "aw:kaguya-sama-love-is-war:s0e4:German Sub:alias-s0e5:strm"
    assert "&aw_s=0&aw_e=4&" in normal.magnet


def test_megakino_guid_names_its_site_while_the_magnet_keeps_the_aw_wire_format() -> None:
    ref = EpisodeRef(Site.MEGAKINO, "dune-part-two", 0, 0, Language.GERMAN_DUB)
    variant = Variant(ref, "Dune Part Two", None, 1080, "h264", "VOE", year=2024, movie=True)
    [release] = build_releases(SearchConfig(), variant, NOW, frozenset())
    assert release.guid == "megakino:dune-part-two:s0e0:German Dub"
    assert release.magnet.startswith(f"magnet:?xt=urn:btih:{release.infohash}&dn=Dune.Part.Two.2024.1080p.WEB-DL.H264.GER-MEGAKINO")
    assert "&aw_slug=dune-part-two&aw_s=0&aw_e=0&aw_lang=German+Dub&aw_site=megakino&aw_provider=VOE" in release.magnet
    aniworld = build_releases(SearchConfig(), Variant(EpisodeRef(Site.ANIWORLD, "dune-part-two", 0, 0, Language.GERMAN_DUB), "X", None), NOW, frozenset())[0]
    # AniWorld keeps the reference's site-less hash; Megakino's names its site, so the two are distinct torrents.
    assert aniworld.infohash == "a1f6cac2ea8f42ce08308a16c317397c8a2d0c16" != release.infohash
