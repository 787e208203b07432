"""Synthetic masters and filled-in BANDWIDTH: segment parsing, sampling, rates and byte-exact edits."""

from __future__ import annotations

from anibridge.domain.streams.hls_playlist import is_master, variants
from anibridge.domain.strm import probe_master as pm

MEDIA = (
    "#EXTM3U\n#EXT-X-TARGETDURATION:6\n"
    "#EXTINF:6.0,\nseg0.ts\n#EXTINF:4.0,\nsub/seg1.ts\n"
    "#EXT-X-BYTERANGE:1000@0\n#EXTINF:2.0,\nall.ts\n#EXT-X-ENDLIST\n"
)


def test_segments_are_absolute_with_durations_and_byte_ranges() -> None:
    segs = pm.segments(MEDIA, "https://cdn.example/v/index.m3u8?t=1")
    assert [s.url for s in segs] == ["https://cdn.example/v/seg0.ts", "https://cdn.example/v/sub/seg1.ts",
                                     "https://cdn.example/v/all.ts"]
    assert [s.duration for s in segs] == [6.0, 4.0, 2.0]
    assert [s.size for s in segs] == [None, None, 1000]


def test_sample_spreads_and_skips_the_short_last_segment() -> None:
    segs = [pm.Segment(f"u{i}", 6.0, None) for i in range(10)]
    assert [s.url for s in pm.sample(segs)] == ["u0", "u4", "u8"]
    assert [s.url for s in pm.sample(segs[:1])] == ["u0"]
    assert [s.url for s in pm.sample(segs[:3])] == ["u0", "u1"]


def test_rate_is_peak_and_average_and_none_without_data() -> None:
    a, b = pm.Segment("a", 2.0, None), pm.Segment("b", 4.0, None)
    assert pm.rate([(a, 1000), (b, 1000)]) == pm.Rate(peak=4000, average=2666)
    assert pm.rate([(a, 0)]) is None
    assert pm.rate([]) is None


def test_synthetic_master_points_at_the_media_playlist() -> None:
    text = pm.synthetic_master("https://cdn.example/v/index.m3u8", pm.Rate(500_000, 400_000), "1280x720")
    assert text == ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=400000,RESOLUTION=1280x720\n"
                    "https://cdn.example/v/index.m3u8\n")
    assert is_master(text) and not pm.is_media(text) and pm.is_media(MEDIA)


def test_with_bandwidth_fills_only_the_missing_and_keeps_other_bytes() -> None:
    master = ('#EXTM3U\r\n#EXT-X-STREAM-INF:RESOLUTION=1280x720,CODECS="avc1.42c01f,mp4a.40.2"\r\nlow.m3u8\r\n'
              "#EXT-X-STREAM-INF:BANDWIDTH=0\r\nmid.m3u8\r\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=900000\r\nhigh.m3u8\r\n")
    found = variants(master, "https://cdn.example/v/master.m3u8")
    assert [v.url.rsplit("/", 1)[1] for v in found] == ["low.m3u8", "mid.m3u8", "high.m3u8"]
    missing = [v for v in found if pm.lacks_bandwidth(v)]
    assert [v.line for v in missing] == [1, 3]
    out = pm.with_bandwidth(master, {1: pm.Rate(300, 200), 3: pm.Rate(600, 500)})
    assert out == ('#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=300,AVERAGE-BANDWIDTH=200,RESOLUTION=1280x720,'
                   'CODECS="avc1.42c01f,mp4a.40.2"\r\nlow.m3u8\r\n'
                   "#EXT-X-STREAM-INF:BANDWIDTH=600,AVERAGE-BANDWIDTH=500\r\nmid.m3u8\r\n"
                   "#EXT-X-STREAM-INF:BANDWIDTH=900000\r\nhigh.m3u8\r\n")


def test_a_media_sequence_of_other_digits_still_gives_the_segments() -> None:
    text = MEDIA.replace("#EXT-X-TARGETDURATION:6\n", "#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:\u00b2\n")
    assert len(pm.segments(text, "https://cdn.example/v/index.m3u8")) == 3


def test_a_bandwidth_of_other_digits_is_missing() -> None:
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=\u00b2\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=9\nb.m3u8\n"
    assert [pm.lacks_bandwidth(v) for v in variants(master, "https://cdn.example/")] == [True, False]
