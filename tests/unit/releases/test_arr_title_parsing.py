"""Every title form we emit, read the way Sonarr/Radarr read it (model in `arr_parser`): the cleaned series title
must equal the cleaned canonical title, and season/episode, quality, language and release group must be right."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.releases.names import build_release_name, codec_tag, quality_tag
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.release import Release, Variant, build_releases, language_attrs

from .arr_parser import clean_title, parse, quality, release_group

GD, GS, ES, ED = Language.GERMAN_DUB, Language.GERMAN_SUB, Language.ENGLISH_SUB, Language.ENGLISH_DUB
NOW = datetime(2026, 3, 14, 17, 10, 42, tzinfo=UTC)
GROUPS = {Site.ANIWORLD: "ANIWORLD", Site.STO: "STO", Site.MEGAKINO: "MEGAKINO"}
TITLE_LANGUAGE = {GD: "German", ED: "English", GS: "Unknown", ES: "Unknown"}

# (form, site, canonical title, source numbering, alias numbering (what Sonarr asked), language, year)
CASES: list[tuple[str, Site, str, tuple[int, int], tuple[int, int] | None, Language, int | None]] = [
    ("episode", Site.ANIWORLD, "Kaguya-sama: Love is War", (1, 3), (1, 3), GD, None),
    ("episode ger-sub", Site.ANIWORLD, "Kaguya-sama: Love is War", (1, 3), (1, 3), GS, None),
    ("episode eng-sub", Site.ANIWORLD, "Kaguya-sama: Love is War", (1, 3), (1, 3), ES, None),
    ("season item", Site.ANIWORLD, "Attack on Titan", (2, 7), (2, 7), GD, None),
    ("special", Site.ANIWORLD, "Kaguya-sama: Love is War", (0, 4), (0, 5), GS, None),
    ("absolute (site 1x52 = TVDB 2x26)", Site.ANIWORLD, "Black Clover", (1, 52), (2, 26), GD, None),
    ("three-digit episode", Site.ANIWORLD, "One Piece", (1, 1071), (21, 1071), GS, None),
    ("colon and dashes", Site.ANIWORLD, "Re:ZERO -Starting Life in Another World-", (2, 1), (2, 1), GD, None),
    ("apostrophe", Site.ANIWORLD, "Frieren: Beyond Journey's End", (1, 28), (1, 28), GS, None),
    ("semicolon", Site.ANIWORLD, "Steins;Gate", (1, 1), (1, 1), GD, None),
    ("number in title", Site.ANIWORLD, "Mob Psycho 100", (3, 12), (3, 12), GD, None),
    ("accent é", Site.ANIWORLD, "Pokémon", (1, 1), (1, 1), GD, None),
    ("macron ō", Site.STO, "Shōgun", (1, 10), (1, 10), ED, None),
    ("umlaut", Site.STO, "Grey's Anatomy - Die jungen Ärzte", (2, 22), (2, 22), GD, None),
    ("percent", Site.STO, "3%", (4, 7), (4, 7), GD, None),
    ("ampersand", Site.STO, "Law & Order: Special Victims Unit", (25, 1), (25, 1), ED, None),
    ("digits and hyphens", Site.STO, "9-1-1", (1, 2), (1, 2), GD, None),
    ("exclamation", Site.STO, "Reno 911!", (1, 1), (1, 1), GD, None),
    ("slash", Site.STO, "Road to 9/11", (1, 3), (1, 3), ED, None),
    ("TVDB title of a German site title", Site.STO, "Money Heist", (3, 8), (3, 8), GD, None),
    ("megakino series", Site.MEGAKINO, "The Penguin", (1, 8), (1, 8), GD, None),
    ("movie with colon", Site.MEGAKINO, "Dune: Part Two", (0, 0), None, GD, 2024),
    ("movie", Site.MEGAKINO, "Avengers: Endgame", (0, 0), None, GD, 2019),
    ("movie with accent", Site.MEGAKINO, "Amélie", (0, 0), None, GD, 2001),
]



def _slug(title: str) -> str:
    """A catalogue-shaped slug (lowercase letters, digits, hyphens); the parse checks never read it."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "show"

def releases(case: tuple[str, Site, str, tuple[int, int], tuple[int, int] | None, Language, int | None]) -> list[Release]:
    _form, site, title, source, alias, lang, year = case
    ref = EpisodeRef(site, _slug(title), source[0], source[1], lang)
    movie = alias is None
    variant = Variant(ref, title, alias, 1080, "avc1.64001f", "VOE", year=year, movie=movie)
    return build_releases(SearchConfig(strm_mode="both"), variant, NOW, frozenset())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_emitted_title_parses_as_intended(case: tuple[str, Site, str, tuple[int, int], tuple[int, int] | None, Language, int | None]) -> None:
    _form, site, title, _source, alias, lang, year = case
    normal, strm = releases(case)
    assert strm.title != normal.title
    for release in (normal, strm):
        parsed = parse(release.title, movie=alias is None)
        assert parsed.clean_title == clean_title(title), release.title
        assert (parsed.season, parsed.episode) == (alias if alias is not None else (None, None)), release.title
        assert parsed.year == year
        assert parsed.quality == "WEBDL-1080p", release.title
        assert parsed.language == TITLE_LANGUAGE[lang], release.title
        assert parsed.group == GROUPS[site], release.title  # STRM twins keep the site's group
        assert release.title.isascii()
    # What Sonarr finally records: the indexer's language attr overrides the title (sub variants: the audio).
    spoken, _subs = language_attrs(normal_ref(case))
    assert spoken == {GD: "German", ED: "English"}.get(lang, "Japanese" if site is Site.ANIWORLD else None)


def normal_ref(case: tuple[str, Site, str, tuple[int, int], tuple[int, int] | None, Language, int | None]) -> EpisodeRef:
    _form, site, title, source, _alias, lang, _year = case
    return EpisodeRef(site, _slug(title), source[0], source[1], lang)


def test_the_model_reproduces_what_the_issue_saw_with_the_old_forms() -> None:
    """The parser model must fail the old titles the way Sonarr/Radarr did, or it proves nothing."""
    assert release_group("9.1.1.S01E02.720p.WEB.H264.GER-STO [STRM]") == "STRM"
    assert parse("Pok.mon.S01E01.1080p.WEB.H264.GER-ANIWORLD").clean_title != clean_title("Pokémon")
    assert parse("3.S01E01.1080p.WEB.H264.GER-STO").clean_title != clean_title("3%")
    assert quality("Show.S01E01.SD.WEB.AV1.GER-ANIWORLD") == "Unknown"
    assert quality("Show.S01E01.480p.WEB.AV1.GER-ANIWORLD") == "SDTV"
    assert quality("Show.S01E01.1440p.WEB.AV1.GER-ANIWORLD") == "HDTV-1080p"
    assert quality("Movie.2024.720p.WEB.AV1.GER-MEGAKINO", radarr=True) == "HDTV-720p"
    assert quality("Show.S01E01.1080p.WEB.H264.GER-ANIWORLD") == "WEBDL-1080p"  # H.264 was always right


HEIGHTS = [None, 360, 480, 576, 720, 1080, 1440, 2160, 4320]
CODECS = ["avc1.64001f", "hvc1.1.6.L93", "hevc", "av01.0.08M.08", "vp09.00.10.08", "vp9", None]
EXPECTED_RES = {"SD": 480, "480p": 480, "720p": 720, "1080p": 1080, "1440p": 1080, "2160p": 2160}


@pytest.mark.parametrize("height", HEIGHTS)
@pytest.mark.parametrize("codec", CODECS)
def test_every_height_and_codec_the_probe_reports_is_web_dl_in_sonarr_and_radarr(height: int | None, codec: str | None) -> None:
    tag = quality_tag(height)
    want = f"WEBDL-{EXPECTED_RES[tag]}p"
    episode = build_release_name("Show", 1, 1, height, codec, GD, "ANIWORLD", SearchConfig().source_tag)
    film = build_release_name("Film", None, None, height, codec, GD, "MEGAKINO", SearchConfig().source_tag, year=2024)
    assert codec_tag(codec) in episode
    assert quality(episode) == want, episode
    assert quality(film, radarr=True) == want, film
