"""Pure HLS-as-file arithmetic: which playlists can be one file, part order, byte spans, Range headers, padding."""

from __future__ import annotations

import pytest

from anibridge.domain.strm.hls_layout import (
    Key,
    Layout,
    NotAFile,
    Part,
    cipher_span,
    padding,
    parse_media,
    parse_range,
    pick_variant,
)

BASE = "https://cdn.example/v/index.m3u8"


def media(*lines: str, end: bool = True) -> str:
    return "\n".join(["#EXTM3U", *lines, *(["#EXT-X-ENDLIST"] if end else [])]) + "\n"


def test_segments_in_order_with_absolute_urls_and_durations() -> None:
    parsed = parse_media(media("#EXTINF:4.0,", "a.ts", "#EXTINF:2.5,", "https://other.example/b.ts"), BASE)
    assert [(p.url, p.duration) for p in parsed.parts] == [
        ("https://cdn.example/v/a.ts", 4.0), ("https://other.example/b.ts", 2.5)]
    assert not parsed.fragmented and all(p.key is None and p.length is None for p in parsed.parts)


def test_init_section_comes_first_and_only_again_when_it_changes() -> None:
    parsed = parse_media(media('#EXT-X-MAP:URI="init.mp4"', "#EXTINF:1,", "a.m4s", "#EXTINF:1,", "b.m4s",
                               '#EXT-X-MAP:URI="init.mp4"', "#EXTINF:1,", "c.m4s",
                               '#EXT-X-MAP:URI="init2.mp4",BYTERANGE="100@50"', "#EXTINF:1,", "d.m4s"), BASE)
    names = [p.url.rsplit("/", 1)[1] for p in parsed.parts]
    assert names == ["init.mp4", "a.m4s", "b.m4s", "c.m4s", "init2.mp4", "d.m4s"]
    assert parsed.fragmented and (parsed.parts[4].offset, parsed.parts[4].length) == (50, 100)


def test_byte_ranges_without_offset_follow_the_previous_one() -> None:
    parsed = parse_media(media("#EXTINF:1,", "#EXT-X-BYTERANGE:100@0", "all.ts", "#EXTINF:1,",
                               "#EXT-X-BYTERANGE:70", "all.ts", "#EXTINF:1,", "#EXT-X-BYTERANGE:30", "all.ts"), BASE)
    assert [(p.offset, p.length) for p in parsed.parts] == [(0, 100), (100, 70), (170, 30)]


def test_aes_iv_is_explicit_or_the_media_sequence_number() -> None:
    parsed = parse_media(media("#EXT-X-MEDIA-SEQUENCE:7", '#EXT-X-KEY:METHOD=AES-128,URI="k.bin"',
                               "#EXTINF:1,", "a.ts", '#EXT-X-KEY:METHOD=AES-128,URI="k2.bin",IV=0x0A',
                               "#EXTINF:1,", "b.ts", "#EXT-X-KEY:METHOD=NONE", "#EXTINF:1,", "c.ts"), BASE)
    a, b, c = parsed.parts
    assert a.key == Key("https://cdn.example/v/k.bin", (7).to_bytes(16, "big"))
    assert b.key == Key("https://cdn.example/v/k2.bin", (10).to_bytes(16, "big"))
    assert c.key is None


@pytest.mark.parametrize("text", [
    media("#EXTINF:1,", "a.ts", end=False),  # live: the file would grow
    media('#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k"', "#EXTINF:1,", "a.ts"),
    media("#EXT-X-STREAM-INF:BANDWIDTH=1", "v.m3u8"),
    media("#EXT-X-TARGETDURATION:1"),
    media("#EXTINF:1,", "#EXT-X-BYTERANGE:x@1", "a.ts"),
])
def test_what_one_file_cannot_carry_stays_a_playlist(text: str) -> None:
    with pytest.raises(NotAFile):
        parse_media(text, BASE)


def test_variant_with_the_highest_bandwidth_else_the_largest_picture() -> None:
    master = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=1280x720\nlow.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1920x1080\nhigh.m3u8\n")
    assert pick_variant(master, BASE) == "https://cdn.example/v/high.m3u8"
    nobw = "#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1920x1080\nbig.m3u8\n#EXT-X-STREAM-INF:RESOLUTION=640x360\ns.m3u8\n"
    assert pick_variant(nobw, BASE) == "https://cdn.example/v/big.m3u8"


def test_variant_whose_audio_is_a_separate_rendition_is_not_a_file() -> None:
    master = ('#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="de",URI="de.m3u8"\n'
              '#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="aud"\nv.m3u8\n')
    with pytest.raises(NotAFile):
        pick_variant(master, BASE)
    muxed = '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="de"\n#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="aud"\nv.m3u8\n'
    assert pick_variant(muxed, BASE) == "https://cdn.example/v/v.m3u8"


def test_pieces_map_a_file_span_onto_parts() -> None:
    layout = Layout((Part("a"), Part("b"), Part("c"), Part("d")), (10, 0, 5, 20), "video/mp2t")
    assert layout.total == 35 and layout.starts == (0, 10, 10, 15)
    assert layout.pieces(0, 34) == [(0, 0, 9), (2, 0, 4), (3, 0, 19)]
    assert layout.pieces(9, 15) == [(0, 9, 9), (2, 0, 4), (3, 0, 0)]
    assert layout.pieces(12, 12) == [(2, 2, 2)]


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", (0, 99)), ("bytes=10-", (10, 999)), ("bytes=-100", (900, 999)), ("bytes=-5000", (0, 999)),
    ("bytes=990-5000", (990, 999)), ("bytes=1000-", "unsatisfiable"), ("bytes=-0", "unsatisfiable"),
    ("bytes=5-4", "unsatisfiable"), ("bytes=abc", None), ("bytes=0-1,5-6", None), ("items=0-1", None), ("", None),
    ("bytes=-", None), ("bytes=1-x", None),
    # Digits other than ASCII ones are no HTTP digits ("²".isdigit() is true, int("²") raises): a malformed header.
    ("bytes=²-", None), ("bytes=-²", None), ("bytes=0-²", None), ("bytes=١٠-", None),
    # int() refuses text past 4300 digits; a number past 2**64 is no byte position of a served file.
    (f"bytes=0-{'9' * 5000}", None), (f"bytes={'9' * 5000}-", None), (f"bytes=-{'9' * 5000}", None),
])
def test_range_headers(header: str, expected: object) -> None:
    assert parse_range(header, 1000) == expected


def test_padding_and_cipher_spans() -> None:
    assert padding(b"x" * 12 + b"\x04" * 4) == 4 and padding(b"\x10" * 16) == 16
    for bad in (b"x" * 15 + b"\x00", b"x" * 15 + b"\x11", b"x" * 13 + b"\x01\x02\x03", b"\x01"):
        with pytest.raises(NotAFile):
            padding(bad)
    assert cipher_span(0, 0) == (0, 15, 0)
    assert cipher_span(20, 40) == (0, 47, 4)  # block 1 needs block 0 as its IV
    assert cipher_span(35, 35) == (16, 47, 3)
