"""Real player through the proxy: ffmpeg decodes MP4 (also seeking), HLS, AES-128 HLS and fMP4 HLS to the end."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.strm.records import StrmMapping
from anibridge.domain.strm.urls import stream_url

from .conftest import REFERER, Rig

pytestmark = pytest.mark.slow


def ref(kind: str, episode: int = 1) -> EpisodeRef:
    return EpisodeRef(Site.ANIWORLD, f"show-{kind}", 1, episode, Language.GERMAN_DUB)


def url_for(rig: Rig, r: EpisodeRef, provider: str | None = "VOE") -> str:
    o = rig.proxy.options
    return stream_url(o.public_base_url, r, provider, o.auth_mode, o.secret)


def ffmpeg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ffmpeg", "-nostdin", "-v", "error", *args, "-f", "null", "-"],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", ["mp4", "hls", "hls-aes", "hls-fmp4"])
def test_ffmpeg_plays_to_the_end(rig: Rig, kind: str) -> None:
    done = ffmpeg("-i", url_for(rig, ref(kind)))
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""
    # every CDN request carried the hoster's Referer (children get it through the signed URL)
    assert all(r.header("referer") == REFERER for r in rig.requests)


@pytest.mark.parametrize("kind", ["hls", "hls-aes", "hls-fmp4"])
def test_ffmpeg_plays_playlists_to_the_end(playlist_mode: Rig, kind: str) -> None:
    done = ffmpeg("-i", url_for(playlist_mode, ref(kind, 7)))
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""


def test_ffmpeg_seeks_into_the_middle_with_range(rig: Rig) -> None:
    rig.requests.clear()
    done = ffmpeg("-ss", "1", "-i", url_for(rig, ref("mp4", 2)))
    assert done.returncode == 0, done.stderr
    assert any(r.header("range") for r in rig.requests)


def test_range_passthrough(rig: Rig) -> None:
    data = rig.media.file("mp4", "720p.mp4").read_bytes()  # type: ignore[union-attr]
    url = url_for(rig, ref("mp4", 3))
    with httpx.Client() as client:
        part = client.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.content == data[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        assert part.headers["content-length"] == "100"
        assert part.headers["accept-ranges"] == "bytes"
        assert part.headers["content-type"] == "video/mp4"
        whole = client.get(url)
        assert whole.status_code == 200 and whole.content == data
        head = client.head(url)
        assert head.status_code == 200 and head.headers["content-length"] == str(len(data))
        bad = client.get(url, headers={"Range": f"bytes={len(data) + 10}-"})
        assert bad.status_code == 416


def test_master_playlist_is_rewritten(playlist_mode: Rig) -> None:
    rig = playlist_mode
    with httpx.Client() as client:
        resp = client.get(url_for(rig, ref("hls", 4)))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert int(resp.headers["content-length"]) == len(resp.content)
    lines = [x for x in resp.text.splitlines() if x and not x.startswith("#")]
    assert lines and all(x.startswith(rig.base_url + "/strm/proxy/") for x in lines)
    assert rig.cdn_server.base_url not in resp.text


@pytest.mark.anyio
async def test_expired_url_is_re_resolved_once(rig: Rig) -> None:
    r = ref("mp4", 5)
    stale = rig.cdn.url(rig.cdn_server.base_url, "mp4", "720p.mp4")
    issued = stale.split("/")[-3]
    old = str(int(issued) - 7_200_000)  # two hours earlier (issue times are in milliseconds)
    from anibridge_fakes.hosters.common import sign

    stale = stale.replace(f"/{issued}/", f"/{old}/").replace(sign("mp4", issued), sign("mp4", old))
    await rig.mappings.put(StrmMapping(r, "VOE", stale, datetime.now(UTC) - timedelta(hours=2), "VOE",
                                       {"Referer": REFERER}))
    rig.cdn_server.app.faults.expire_after = 3600
    rig.finder.calls.clear()
    try:
        done = ffmpeg("-i", url_for(rig, r))
    finally:
        rig.cdn_server.app.faults.expire_after = None
    assert done.returncode == 0, done.stderr
    assert len(rig.finder.calls) == 1
    assert rig.finder.calls[0][2] == frozenset()  # cached URL expired: same hoster is fine
    fresh = await rig.mappings.get(r, "VOE")
    assert fresh is not None and fresh.resolved_url != stale


def test_resolution_failure_is_502(rig: Rig) -> None:
    rig.finder.fail = True
    try:
        with httpx.Client() as client:
            resp = client.get(url_for(rig, ref("mp4", 6)))
    finally:
        rig.finder.fail = False
    assert resp.status_code == 502 and resp.json() == {"detail": "upstream resolution failed"}
