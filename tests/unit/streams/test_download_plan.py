"""What the own HLS downloader fetches for a playlist, and what it leaves to yt-dlp."""

from __future__ import annotations

import pytest

from anibridge.domain.streams.download_plan import UnsupportedPlaylist, check_master, download_plan
from anibridge.domain.streams.hls_playlist import Key

BASE = "https://cdn.example/v/720p/index.m3u8?t=1"


def test_segments_resolve_against_the_playlist_url_with_durations_and_sequence() -> None:
    plan = download_plan("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:4.004,\nseg-7.ts?t=1\n"
                                "#EXTINF:2.5,title\n/abs/seg-8.ts\n#EXTINF:1,\nhttps://other.example/s9.ts\n"
                                "#EXT-X-ENDLIST\n", BASE)
    assert [s.url for s in plan.segments] == ["https://cdn.example/v/720p/seg-7.ts?t=1",
                                              "https://cdn.example/abs/seg-8.ts", "https://other.example/s9.ts"]
    assert [s.sequence for s in plan.segments] == [7, 8, 9]
    assert plan.seconds == pytest.approx(7.504)
    assert plan.init is None


def test_aes128_keys_apply_until_changed_and_the_iv_defaults_to_the_sequence_number() -> None:
    plan = download_plan('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-KEY:METHOD=AES-128,URI="k1"\n'
                                "#EXTINF:1,\na.ts\n"
                                '#EXT-X-KEY:METHOD=AES-128,URI="k2",IV=0x0A\n#EXTINF:1,\nb.ts\n'
                                "#EXT-X-KEY:METHOD=NONE\n#EXTINF:1,\nc.ts\n#EXT-X-ENDLIST\n", BASE)
    first, second, third = plan.segments
    assert first.key == Key("https://cdn.example/v/720p/k1", None)
    assert first.iv() == (3).to_bytes(16, "big")
    assert second.iv() == bytes(15) + b"\x0a"
    assert third.key is None


def test_byte_ranges_continue_from_the_previous_range_of_the_same_file() -> None:
    plan = download_plan("#EXTM3U\n#EXT-X-MAP:URI=\"all.mp4\",BYTERANGE=\"700@0\"\n"
                                "#EXTINF:1,\n#EXT-X-BYTERANGE:1000@700\nall.mp4\n"
                                "#EXTINF:1,\n#EXT-X-BYTERANGE:500\nall.mp4\n#EXT-X-ENDLIST\n", BASE)
    assert plan.init is not None and plan.init.byte_range == (0, 700)
    assert [s.byte_range for s in plan.segments] == [(700, 1000), (1700, 500)]


def test_the_fingerprint_ignores_url_tokens_but_not_the_layout() -> None:
    one = download_plan("#EXTM3U\n#EXTINF:2,\na.ts?token=1\n#EXTINF:2,\nb.ts?token=1\n#EXT-X-ENDLIST", BASE)
    again = download_plan("#EXTM3U\n#EXTINF:2,\na.ts?token=2\n#EXTINF:2,\nb.ts?token=2\n#EXT-X-ENDLIST",
                                 BASE)
    other = download_plan("#EXTM3U\n#EXTINF:2,\na.ts\n#EXTINF:3,\nb.ts\n#EXT-X-ENDLIST", BASE)
    assert one.fingerprint() == again.fingerprint() != other.fingerprint()


@pytest.mark.parametrize("text, reason", [
    ("<html>gone</html>", "not an HLS playlist"),
    ("#EXTM3U\n#EXTINF:1,\na.ts\n", "live playlist"),
    ("#EXTM3U\n#EXT-X-ENDLIST\n", "without segments"),
    ('#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k"\n#EXTINF:1,\na.ts\n#EXT-X-ENDLIST', "SAMPLE-AES"),
    ('#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="skd://x",KEYFORMAT="com.apple.streamingkeydelivery"\n',
     "key format"),
    ('#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="data:text/plain;base64,AAAA"\n', "not http"),
    ('#EXTM3U\n#EXT-X-MAP:URI="i1.mp4"\n#EXTINF:1,\na.m4s\n#EXT-X-MAP:URI="i2.mp4"\n', "changes mid-stream"),
    ('#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXT-X-MAP:URI="i.mp4"\n', "encrypted initialisation"),
    ("#EXTM3U\n#EXTINF:1,\n#EXT-X-GAP\na.ts\n#EXT-X-ENDLIST", "gap"),
    ("#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:100\na.ts\n#EXT-X-ENDLIST", "without offset"),
    ("#EXTM3U\n#EXTINF:abc,\na.ts\n#EXT-X-ENDLIST", "unreadable duration"),
    ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", "master playlist"),
])
def test_what_the_own_path_cannot_do_is_named(text: str, reason: str) -> None:
    with pytest.raises(UnsupportedPlaylist, match=reason):
        download_plan(text, BASE)


def test_a_master_with_separate_audio_goes_to_ytdlp_one_with_subtitles_does_not() -> None:
    with pytest.raises(UnsupportedPlaylist, match="audio"):
        check_master('#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="a.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv')
    check_master('#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",URI="s.m3u8"\n'
                 '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="b",NAME="muxed"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8')


@pytest.mark.parametrize("line", ["http://[::1", "#EXTINF:inf,", "#EXTINF:-1,", "#EXT-X-MEDIA-SEQUENCE:\u00b2"])
def test_a_line_the_reader_cannot_take_goes_to_yt_dlp(line: str) -> None:
    with pytest.raises(UnsupportedPlaylist):
        download_plan(f"#EXTM3U\n{line}\n#EXTINF:1,\na.ts\n#EXT-X-ENDLIST\n", "https://cdn.example/v/i.m3u8")
