"""HLS rewriting: every fetchable URI proxied, everything else byte-identical."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from anibridge.domain.streams.hls import (
    is_hls,
    rewrite_playlist,
)

BASE = "https://origin.example/dir/master.m3u8?tok=1"


def proxy(u: str) -> str:
    return f"P[{u}]"


def test_master_playlist() -> None:
    src = (
        "#EXTM3U\r\n"
        "#EXT-X-VERSION:6\r\n"
        '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="keys/s.bin"\r\n'
        '#EXT-X-SESSION-DATA:DATA-ID="x",URI="data.json"\r\n'
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="de",URI="audio/de.m3u8"\r\n'
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="de"\r\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="a"\r\n'
        "low/playlist.m3u8\r\n"
        "\r\n"
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="iframes.m3u8"\r\n'
        "  https://cdn.example/hi/playlist.m3u8  \r\n"
    )
    out = rewrite_playlist(src, BASE, proxy)
    assert out == (
        "#EXTM3U\r\n"
        "#EXT-X-VERSION:6\r\n"
        '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="P[https://origin.example/dir/keys/s.bin]"\r\n'
        '#EXT-X-SESSION-DATA:DATA-ID="x",URI="data.json"\r\n'
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="de",URI="P[https://origin.example/dir/audio/de.m3u8]"\r\n'
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="de"\r\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="a"\r\n'
        "P[https://origin.example/dir/low/playlist.m3u8]\r\n"
        "\r\n"
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="P[https://origin.example/dir/iframes.m3u8]"\r\n'
        "P[https://cdn.example/hi/playlist.m3u8]\r\n"
    )


def test_media_playlist_key_map_and_no_trailing_newline() -> None:
    src = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        '#EXT-X-KEY:METHOD=AES-128,URI="/k/key.bin",IV=0x000102030405060708090a0b0c0d0e0f\n'
        "#EXT-X-MAP:URI=init.mp4,BYTERANGE=\"720@0\"\n"
        '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://key-id",KEYFORMAT="com.apple.streamingkeydelivery"\n'
        "#EXTINF:2.000,\n#EXT-X-BYTERANGE:1000@720\nseg0.m4s\n#EXTINF:2.000,title\n../up/seg1.m4s\n#EXT-X-ENDLIST"
    )
    out = rewrite_playlist(src, BASE, proxy)
    lines = out.split("\n")
    assert lines[3] == '#EXT-X-KEY:METHOD=AES-128,URI="P[https://origin.example/k/key.bin]",IV=0x000102030405060708090a0b0c0d0e0f'
    assert lines[4] == '#EXT-X-MAP:URI=P[https://origin.example/dir/init.mp4],BYTERANGE="720@0"'
    assert lines[5] == src.split("\n")[5]  # skd:// untouched
    assert lines[8] == "P[https://origin.example/dir/seg0.m4s]"
    assert lines[10] == "P[https://origin.example/up/seg1.m4s]"
    assert out.endswith("#EXT-X-ENDLIST")
    assert rewrite_playlist("", BASE, proxy) == ""


@pytest.mark.slow
def test_unknown_tags_untouched_and_linear_time() -> None:
    src = "#EXTM3U\n#X-CUSTOM:URI=\"a.ts\"\n#EXT-X-MEDIA-SEQUENCE:URI=x\n"
    assert rewrite_playlist(src, BASE, proxy) == src
    big = "#EXTM3U\n" + "".join(f"#EXTINF:2.0,\nseg{i}.ts\n" for i in range(20_000))
    out = rewrite_playlist(big, BASE, proxy)
    assert out.count("P[https://origin.example/dir/seg") == 20_000


@pytest.mark.parametrize("uri", [
    "seg0.ts", "a/b/seg.ts?x=1&y=2", "seg%201.ts", "/abs/seg.ts", "../up.ts", "./here.ts", "a/./b.ts", "a/../b.ts",
    "?q=1", "//other.example/x.ts", "HTTP://X.example/Y.ts", "https://x.example/y.ts", "~user/x.ts",
    "-x.ts", "data:text/plain,abc", "skd://id", "mailto:x",
])
@pytest.mark.parametrize("base", [BASE, "https://o.example", "https://o.example/", "http://o.example:8080/a/b/"])
def test_fast_join_equals_urljoin(uri: str, base: str) -> None:
    expected = urljoin(base, uri)
    if urlsplit(expected).scheme.lower() not in ("http", "https"):
        expected = None  # type: ignore[assignment]
    got = rewrite_playlist(uri + "\n", base, lambda u: u)
    assert got == (uri + "\n" if expected is None else expected + "\n")


def test_is_hls() -> None:
    assert is_hls("application/vnd.apple.mpegurl; charset=utf-8", "https://x/y")
    assert is_hls("Application/X-MPEGURL", "https://x/y")
    assert is_hls("text/plain", "https://x/a/index.M3U8?x=1")
    assert not is_hls("video/mp4", "https://x/a.mp4")
    assert not is_hls(None, "https://x/m3u8/video.mp4")


@pytest.mark.parametrize("uri", ["http://[::1", "//[::1/x.ts", "http://a:99999/x.ts", "https://a:x/y.ts",
                                 "//a:-1/x.ts", "http://\u2100/x.ts", "https://u:p@a.example:8443/x.ts"])
def test_a_uri_no_http_client_can_take_stays_as_written(uri: str) -> None:
    text = f'#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="{uri}"\n#EXTINF:1,\n{uri}\n'
    expected = text if "u:p@" not in uri else text.replace(uri, f"P[{uri}]")  # a valid port and userinfo pass
    assert rewrite_playlist(text, BASE, proxy) == expected
