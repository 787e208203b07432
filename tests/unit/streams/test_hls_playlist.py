"""The one HLS reading both the downloader and the STRM file mode decide from: what it records, what it refuses."""

from __future__ import annotations

import pytest

from anibridge.domain.streams.hls_playlist import (
    Key,
    PlaylistError,
    best_variant,
    decimal,
    has_separate_audio,
    parse_media,
    pkcs7_padding,
)

BASE = "https://cdn.example/v/index.m3u8"


def test_discontinuity_and_gap_mark_only_the_next_segment() -> None:
    parsed = parse_media("#EXTM3U\n#EXTINF:1,\na.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:1,\nb.ts\n#EXT-X-GAP\n"
                         "#EXTINF:1,\nc.ts\n#EXTINF:1,\nd.ts\n#EXT-X-ENDLIST\n", BASE)
    assert [s.discontinuity for s in parsed.segments] == [False, True, False, False]
    assert [s.gap for s in parsed.segments] == [False, False, True, False]
    assert parsed.ended


def test_every_map_and_key_is_kept_with_the_key_and_sequence_in_force() -> None:
    parsed = parse_media('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:4\n#EXT-X-KEY:METHOD=AES-128,URI="k"\n'
                         '#EXT-X-MAP:URI="i1.mp4"\n#EXTINF:1,\na.m4s\n#EXT-X-KEY:METHOD=NONE\n'
                         '#EXT-X-MAP:URI="i2.mp4",BYTERANGE="10@5"\n#EXTINF:1,\nb.m4s\n', BASE)
    first, second = parsed.maps
    assert (first.url, first.sequence, first.key) == ("https://cdn.example/v/i1.mp4", 4,
                                                      Key("https://cdn.example/v/k", None))
    assert first.iv() == (4).to_bytes(16, "big")
    assert (second.sequence, second.key, second.byte_range) == (5, None, (5, 10))
    assert [s.init for s in parsed.segments] == [first, second]
    assert [k.method for k in parsed.keys] == ["AES-128", "NONE"]
    assert not parsed.ended and parsed.guesses == ()


def test_unreadable_lines_with_a_default_are_read_as_it_and_named() -> None:
    parsed = parse_media("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:x\n#EXTINF:abc,\n#EXT-X-BYTERANGE:100\na.ts\n"
                         '#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0A\n#EXTINF:2,\nb.ts\n', BASE)
    a, b = parsed.segments
    assert (a.sequence, a.duration, a.byte_range) == (0, 0.0, (0, 100))
    assert b.iv() == bytes(15) + b"\x0a"
    assert [g.split(" ")[0:2] for g in parsed.guesses] == [["unreadable", "media"], ["unreadable", "duration"],
                                                           ["a", "byte"], ["unreadable", "IV"]]


@pytest.mark.parametrize("line", ["#EXT-X-BYTERANGE:x@1", '#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0xZZ'])
def test_a_byte_range_or_iv_that_is_none_is_refused(line: str) -> None:
    with pytest.raises(PlaylistError):
        parse_media(f"#EXTM3U\n{line}\n#EXTINF:1,\na.ts\n", BASE)


def test_a_key_without_encryption_needs_no_readable_iv() -> None:
    assert parse_media("#EXTM3U\n#EXT-X-KEY:METHOD=NONE,IV=junk\n#EXTINF:1,\na.ts\n", BASE).segments[0].key is None


def test_an_unreadable_iv_no_segment_uses_is_only_named() -> None:
    parsed = parse_media('#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0xZZ\n#EXT-X-KEY:METHOD=AES-128,URI="k"\n'
                         "#EXTINF:1,\na.ts\n", BASE)
    assert parsed.guesses == ("unreadable IV '0xZZ'",) and parsed.segments[0].iv() == bytes(16)


def test_the_best_variant_breaks_a_bandwidth_tie_by_picture_size_and_else_takes_the_first() -> None:
    tie = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5,RESOLUTION=640x360\nsmall.m3u8\n"
           "#EXT-X-STREAM-INF:BANDWIDTH=5,RESOLUTION=1920x1080\nbig.m3u8\n")
    assert getattr(best_variant(tie, BASE), "url", None) == "https://cdn.example/v/big.m3u8"
    bare = "#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"avc1\"\none.m3u8\n#EXT-X-STREAM-INF:CODECS=\"avc1\"\ntwo.m3u8\n"
    assert getattr(best_variant(bare, BASE), "url", None) == "https://cdn.example/v/one.m3u8"
    assert best_variant("#EXTM3U\n#EXTINF:1,\na.ts\n", BASE) is None


def test_separate_audio_of_any_group_or_of_one() -> None:
    master = '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="a.m3u8"\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="b"\n'
    assert has_separate_audio(master) and has_separate_audio(master, "a")
    assert not has_separate_audio(master, "b")


def test_pkcs7_padding() -> None:
    assert pkcs7_padding(b"x" * 12 + b"\x04" * 4) == 4
    assert pkcs7_padding(b"x" * 15 + b"\x00") is None and pkcs7_padding(b"\x01") is None


@pytest.mark.parametrize("value", ["\u00b2", "\u0661\u0660", "9" * 5000, str(2**64), "-1", ""])
def test_a_media_sequence_that_is_no_ascii_decimal_integer_is_a_guess(value: str) -> None:
    parsed = parse_media(f"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:{value}\n#EXTINF:1,\na.ts\n", BASE)
    assert parsed.segments[0].sequence == 0
    assert parsed.guesses[0].startswith("unreadable media sequence")


@pytest.mark.parametrize("value", ["\u0661\u0660@0", "9" * 5000, f"10@{'9' * 5000}", f"{2**64}@0"])
def test_a_byte_range_of_other_digits_or_past_the_integer_range_is_refused(value: str) -> None:
    with pytest.raises(PlaylistError):
        parse_media(f"#EXTM3U\n#EXT-X-BYTERANGE:{value}\n#EXTINF:1,\na.ts\n", BASE)


def test_the_best_variant_reads_other_digits_and_huge_numbers_as_no_figure() -> None:
    master = (f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=\u00b2,RESOLUTION={'9' * 5000}x1\nodd.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=\u0661\u0660\u0660,RESOLUTION=1x1\nsmall.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=5\nfive.m3u8\n")
    best = best_variant(master, BASE)
    assert best is not None and best.url.endswith("five.m3u8")


@pytest.mark.parametrize(("value", "expected"), [
    ("0", 0), (" 42 ", 42), (str(2**64 - 1), 2**64 - 1), (str(2**64), None), ("\u00b2", None),
    ("\u0661", None), ("9" * 5000, None), ("-1", None), ("+1", None), ("1.0", None), ("", None),
])
def test_decimal_takes_ascii_decimal_integers_only(value: str, expected: int | None) -> None:
    assert decimal(value) == expected


def test_an_unreadable_media_sequence_is_refused_once_a_key_needs_it_as_iv() -> None:
    with pytest.raises(PlaylistError):
        parse_media('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:\u00b2\n#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXTINF:1,\na.ts\n',
                    BASE)
    explicit = parse_media('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:\u00b2\n#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0x01\n'
                           "#EXTINF:1,\na.ts\n", BASE)
    assert explicit.segments[0].iv() == bytes(15) + b"\x01"


@pytest.mark.parametrize("uri", ["http://[::1", "//[::1/x", "http://a:99999/x.ts", "http://a:x/y.ts"])
@pytest.mark.parametrize("where", ["segment", "key", "map"])
def test_a_uri_no_http_client_can_take_is_refused(uri: str, where: str) -> None:
    line = {"segment": f"#EXTINF:1,\n{uri}", "key": f'#EXT-X-KEY:METHOD=AES-128,URI="{uri}"\n#EXTINF:1,\na.ts',
            "map": f'#EXT-X-MAP:URI="{uri}"\n#EXTINF:1,\na.ts'}[where]
    with pytest.raises(PlaylistError, match="unreadable URI"):
        parse_media(f"#EXTM3U\n{line}\n", BASE)


def test_a_variant_no_http_client_can_take_is_no_choice() -> None:
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=9\nhttp://[::1\n#EXT-X-STREAM-INF:BANDWIDTH=1\nok.m3u8\n"
    best = best_variant(master, BASE)
    assert best is not None and best.url == "https://cdn.example/v/ok.m3u8"


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "-0.5", "1e3", "1_0", "9" * 400, "\u0661", "+2"])
def test_a_duration_that_is_no_finite_nonnegative_decimal_is_a_guess(value: str) -> None:
    parsed = parse_media(f"#EXTM3U\n#EXTINF:{value},\na.ts\n#EXTINF:2.5,\nb.ts\n", BASE)
    assert [s.duration for s in parsed.segments] == [0.0, 2.5]
    assert parsed.seconds == 2.5 and parsed.guesses[0].startswith("unreadable duration")


def test_the_largest_media_sequence_still_gives_16_byte_ivs() -> None:
    parsed = parse_media(f"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:{2**64 - 1}\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n"
                         "#EXTINF:1,\na.ts\n#EXTINF:1,\nb.ts\n", BASE)
    assert [s.iv() for s in parsed.segments] == [(2**64 - 1).to_bytes(16, "big"), (2**64).to_bytes(16, "big")]
