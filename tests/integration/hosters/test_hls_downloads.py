"""Acceptance: the fake hosters' HLS streams (TS, AES-128, fMP4 behind a master playlist) go through the own
segment downloader, pass the ffprobe check, and a hoster serving HTML pages as segments is refused at the first
segment while the job moves on to the next hoster."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.hls import HlsDownloader, HlsOptions
from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.hosters.base import HosterAdapter
from anibridge.adapters.media_check import FfprobeMediaVerifier
from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import Job, JobMode
from anibridge.ports.errors import HosterUnavailable, MediaRejected
from anibridge.ports.streams import DirectStream
from anibridge_fakes.hosters import HosterFarm
from tests.integration.hosters.conftest import adapters
from tests.integration.jobs.media_server import ffprobe

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.mark.parametrize("provider, kind", [("VOE", "hls"), ("Vidmoly", "hls-aes"), ("Filemoon", "hls-fmp4")])
async def test_hoster_hls_is_downloaded_by_the_own_path_and_verified(
        farm: HosterFarm, tmp_path: Path, caplog: pytest.LogCaptureFixture, provider: str, kind: str) -> None:
    caplog.set_level("INFO")
    async with adapters(farm, timeout=5.0) as resolvers:
        stream = await resolvers[provider].resolve(farm.embed_url(provider, "own1", kind))
    path = await YtDlpDownloader(socket_timeout=5).download(stream, tmp_path, ".job.x", lambda p: None,
                                                            lambda: False)
    async with httpx.AsyncClient() as client:
        await FfprobeMediaVerifier(client).verify(path, stream)
    assert path.suffix == ".mp4"
    heights = [s.get("height") for s in ffprobe(path)["streams"] if s["codec_type"] == "video"]  # type: ignore[union-attr, index]
    assert heights == [1080]  # the master's best variant, as yt-dlp picks it
    assert "yt-dlp" not in caplog.text  # not handed back


async def test_html_segments_are_refused_at_the_first_segment(farm: HosterFarm, tmp_path: Path) -> None:
    farm.apps["VOE"].faults.broken_media = "html-segments"
    async with adapters(farm, timeout=5.0) as resolvers:
        stream = await resolvers["VOE"].resolve(farm.embed_url("VOE", "own2", "hls"))
    downloader = HlsDownloader(ConnectionBudget(1), HlsOptions(connections=1, socket_timeout=5))
    with pytest.raises(MediaRejected, match="text/HTML page") as info:
        downloader.download(stream, tmp_path, "h", lambda p: None, lambda: False)
    assert str(info.value).startswith("VOE:")
    assert not list(tmp_path.glob("h.mp4.part-Seg*")) and not (tmp_path / "h.mp4").exists()


class _FarmFinder:
    """Hosters in order, each resolved by its real adapter against the fake farm."""

    def __init__(self, farm: HosterFarm, resolvers: dict[str, HosterAdapter], order: list[tuple[str, str]]) -> None:
        self._farm, self._resolvers, self._order = farm, resolvers, order

    async def find(self, ref: EpisodeRef, preferred: str | None = None,
                   exclude: frozenset[str] = frozenset()) -> DirectStream:
        for provider, kind in self._order:
            if provider not in exclude:
                return await self._resolvers[provider].resolve(self._farm.embed_url(provider, "own3", kind))
        raise HosterUnavailable("no hoster left")


async def test_a_hoster_sending_html_segments_is_dropped_and_the_next_one_delivers(farm: HosterFarm,
                                                                                   tmp_path: Path) -> None:
    farm.apps["VOE"].faults.broken_media = "html-segments"
    ref = EpisodeRef(Site.ANIWORLD, "kaguya-sama", 1, 3, Language.GERMAN_SUB)
    title = "Kaguya-sama.S01E03.1080p.WEB.H264.GER.SUB-ANIWORLD"
    async with adapters(farm, timeout=5.0) as resolvers, httpx.AsyncClient() as client:
        finder = _FarmFinder(farm, resolvers, [("VOE", "hls"), ("Filemoon", "hls-fmp4")])
        download = EpisodeDownload(finder, YtDlpDownloader(socket_timeout=5), LocalFileStore(tmp_path),
                                   verifier=FfprobeMediaVerifier(client))
        result = await download.run(Job("j1", ref, JobMode.DOWNLOAD, title, provider="VOE"), lambda p: None,
                                    lambda: False)
    assert result.provider == "Filemoon"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{title}.mp4"]  # VOE's segments were discarded
