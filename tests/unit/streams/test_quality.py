"""Quality from an HLS master playlist's attributes."""

from __future__ import annotations

from anibridge.domain.streams.quality import master_quality

MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=1280x720,CODECS="mp4a.40.2,avc1.4d401f",FRAME-RATE=25
720p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=5000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080,NAME="1080p"
1080p.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,RESOLUTION=3840x2160,URI="iframes.m3u8"
"""


def test_the_highest_variant_wins_and_audio_codecs_are_skipped() -> None:
    assert master_quality(MASTER) == (1080, "avc1.640028")  # I-frame playlists are not variants


def test_partial_attributes() -> None:
    no_codecs = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=640x360\na.m3u8\n"
    assert master_quality(no_codecs) == (360, None)
    no_resolution = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="hvc1.1.6.L93.B0,mp4a.40.2"\na.m3u8\n'
    assert master_quality(no_resolution) == (None, "hvc1.1.6.L93.B0")
    lower_has_codec = ('#EXT-X-STREAM-INF:RESOLUTION=640x360,CODECS="avc1.42c01e"\na\n'
                       "#EXT-X-STREAM-INF:RESOLUTION=1280x720\nb\n")
    assert master_quality(lower_has_codec) == (720, "avc1.42c01e")


def test_media_playlists_and_garbage_give_nothing() -> None:
    assert master_quality("#EXTM3U\n#EXTINF:4.0,\nseg0.ts\n#EXT-X-ENDLIST\n") == (None, None)
    assert master_quality("<html>not a playlist</html>") == (None, None)
    assert master_quality('#EXT-X-STREAM-INF:RESOLUTION=big,CODECS="mp4a.40.2"\nx\n') == (None, None)


def test_a_resolution_of_other_digits_or_thousands_of_them_is_no_resolution() -> None:
    master = (f"#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x{'9' * 5000}\na.m3u8\n"
              "#EXT-X-STREAM-INF:RESOLUTION=1x\u0661\u0660\nb.m3u8\n#EXT-X-STREAM-INF:RESOLUTION=640x360\nc.m3u8\n")
    assert master_quality(master) == (360, None)
