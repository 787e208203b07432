"""Release names byte for byte as the reference builds them."""

from __future__ import annotations

import pytest

from anibridge.domain.catalog.identity import Language
from anibridge.domain.releases.names import (
    build_release_name,
    codec_tag,
    final_file_name,
    quality_tag,
)


def test_spec_examples() -> None:
    assert (
        build_release_name("Kaguya-sama: Love is War", 1, 3, 1080, "avc1.64001f", Language.GERMAN_SUB)
        == "Kaguya.sama.Love.is.War.S01E03.1080p.WEB-DL.H264.GER.SUB-ANIWORLD"
    )
    assert (
        build_release_name("9-1-1", 1, 2, 720, "h264", Language.GERMAN_DUB, group="STO")
        == "9.1.1.S01E02.720p.WEB-DL.H264.GER-STO"
    )
    assert (
        build_release_name("Avengers Endgame 2019", None, None, 480, None, Language.parse("Deutsch"), group="MEGAKINO")
        == "Avengers.Endgame.2019.480p.WEB-DL.H264.GER-MEGAKINO"
    )
    assert (
        build_release_name("Rascal Does Not Dream of Bunny Girl Senpai", 1, 3, 720, "h264", Language.GERMAN_DUB)
        == "Rascal.Does.Not.Dream.of.Bunny.Girl.Senpai.S01E03.720p.WEB-DL.H264.GER-ANIWORLD"
    )
    assert build_release_name("Show", 1, 2, None, None, Language.GERMAN_DUB) == "Show.S01E02.SD.WEB-DL.H264.GER-ANIWORLD"
    assert build_release_name("Show", 1, 1, 2160, "hevc", Language.ENGLISH_DUB) == "Show.S01E01.2160p.WEB-DL.H265.ENG-ANIWORLD"


def test_movie_year_strm_and_group_rules() -> None:
    assert (
        build_release_name("Avengers: Endgame", height=1080, language=Language.parse("Deutsch"), group=" megakino ", year=2019)
        == "Avengers.Endgame.2019.1080p.WEB-DL.H264.GER-MEGAKINO"
    )
    assert (
        build_release_name("9-1-1", 1, 2, 720, "h264", Language.GERMAN_DUB, group="STO", strm=True)
        == "9.1.1.S01E02.720p.WEB-DL.H264.GER.STRM-STO"
    )
    assert build_release_name("X", 1, 1, 720, None, Language.ENGLISH_SUB, group="", strm=True).endswith(".ENG.SUB.STRM")
    assert build_release_name("X", 1, 1, 720, None, Language.ENGLISH_SUB, group="") == "X.S01E01.720p.WEB-DL.H264.ENG.SUB"
    assert build_release_name("X", 0, 5, 720, None, Language.GERMAN_DUB) == "X.S00E05.720p.WEB-DL.H264.GER-ANIWORLD"
    assert build_release_name("X", 1, 100, 720, None, Language.GERMAN_DUB).startswith("X.S01E100.")
    with pytest.raises(TypeError, match="Language.parse"):  # a label is not a Language: parse it first
        build_release_name("X", 1, 1, 720, None, "Japanese Dub")  # type: ignore[arg-type]
    assert build_release_name("X", 1, 1, 720, None, Language.GERMAN_DUB, source_tag="WEB").split(".")[3] == "WEB"


def test_series_sanitising_transliterates_and_spells_out() -> None:
    assert build_release_name("Mädchen  & Co.!", 1, 1).startswith("Madchen.and.Co.S01E01")
    assert build_release_name("...Hello---World...", 1, 1).startswith("Hello.World.S01E01")
    assert build_release_name("Pokémon", 1, 1).startswith("Pokemon.S01E01")
    assert build_release_name("Shōgun", 1, 1).startswith("Shogun.S01E01")
    assert build_release_name("3%", 1, 1).startswith("3.Percent.S01E01")
    assert build_release_name("Grey's Anatomy - Die jungen Ärzte", 1, 1).startswith("Greys.Anatomy.Die.jungen.Arzte.")
    assert build_release_name("Straße Ærø Œuvre Łódź", 1, 1).startswith("Strasse.AEro.OEuvre.Lodz.S01E01")
    assert build_release_name("ＦＵＬＬ ｗｉｄｔｈ", 1, 1).startswith("FULL.width.S01E01")
    assert build_release_name("日本", 1, 1).startswith("S01E01")  # nothing transliterable is left out, as before


@pytest.mark.parametrize(
    ("height", "tag"),
    [(None, "SD"), (0, "SD"), (360, "SD"), (480, "480p"), (719, "480p"), (720, "720p"), (1080, "1080p"),
     (1440, "1440p"), (2160, "2160p"), (4320, "2160p")],
)
def test_quality_buckets(height: int | None, tag: str) -> None:
    assert quality_tag(height) == tag


@pytest.mark.parametrize(
    ("codec", "tag"),
    [("hevc", "H265"), ("HEV1.1", "H265"), ("x265", "H265"), ("av01.0.08M", "AV1"), ("AV1", "AV1"),
     ("vp9", "VP9"), ("avc1", "H264"), ("", "H264"), (None, "H264"), ("mpeg4", "H264")],
)
def test_codec_mapping(codec: str | None, tag: str) -> None:
    assert codec_tag(codec) == tag


def test_strip_and_mark_strm() -> None:
    from anibridge.domain.releases.names import mark_strm, strip_strm

    assert mark_strm("X.S01E01.GER-STO") == "X.S01E01.GER.STRM-STO"
    assert mark_strm("AniBridge Connectivity Test") == "AniBridge Connectivity Test.STRM"
    assert strip_strm("X.S01E01.GER.STRM-STO") == "X.S01E01.GER-STO"
    assert strip_strm("X.S01E01.ENG.SUB.STRM") == "X.S01E01.ENG.SUB"
    assert strip_strm("X.S01E01.GER-STO [STRM]") == "X.S01E01.GER-STO"  # the reference's marker (old magnets)
    assert strip_strm("STRM.Show.S01E01.GER-STO") == "STRM.Show.S01E01.GER-STO"  # only the marker, not a title


def test_final_file_name() -> None:
    assert final_file_name("9.1.1.S01E02.720p.WEB.H264.GER-STO [STRM]", ".MP4") == "9.1.1.S01E02.720p.WEB.H264.GER-STO.mp4"
    assert final_file_name("9.1.1.S01E02.720p.WEB-DL.H264.GER.STRM-STO", ".mp4") == "9.1.1.S01E02.720p.WEB-DL.H264.GER-STO.mp4"
    assert final_file_name('a:b/c\\\\d*?"<>|e', "mkv") == "a_b_c_d_e.mkv"
    assert final_file_name("Name.MP4", ".mp4") == "Name.MP4"
    assert final_file_name(" [STRM] ", ".mp4") is None
    assert final_file_name("X [STRM] [STRM]", ".mp4") == "X.mp4"
    assert final_file_name("X", "") == "X"
