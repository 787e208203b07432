"""HLS served as one file (STRM_HLS_AS_FILE=file): exact bytes, exact lengths, Range answers and seeking.

The expected file is built here from the fake CDN's own files: the chosen variant's segments back to back
(after the fMP4 init section), AES-128 segments decrypted with the fake's key — so a proxy that drops, repeats
or mis-decrypts a single byte, or states a wrong length, fails.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from Cryptodome.Cipher import AES
from Cryptodome.Util.Padding import unpad

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.strm.records import StrmMapping
from anibridge.domain.strm.urls import stream_url
from anibridge_fakes.hosters.common import sign
from anibridge_fakes.media import AES_IV, AES_KEY

from .conftest import REFERER, Rig

pytestmark = pytest.mark.slow

KINDS = ["hls", "hls-media", "hls-aes", "hls-aes-media", "hls-fmp4", "hls-fmp4-media"]


def ref(kind: str, episode: int) -> EpisodeRef:
    return EpisodeRef(Site.ANIWORLD, f"show-{kind}", 3, episode, Language.GERMAN_DUB)


def url_for(rig: Rig, kind: str, episode: int) -> str:
    o = rig.proxy.options
    return stream_url(o.public_base_url, ref(kind, episode), "VOE", o.auth_mode, o.secret)


def expected_file(rig: Rig, kind: str) -> bytes:
    """The variant the proxy serves (the master's best, 1080p; a bare media playlist is the 720p one) as a file."""
    base = kind.removesuffix("-media")
    variant = "720p" if kind.endswith("-media") else "1080p"
    folder: Path = rig.media.file(base, f"{variant}.m3u8").parent  # type: ignore[union-attr]
    out = b""
    for line in (folder / f"{variant}.m3u8").read_text().splitlines():
        if line.startswith("#EXT-X-MAP:"):
            out += (folder / line.split('URI="', 1)[1].split('"', 1)[0]).read_bytes()
        elif line and not line.startswith("#"):
            data = (folder / line).read_bytes()
            if base == "hls-aes":
                data = unpad(AES.new(AES_KEY, AES.MODE_CBC, iv=bytes.fromhex(AES_IV[2:])).decrypt(data), 16)
            out += data
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_whole_file_head_and_ranges_are_exact(rig: Rig, kind: str) -> None:
    data = expected_file(rig, kind)
    size = len(data)
    url = url_for(rig, kind, 1)
    content_type = "video/mp4" if "fmp4" in kind else "video/mp2t"
    with httpx.Client(timeout=30) as client:
        head = client.head(url)
        assert head.status_code == 200
        assert head.headers["content-length"] == str(size) and head.headers["accept-ranges"] == "bytes"
        assert head.headers["content-type"] == content_type
        whole = client.get(url)
        assert whole.status_code == 200 and whole.headers["content-length"] == str(size)
        assert whole.content == data
        # Spans that start and end inside AES blocks, cross a segment border, and the tail ffprobe reads.
        middle = size // 2
        for first, last in [(0, 0), (5, 20), (middle - 7, middle + 4000), (17, size - 3), (size - 1, size - 1)]:
            part = client.get(url, headers={"Range": f"bytes={first}-{last}"})
            assert part.status_code == 206, (first, last)
            assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
            assert part.headers["content-length"] == str(last - first + 1)
            assert part.content == data[first : last + 1], (first, last)
        tail = client.get(url, headers={"Range": "bytes=-1000"})
        assert tail.status_code == 206 and tail.content == data[-1000:]
        open_ended = client.get(url, headers={"Range": f"bytes={middle}-"})
        assert open_ended.status_code == 206 and open_ended.content == data[middle:]
        malformed = client.get(url, headers={"Range": "bytes=abc"})
        assert malformed.status_code == 200 and malformed.content == data
        beyond = client.get(url, headers={"Range": f"bytes={size}-"})
        assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize("kind", ["hls", "hls-aes", "hls-fmp4"])
def test_ffmpeg_seeks_into_the_middle(rig: Rig, kind: str) -> None:
    rig.requests.clear()
    url = url_for(rig, kind, 2)
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-ss", "1", "-i", url, "-f", "null", "-"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    # The CDN saw ranged segment requests, all with the hoster's Referer.
    assert any(r.header("range") for r in rig.requests)
    assert all(r.header("referer") == REFERER for r in rig.requests)


def test_layout_is_discovered_once_per_stream(rig: Rig) -> None:
    url = url_for(rig, "hls-aes", 3)
    with httpx.Client(timeout=30) as client:
        client.head(url)
        rig.requests.clear()
        client.get(url, headers={"Range": "bytes=0-99"})
    # A second request costs the top playlist (the freshness check) and the one segment the range needs.
    paths = [r.path.rsplit("/", 1)[1] for r in rig.requests]
    assert paths == ["master.m3u8", "1080p_000.ts"], paths


@pytest.mark.anyio
async def test_expired_hls_url_is_re_resolved_and_served_as_a_file(rig: Rig) -> None:
    r = ref("hls-aes", 4)
    stale = rig.cdn.url(rig.cdn_server.base_url, "hls-aes", None)
    issued = stale.split("/")[-3]
    old = str(int(issued) - 7_200_000)
    stale = stale.replace(f"/{issued}/", f"/{old}/").replace(sign("hls-aes", issued), sign("hls-aes", old))
    await rig.mappings.put(StrmMapping(r, "VOE", stale, datetime.now(UTC) - timedelta(hours=2), "VOE",
                                       {"Referer": REFERER}))
    rig.cdn_server.app.faults.expire_after = 3600
    rig.finder.calls.clear()
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            resp = await client.get(url_for(rig, "hls-aes", 4), headers={"Range": "bytes=100-199"})
    finally:
        rig.cdn_server.app.faults.expire_after = None
    assert resp.status_code == 206 and resp.content == expected_file(rig, "hls-aes")[100:200]
    assert len(rig.finder.calls) == 1
