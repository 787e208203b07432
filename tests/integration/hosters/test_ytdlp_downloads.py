"""Acceptance: for every hoster, real yt-dlp downloads the resolved URL (with the DirectStream's headers) from the
fake, and ffprobe confirms a valid video stream of the expected height."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import anyio
import pytest
import yt_dlp

from anibridge.ports.streams import DirectStream
from anibridge_fakes.hosters import HosterFarm
from tests.integration.hosters.conftest import PROVIDERS, adapters

KINDS = {"VOE": "hls", "Filemoon": "hls-fmp4", "Vidmoly": "hls-aes", "Luluvdo": "hls-fmp4", "LoadX": "hls",
         "GXPlayer": "hls-aes", "Vidoza": "mp4", "Doodstream": "mp4", "Streamtape": "mp4"}


class _Quiet:
    def debug(self, msg: str) -> None: ...
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...

    def error(self, msg: str) -> None:
        raise AssertionError(msg)


def download(stream: DirectStream, dest: Path) -> Path:
    opts = {
        "quiet": True, "noprogress": True, "logger": _Quiet(), "paths": {"home": str(dest), "temp": str(dest)},
        "outtmpl": "video.%(ext)s", "http_headers": dict(stream.headers), "socket_timeout": 10, "retries": 1,
        "fragment_retries": 1, "hls_use_mpegts": True, "format": "best",
    }
    with yt_dlp.YoutubeDL(opts) as ydl:
        assert ydl.download([stream.url]) == 0
    files = [p for p in dest.iterdir() if p.name.startswith("video.") and not p.name.endswith(".part")]
    assert len(files) == 1, files
    return files[0]


def probe(path: Path) -> dict[str, object]:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
                         capture_output=True, text=True, timeout=30, check=True)
    streams = json.loads(out.stdout)["streams"]
    video = [s for s in streams if s.get("codec_type") == "video"]
    assert video, f"no video stream in {path}"
    return dict(video[0])


@pytest.mark.slow
@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_ytdlp_downloads_resolved_stream(farm: HosterFarm, provider: str, tmp_path: Path) -> None:
    async with adapters(farm, timeout=5.0) as resolvers:
        stream = await resolvers[provider].resolve(farm.embed_url(provider, "dl1", KINDS[provider]))
    path = await anyio.to_thread.run_sync(download, stream, tmp_path)
    video = probe(path)
    assert video["codec_name"] == "h264"
    assert video["height"] == 1080  # every hoster's best offer is the 1080p variant/file
    assert path.stat().st_size > 10_000
