"""Magnet wire format (byte-compatible with the reference) and strict parsing."""

from __future__ import annotations

import random

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import JobMode
from anibridge.domain.releases.magnets import (
    MagnetError,
    build_magnet,
    infohash,
    legacy_infohash,
    parse_magnet,
    release_infohash,
)

STO_STRM = (
    "magnet:?xt=urn:btih:c81a2083d5093fe9f24925516c63363c16e0592f"
    "&dn=9.1.1.S01E02.720p.WEB.H264.GER-STO+%5BSTRM%5D&sto_slug=9-1-1&sto_s=1&sto_e=2"
    "&sto_lang=German+Dub&sto_site=s.to&sto_mode=strm&sto_provider=VOE"
)


def test_infohash_vectors() -> None:
    assert infohash("connectivity-test", 1, 1, Language.GERMAN_DUB) == "bd4fb4d643b7262c97b07add615270de9ce3085a"
    assert infohash("9-1-1", 1, 2, Language.GERMAN_DUB, JobMode.STRM) == "c81a2083d5093fe9f24925516c63363c16e0592f"
    # Plain strings are not the library's types: they fail at the call instead of hashing something else.
    with pytest.raises(TypeError, match="Language.parse"):
        infohash("9-1-1", 1, 2, "german dub")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="JobMode"):
        infohash("9-1-1", 1, 2, Language.GERMAN_DUB, "strm")  # type: ignore[arg-type]


def test_old_sto_strm_magnet_still_parses_under_its_own_hash() -> None:
    """The reference's s.to magnet (site-less hash): an old grab keeps resolving to the task it was added as."""
    ref = EpisodeRef(Site.STO, "9-1-1", 1, 2, Language.GERMAN_DUB)
    parsed = parse_magnet(STO_STRM)
    assert parsed.ref == ref
    assert parsed.infohash == "c81a2083d5093fe9f24925516c63363c16e0592f" == legacy_infohash(ref, JobMode.STRM)
    assert parsed.title == "9.1.1.S01E02.720p.WEB.H264.GER-STO [STRM]"
    assert (parsed.provider, parsed.mode, parsed.is_strm) == ("VOE", JobMode.STRM, True)


def test_new_sto_magnet_differs_from_the_reference_only_in_its_hash() -> None:
    ref = EpisodeRef(Site.STO, "9-1-1", 1, 2, Language.GERMAN_DUB)
    built = build_magnet(ref, "9.1.1.S01E02.720p.WEB.H264.GER-STO [STRM]", provider="VOE", mode=JobMode.STRM)
    new_hash = release_infohash(ref, JobMode.STRM)
    assert new_hash == infohash("s.to|9-1-1", 1, 2, Language.GERMAN_DUB, JobMode.STRM) != legacy_infohash(ref, JobMode.STRM)
    assert built == STO_STRM.replace("c81a2083d5093fe9f24925516c63363c16e0592f", new_hash)
    assert parse_magnet(built).infohash == new_hash


def test_aniworld_hashes_stay_the_reference_s_and_sites_no_longer_share_one() -> None:
    test_ref = EpisodeRef(Site.ANIWORLD, "connectivity-test", 1, 1, Language.GERMAN_DUB)
    assert release_infohash(test_ref) == "bd4fb4d643b7262c97b07add615270de9ce3085a"
    aw = EpisodeRef(Site.ANIWORLD, "attack-on-titan", 1, 1, Language.GERMAN_SUB)
    sto = EpisodeRef(Site.STO, "attack-on-titan", 1, 1, Language.GERMAN_SUB)
    mk = EpisodeRef(Site.MEGAKINO, "attack-on-titan", 1, 1, Language.GERMAN_SUB)
    assert release_infohash(aw) == infohash("attack-on-titan", 1, 1, Language.GERMAN_SUB)
    hashes = {release_infohash(r, mode) for r in (aw, sto, mk) for mode in (None, JobMode.STRM)}
    assert len(hashes) == 6
    assert "bd4fb4d643b7262c97b07add615270de9ce3085a" in build_magnet(test_ref, "AniBridge Connectivity Test")


def test_base32_btih_is_accepted_as_its_hex() -> None:
    import base64

    hexhash = "c81a2083d5093fe9f24925516c63363c16e0592f"
    b32 = base64.b32encode(bytes.fromhex(hexhash)).decode()
    assert len(b32) == 32
    assert parse_magnet(STO_STRM.replace(hexhash, b32)).infohash == hexhash
    assert parse_magnet(STO_STRM.replace(hexhash, b32.lower())).infohash == hexhash
    with pytest.raises(MagnetError, match="base32"):
        parse_magnet(STO_STRM.replace(hexhash, "1" * 32))  # 0, 1, 8, 9 are not base32 digits


def test_publication_time_travels_in_the_magnet() -> None:
    from datetime import UTC, datetime

    ref = EpisodeRef(Site.STO, "haus-des-geldes", 3, 8, Language.GERMAN_DUB)
    aired = datetime(2019, 7, 19, 7, 0, tzinfo=UTC)
    m = build_magnet(ref, "Money.Heist.S03E08", published_at=aired)
    assert m.endswith("&sto_pub=1563519600")
    assert parse_magnet(m).published_at == aired
    assert build_magnet(ref, "x").count("_pub=") == 0 and parse_magnet(build_magnet(ref, "x")).published_at is None
    assert parse_magnet(m.replace("sto_pub=1563519600", "sto_pub=soon")).published_at is None  # informational only


def test_megakino_uses_aw_prefix_and_no_optional_keys() -> None:
    ref = EpisodeRef(Site.MEGAKINO, "avengers-endgame", 0, 0, Language.GERMAN_DUB)
    m = build_magnet(ref, "Avengers.Endgame.2019.480p.WEB.H264.GER-MEGAKINO")
    assert m.endswith("&aw_slug=avengers-endgame&aw_s=0&aw_e=0&aw_lang=German+Dub&aw_site=megakino")
    assert parse_magnet(m).site is Site.MEGAKINO


def test_tracker_and_size_ignored_and_hash_kept() -> None:
    m = STO_STRM.replace("&dn=", "&tr=udp%3A%2F%2Ft.example%3A80&xl=123&dn=")
    assert parse_magnet(m).infohash == "c81a2083d5093fe9f24925516c63363c16e0592f"
    other = "0" * 40
    assert parse_magnet(STO_STRM.replace("c81a2083d5093fe9f24925516c63363c16e0592f", other.upper())).infohash == other


def test_legacy_defaults() -> None:
    m = "magnet:?xt=urn:btih:" + "a" * 40 + "&dn=X&aw_slug=s&aw_s=1&aw_e=2&aw_lang=German+Sub"
    p = parse_magnet(m)
    assert (p.site, p.language, p.provider, p.mode) == (Site.ANIWORLD, Language.GERMAN_SUB, None, None)
    m2 = "magnet:?xt=urn:btih:" + "a" * 40 + "&dn=X&sto_slug=s&sto_s=1&sto_e=2&sto_lang=German+Dub"
    assert parse_magnet(m2).site is Site.STO


GOOD = "magnet:?xt=urn:btih:" + "a" * 40 + "&dn=X&aw_slug=s&aw_s=1&aw_e=2&aw_lang=German+Dub"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("http://x", "not a magnet"),
        ("", "not a magnet"),
        (GOOD + "&sto_site=s.to", "mixed magnet prefixes"),
        (GOOD.replace("&dn=X", ""), "missing key dn"),
        (GOOD.replace("xt=urn:btih:" + "a" * 40 + "&", ""), "missing key xt"),
        (GOOD.replace("&aw_slug=s", ""), "missing key aw_slug"),
        (GOOD.replace("&aw_s=1", ""), "missing key aw_s"),
        (GOOD.replace("&aw_e=2", ""), "missing key aw_e"),
        (GOOD.replace("&aw_lang=German+Dub", ""), "missing key aw_lang"),
        (GOOD.replace("aw_s=1", "aw_s=one"), "non-integer aw_s"),
        (GOOD.replace("aw_e=2", "aw_e=-2"), "non-integer aw_e"),
        (GOOD + "&aw_site=example.org", "unknown site"),
        (GOOD.replace("German+Dub", "Klingon"), "unknown language"),
        (GOOD.replace("a" * 40, "a" * 39), "40-hex"),
        (GOOD.replace("a" * 40, "g" * 40), "40-hex"),
        (GOOD.replace("urn:btih:", "urn:sha1:"), "btih urn"),
    ],
)
def test_errors(uri: str, message: str) -> None:
    with pytest.raises(MagnetError, match=message):
        parse_magnet(uri)


def _titles() -> list[str]:
    rng = random.Random(1234)
    alphabet = "abcXYZ 019&+%=?#;/:[]()'\"äöüßÄ日本-_.~!*,"
    fixed = ["A & B", "C+D", "100% Pure", "Über Größe", "Show [STRM]", "a=b&c=d", "%2B", " lead"]
    gen = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    return fixed + [t for t in gen if t.strip()]


def test_round_trip_generated_titles() -> None:
    rng = random.Random(99)
    for i, title in enumerate(_titles()):
        site = rng.choice(list(Site))
        lang = rng.choice(list(Language))
        slug = rng.choice(["9-1-1", "kaguya-sama", "86", "a-b-c"])  # slugs are [a-z0-9-] (EpisodeRef refuses more)
        ref = EpisodeRef(site, slug, rng.randint(0, 30), rng.randint(0, 1200), lang)
        mode = rng.choice([None, JobMode.STRM])
        provider = rng.choice([None, "VOE", "Filemoon", "Dood Stream"])
        uri = build_magnet(ref, title, provider=provider, mode=mode)
        assert " " not in uri
        p = parse_magnet(uri)
        assert p.ref == ref, i
        assert p.title == title.strip()
        assert (p.provider, p.mode) == (provider, mode)
        assert p.infohash == release_infohash(ref, mode)
