"""Media servers' probe through the proxy: ffprobe must see duration, bitrate, resolution and both codecs.

Jellyfin probes a `.strm` URL with ffprobe and transcodes when the probe shows no usable bitrate. It reads the
container's `format.bit_rate`, else each stream's `bit_rate` (and `BPS` tags); it never reads `variant_bitrate`,
the tag a master's BANDWIDTH becomes. On HLS input `format.bit_rate` is the playlist's byte size over the
duration. So by default (STRM_HLS_AS_FILE=file) every HLS kind is served as one MPEG-TS / fragmented-MP4 file,
whose `format.bit_rate` is the media's; the playlist mode is still checked for what it honestly offers: a master
whose variants carry BANDWIDTH.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
import pytest

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.strm.urls import stream_url

from .conftest import Rig

pytestmark = pytest.mark.slow

# (slug kind, expected resolution): the bare media playlists are the 720p variant.
KINDS = {
    "mp4": (1280, 720),
    "hls": (1920, 1080),
    "hls-media": (1280, 720),
    "hls-aes": (1920, 1080),
    "hls-aes-media": (1280, 720),
    "hls-fmp4": (1920, 1080),
    "hls-fmp4-media": (1280, 720),
    "nobw-hls": (1920, 1080),
    "nolength-mp4": (1280, 720),
}
HLS_KINDS = sorted(k for k in KINDS if "hls" in k)
FORMATS = {"mp4": "mov,mp4", "fmp4": "mov,mp4", "hls": "mpegts"}


def url_for(rig: Rig, kind: str, episode: int) -> str:
    o = rig.proxy.options
    ref = EpisodeRef(Site.ANIWORLD, f"show-{kind}", 2, episode, Language.GERMAN_DUB)
    return stream_url(o.public_base_url, ref, "VOE", o.auth_mode, o.secret)


def ffprobe(url: str) -> dict[str, Any]:
    done = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", url],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def media_bitrate(rig: Rig, height: int) -> int:
    """What the clip really carries: bytes of the source file over its 2 s (the HLS variants are remuxes)."""
    name = "720p.mp4" if height == 720 else "1080p.mp4"
    return rig.media.file("mp4", name).stat().st_size * 8 // 2  # type: ignore[union-attr]


def best_video(streams: list[dict[str, Any]]) -> dict[str, Any]:
    videos = [s for s in streams if s["codec_type"] == "video"]
    assert videos, streams
    return max(videos, key=lambda s: int(s.get("height", 0)))


def jellyfin_bitrate(info: dict[str, Any]) -> int:
    """The container bitrate as Jellyfin's probe normaliser takes it: `format.bit_rate`, else the streams' sum."""
    found = int(info["format"].get("bit_rate", 0) or 0)
    if found:
        return found
    return sum(int(s.get("bit_rate", 0) or 0) for s in info["streams"])


def check_media(rig: Rig, info: dict[str, Any], kind: str) -> dict[str, Any]:
    width, height = KINDS[kind]
    assert abs(float(info["format"]["duration"]) - 2.0) < 0.2, info["format"]
    video = best_video(info["streams"])
    assert (video["width"], video["height"]) == (width, height)
    assert video["codec_name"] == "h264"
    assert any(s["codec_type"] == "audio" and s["codec_name"] == "aac" for s in info["streams"])
    return video


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_probe_reports_what_jellyfin_reads(rig: Rig, kind: str) -> None:
    info = ffprobe(url_for(rig, kind, 1))
    check_media(rig, info, kind)
    family = "fmp4" if "fmp4" in kind else "hls" if "hls" in kind else "mp4"
    assert info["format"]["format_name"].startswith(FORMATS[family]), info["format"]
    real = media_bitrate(rig, KINDS[kind][1])
    # Within a factor of two of the media's true rate (MPEG-TS framing adds a little): a figure from the media.
    assert real / 2 < jellyfin_bitrate(info) < real * 2, (jellyfin_bitrate(info), real)


@pytest.mark.parametrize("kind", HLS_KINDS)
def test_playlist_mode_probe_carries_variant_bitrate(playlist_mode: Rig, kind: str) -> None:
    """The playlist mode's honest figure: BANDWIDTH as `variant_bitrate` (players use it; Jellyfin does not)."""
    info = ffprobe(url_for(playlist_mode, kind, 11))
    assert info["format"]["format_name"] == "hls"
    video = check_media(playlist_mode, info, kind)
    real = media_bitrate(playlist_mode, KINDS[kind][1])
    reported = int(video.get("tags", {}).get("variant_bitrate", 0))
    assert real / 2 < reported < real * 2, (reported, real)
    # …while the container figure Jellyfin reads is the playlist's few bytes: why `file` is the default.
    assert jellyfin_bitrate(info) < real / 2


@pytest.mark.parametrize("kind", ["hls-media", "nobw-hls"])
def test_synthetic_bandwidth_is_served_and_playback_still_works(playlist_mode: Rig, kind: str) -> None:
    url = url_for(playlist_mode, kind, 2)
    with httpx.Client() as client:
        text = client.get(url).text
    tags = [x for x in text.splitlines() if x.startswith("#EXT-X-STREAM-INF:")]
    assert tags and all("BANDWIDTH=" in t and "AVERAGE-BANDWIDTH=" in t for t in tags), text
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-ss", "1", "-i", url, "-f", "null", "-"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_mp4_keeps_length_and_ranges(rig: Rig) -> None:
    url = url_for(rig, "mp4", 3)
    size = rig.media.file("mp4", "720p.mp4").stat().st_size  # type: ignore[union-attr]
    with httpx.Client() as client:
        head = client.head(url)
        part = client.get(url, headers={"Range": "bytes=10-19"})
    assert head.headers["content-length"] == str(size)
    assert part.status_code == 206 and part.headers["content-range"] == f"bytes 10-19/{size}"


def test_mp4_without_length_is_served_with_it_and_still_seeks(rig: Rig) -> None:
    url = url_for(rig, "nolength-mp4", 4)
    size = rig.media.file("mp4", "720p.mp4").stat().st_size  # type: ignore[union-attr]
    with httpx.Client() as client:
        whole = client.get(url)
        head = client.head(url)
    assert whole.status_code == 200 and whole.headers["content-length"] == str(size) == str(len(whole.content))
    assert "content-range" not in whole.headers and whole.headers["accept-ranges"] == "bytes"
    assert head.status_code == 200 and head.headers["content-length"] == str(size)
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-ss", "1", "-i", url, "-f", "null", "-"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
