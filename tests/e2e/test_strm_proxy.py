"""`anibridge serve` in proxy mode against the fake world: media servers' view of the STRM proxy."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.strm.urls import AuthMode, stream_url
from anibridge_fakes.world import FakeWorld

from .conftest import ServerHandle, free_port, start_server

pytestmark = pytest.mark.slow
SECRET = "e2e-secret"


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    port = free_port()
    env = {**fake_world.env(), "STRM_PROXY_MODE": "proxy", "STRM_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "STRM_PROXY_AUTH": "token", "STRM_PROXY_SECRET": SECRET}
    handle = start_server(env, tmp_path_factory.mktemp("strm-e2e") / "data", port=port)
    yield handle
    handle.stop()


def url(server: ServerHandle, slug: str, provider: str, episode: int = 1) -> str:
    ref = EpisodeRef(Site.ANIWORLD, slug, 1, episode, Language.GERMAN_DUB)
    return stream_url(server.base_url, ref, provider, AuthMode.TOKEN, SECRET)


@pytest.mark.parametrize(("slug", "provider"), [
    ("kaguya-sama-love-is-war", "VOE"),            # MP4
    ("black-clover", "Filemoon"),                   # AES-128 HLS
    ("spy-x-family", "Filemoon"),                   # fMP4 HLS with EXT-X-MAP
])
def test_ffmpeg_plays_through_the_server(server: ServerHandle, slug: str, provider: str) -> None:
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", url(server, slug, provider), "-f", "null", "-"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + server.logs()[-3000:]


@pytest.mark.parametrize(("slug", "format_name"), [("black-clover", "mpegts"), ("spy-x-family", "mov,mp4")])
def test_jellyfin_probe_of_hls_reads_the_media_bitrate(server: ServerHandle, slug: str, format_name: str) -> None:
    """With the default STRM_HLS_AS_FILE=file the probe sees a file: `format.bit_rate` (what Jellyfin reads) is
    the media's hundreds of kbit/s, not the playlist's few bytes over the duration."""
    done = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format", url(server, slug, "Filemoon", 4)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + server.logs()[-3000:]
    found = json.loads(done.stdout)["format"]
    assert found["format_name"].startswith(format_name)
    assert 100_000 < int(found["bit_rate"]) < 2_000_000, found


def test_expired_hoster_url_is_re_resolved(server: ServerHandle, fake_world: FakeWorld) -> None:
    target = url(server, "jujutsu-kaisen", "VOE", 3)
    with httpx.Client(timeout=60) as client:
        first = client.get(target)  # resolves and caches (VOE hands out an HLS master here)
        assert first.status_code == 200, first.text
        for hoster in fake_world.hosters.values():
            hoster.app.faults.expire_after = 1
        time.sleep(1.5)  # the cached direct URL is now older than the hoster accepts
        again = client.get(target)
    assert again.status_code == 200 and again.headers["content-type"] == first.headers["content-type"]
    assert "answered 403, re-resolving" in server.logs()


def test_tampered_url_is_403(server: ServerHandle) -> None:
    with httpx.Client(timeout=30) as client:
        resp = client.get(url(server, "kaguya-sama-love-is-war", "VOE").replace("e=1", "e=2"))
    assert resp.status_code == 403 and resp.json() == {"detail": "invalid signature"}
