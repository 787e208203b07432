"""Acceptance: media a hoster hands out with 200 but broken is refused, intact media passes.

Real yt-dlp downloads from the fake hosters' CDN with `faults.broken_media` switched on; the download adapter
refuses a text body at its first bytes, and the ffprobe verifier refuses whatever is left (a cut-off MP4 whose
header still declares the full length). Before these checks all three ended as "complete" files.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from anibridge.adapters.media_check import FfprobeMediaVerifier
from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.ports.errors import MediaRejected
from anibridge.ports.streams import DirectStream
from anibridge_fakes.hosters import HosterFarm
from tests.integration.hosters.conftest import adapters

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _fetch_and_verify(farm: HosterFarm, provider: str, kind: str, dest: Path) -> Path:
    async with adapters(farm, timeout=5.0) as resolvers:
        stream: DirectStream = await resolvers[provider].resolve(farm.embed_url(provider, "bm1", kind))
    async with httpx.AsyncClient() as client:
        path = await YtDlpDownloader(socket_timeout=5).download(stream, dest, ".job.x", lambda p: None,
                                                                lambda: False)
        await FfprobeMediaVerifier(client).verify(path, stream)
    return path


@pytest.mark.parametrize("provider, kind", [("VOE", "hls"), ("Vidoza", "mp4")])
async def test_intact_media_passes(farm: HosterFarm, tmp_path: Path, provider: str, kind: str) -> None:
    path = await _fetch_and_verify(farm, provider, kind, tmp_path)
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("provider, kind, mode, reason", [
    ("VOE", "hls", "html-segments", "text/HTML page"),
    ("Vidoza", "mp4", "html-as-video", "text/HTML page"),
    ("Vidoza", "mp4", "truncated", "cut short"),
])
async def test_broken_media_is_rejected(farm: HosterFarm, tmp_path: Path, provider: str, kind: str, mode: str,
                                        reason: str) -> None:
    farm.apps[provider].faults.broken_media = mode
    with pytest.raises(MediaRejected) as info:
        await _fetch_and_verify(farm, provider, kind, tmp_path)
    assert reason in str(info.value) and str(info.value).startswith(f"{provider}:"), info.value
