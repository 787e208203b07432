"""Hoster playlists through every consumer of the HLS reader: odd text is a decision, never an escaped exception.

Each entry function may raise only its documented refusal (PlaylistError, UnsupportedPlaylist, NotAFile); what it
returns holds what its callers rely on (finite durations ≥ 0, IVs of 16 bytes, URLs an HTTP client can split). The inputs are
arbitrary text and real-looking playlists (the fake hosters' master, ffmpeg-style TS, AES and fMP4 media
playlists) with lines mutated into the kinds of text that broke things before: other scripts' digits, huge
numbers, inf/nan, unclosed IPv6 hosts, bad ports.
"""

from __future__ import annotations

import math
import os
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anibridge.domain.streams import download_plan, hls_playlist, playlist_length, quality
from anibridge.domain.streams.hls import rewrite_playlist
from anibridge.domain.strm import hls_layout, probe_master
from anibridge_fakes.media import _master

BASE = "https://cdn.example/v/index.m3u8?t=1"
EXAMPLES = settings(max_examples=int(os.environ.get("ANIBRIDGE_FUZZ_EXAMPLES", "150")), deadline=None,
                    derandomize=os.environ.get("ANIBRIDGE_FUZZ_RANDOM") is None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TS = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
      "#EXTINF:1.000000,\n720p_000.ts\n#EXTINF:1.000000,\n720p_001.ts\n#EXTINF:0.480000,\n720p_002.ts\n"
      "#EXT-X-ENDLIST\n")
AES = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
       '#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x000102030405060708090a0b0c0d0e0f\n'
       "#EXTINF:1.000000,\n720p_000.ts\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n#EXTINF:1.000000,\n"
       "720p_001.ts\n#EXT-X-ENDLIST\n")
FMP4 = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        '#EXT-X-MAP:URI="720p_init.mp4"\n#EXTINF:1.000000,\n#EXT-X-BYTERANGE:1000@0\n720p_000.m4s\n'
        "#EXTINF:1.000000,\n#EXT-X-BYTERANGE:800\n720p_000.m4s\n#EXT-X-ENDLIST\n")
REAL = [TS, AES, FMP4, _master("hls"), _master("hls-fmp4")]

NASTY = st.sampled_from([
    "\u00b2", "\u0661\u0660", "9" * 5000, str(2**64), str(2**128), "-1", "inf", "nan", "-inf", "1e400", "1_0", "",
    " ", "http://[::1", "//[::1", "http://a:99999/x", "http://a:x/y", "//a:-1/", "http://\u2100/", "\x00",
    "0x", "0xZZ", "10@", "@5", "1x", "x1", "\u00b2x\u00b2", "AES-128", "NONE", "SAMPLE-AES", '"', ",", "=",
])
TOKEN = st.one_of(NASTY, st.text(max_size=20))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real playlist with a few lines changed: a value after a tag's colon, an attribute, or a URI line."""
    lines = draw(st.sampled_from(REAL)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        line, token = lines[at], draw(TOKEN)
        kind = draw(st.sampled_from(["value", "attribute", "uri", "insert"]))
        if kind == "value" and ":" in line:
            lines[at] = line.split(":", 1)[0] + ":" + token
        elif kind == "attribute" and "=" in line:
            name = draw(st.sampled_from(["URI", "IV", "BANDWIDTH", "RESOLUTION", "BYTERANGE", "METHOD"]))
            lines[at] = f'{line},{name}="{token}"' if draw(st.booleans()) else f"{line},{name}={token}"
        elif kind == "uri":
            lines[at] = token
        else:
            tag = draw(st.sampled_from(["#EXTINF", "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-BYTERANGE", "#EXT-X-KEY",
                                        "#EXT-X-MAP", "#EXT-X-STREAM-INF", "#EXT-X-MEDIA"]))
            lines.insert(at, f"{tag}:{token}")
    return "\n".join(lines) + "\n"


PLAYLISTS = st.one_of(mutated(), st.text(max_size=300), st.sampled_from(REAL))


def _media_reader(text: str) -> None:
    try:
        parsed = hls_playlist.parse_media(text, BASE)
    except hls_playlist.PlaylistError:
        return
    for segment in parsed.segments + parsed.maps:
        assert math.isfinite(segment.duration) and segment.duration >= 0
        assert len(segment.iv()) == hls_playlist.AES_BLOCK
        _ = urlsplit(segment.url).port  # every URL splits, its port is a port ("" for a map without URI)
    assert math.isfinite(parsed.seconds)


def _downloader(text: str) -> None:
    try:
        download_plan.check_master(text)
        plan = download_plan.download_plan(text, BASE)
    except download_plan.UnsupportedPlaylist:
        return
    assert len(plan.fingerprint()) == 32 and math.isfinite(plan.seconds)
    for segment in plan.segments:
        assert len(segment.iv()) == hls_playlist.AES_BLOCK


def _strm_file(text: str) -> None:
    try:
        hls_layout.pick_variant(text, BASE)
    except hls_layout.NotAFile:
        pass
    try:
        parts = hls_layout.parse_media(text, BASE)
    except hls_layout.NotAFile:
        return
    for part in parts.parts:
        assert math.isfinite(part.duration) and part.duration >= 0
        assert part.key is None or len(part.key.iv) == hls_playlist.AES_BLOCK


def _strm_playlist(text: str) -> None:
    segments = probe_master.segments(text, BASE)
    assert all(math.isfinite(s.duration) and s.duration > 0 for s in segments)
    probe_master.sample(segments)
    for variant in hls_playlist.variants(text, BASE):
        probe_master.lacks_bandwidth(variant)
    rewrite_playlist(text, BASE, lambda url: "http://proxy.test/p?u=" + url)


def _probes(text: str) -> None:
    hls_playlist.best_variant(text, BASE)
    hls_playlist.has_separate_audio(text)
    quality.master_quality(text)
    seconds = playlist_length.media_playlist_seconds(text)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@EXAMPLES
@given(PLAYLISTS)
def test_every_consumer_refuses_odd_playlists_only_in_its_own_terms(text: str) -> None:
    for consumer in (_media_reader, _downloader, _strm_file, _strm_playlist, _probes):
        consumer(text)


@EXAMPLES
@given(st.one_of(st.text(max_size=40), st.builds(lambda a, b: f"bytes={a}-{b}", TOKEN, TOKEN)),
       st.integers(0, 2**70))
def test_any_range_header_is_a_span_the_whole_file_or_unsatisfiable(header: str, total: int) -> None:
    span = hls_layout.parse_range(header, total)
    assert span is None or span == "unsatisfiable" or (isinstance(span, tuple) and 0 <= span[0] <= span[1] < total)


def test_a_length_of_hundreds_of_digits_is_no_length() -> None:
    assert playlist_length.media_playlist_seconds(f"#EXTM3U\n#EXTINF:{'9' * 400},\na.ts\n") is None
