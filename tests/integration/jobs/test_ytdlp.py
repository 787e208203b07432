"""YtDlpDownloader against real media on a loopback server (ffmpeg-generated)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.ports.errors import DownloadCancelled, DownloadFailed
from anibridge.ports.streams import DirectStream, DownloadProgress
from tests.integration.jobs.media_server import MediaServer, ffprobe

pytestmark = pytest.mark.anyio


async def test_direct_mp4_download_is_whole_and_reports_progress(server: MediaServer, media: Path, tmp_path: Path) -> None:
    samples: list[DownloadProgress] = []
    path = await YtDlpDownloader().download(
        DirectStream(server.url("clip.mp4"), "VOE"), tmp_path, ".job1.VOE", samples.append, lambda: False
    )
    assert path == tmp_path / ".job1.VOE.mp4"
    assert path.read_bytes() == (media / "clip.mp4").read_bytes()
    assert samples and samples[-1].downloaded_bytes == path.stat().st_size
    assert samples[-1].total_bytes == path.stat().st_size
    assert not list(tmp_path.glob("*.part"))


async def test_headers_are_sent_and_403_means_expired(server: MediaServer, tmp_path: Path) -> None:
    server.state.required_referer = "https://voe.example/"
    with pytest.raises(DownloadFailed) as info:
        await YtDlpDownloader().download(DirectStream(server.url("clip.mp4"), "VOE"), tmp_path, "x",
                                         lambda p: None, lambda: False)
    assert info.value.expired and "403" in str(info.value)
    stream = DirectStream(server.url("clip.mp4"), "VOE", headers={"Referer": "https://voe.example/"})
    path = await YtDlpDownloader().download(stream, tmp_path, "x", lambda p: None, lambda: False)
    assert path.stat().st_size > 0


@pytest.mark.parametrize("status, expired", [(410, True), (404, True), (500, False)])
async def test_status_classification(server: MediaServer, tmp_path: Path, status: int, expired: bool) -> None:
    server.state.forced_status["clip.mp4"] = status
    with pytest.raises(DownloadFailed) as info:
        await YtDlpDownloader(socket_timeout=5).download(
            DirectStream(server.url("clip.mp4"), "Vidoza"), tmp_path, "x", lambda p: None, lambda: False)
    assert info.value.expired is expired
    assert "Vidoza" in str(info.value)


async def test_hls_download_is_remuxed_and_playable(server: MediaServer, tmp_path: Path) -> None:
    samples: list[DownloadProgress] = []
    path = await YtDlpDownloader().download(
        DirectStream(server.url("hls/index.m3u8"), "Filemoon", is_hls=True), tmp_path, "hls", samples.append,
        lambda: False)
    probe = ffprobe(path)
    kinds = sorted(s["codec_type"] for s in probe["streams"])  # type: ignore[index, union-attr]
    assert kinds == ["audio", "video"]
    assert float(probe["format"]["duration"]) > 3.5  # type: ignore[index]
    assert samples and samples[-1].downloaded_bytes > 0


@pytest.mark.slow
async def test_cancel_mid_download_raises_and_keeps_partial_then_resume_completes(
    server: MediaServer, media: Path, tmp_path: Path
) -> None:
    size = (media / "clip.mp4").stat().st_size
    server.state.bytes_per_sec = size // 2  # about two seconds for the whole file
    cancel = threading.Event()
    seen: list[DownloadProgress] = []

    def on_progress(p: DownloadProgress) -> None:
        seen.append(p)
        if p.downloaded_bytes > size // 4:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        await YtDlpDownloader().download(DirectStream(server.url("clip.mp4"), "VOE"), tmp_path, "r",
                                         on_progress, cancel.is_set)
    # Progressive files are fetched as Range parts into a preallocated .part; the sidecar says what is on disk.
    partial = tmp_path / "r.mp4.part"
    assert partial.is_file() and partial.stat().st_size == size
    assert (tmp_path / "r.mp4.part.ranges").is_file()
    kept = seen[-1].downloaded_bytes
    assert 0 < kept < size
    server.state.bytes_per_sec = 0
    before = len(server.state.range_requests)
    path = await YtDlpDownloader().download(DirectStream(server.url("clip.mp4"), "VOE"), tmp_path, "r",
                                            lambda p: None, lambda: False)
    assert path.read_bytes() == (media / "clip.mp4").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.mp4"]
    # Resumed, not refetched whole: after the small probe, every request starts past the kept bytes.
    probe, *rest = server.state.range_requests[before:]
    assert probe == "bytes=0-65535" and rest
    assert all(int(r[6:].split("-")[0]) > 0 for r in rest), rest


@pytest.mark.slow
async def test_rate_limit_is_roughly_honoured(server: MediaServer, media: Path, tmp_path: Path) -> None:
    size = (media / "clip.mp4").stat().st_size
    limit = max(size // 2, 50_000)
    started = time.monotonic()
    await YtDlpDownloader().download(DirectStream(server.url("clip.mp4"), "VOE"), tmp_path, "rl",
                                     lambda p: None, lambda: False, rate_limit=limit)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.6 * size / limit  # unlimited on loopback takes a few milliseconds


@pytest.mark.slow
async def test_hls_cancel_then_resume_gives_a_playable_file(server: MediaServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 150_000
    cancel = threading.Event()

    def on_progress(p: DownloadProgress) -> None:
        if p.downloaded_bytes > 0:
            cancel.set()

    stream = DirectStream(server.url("hls/index.m3u8"), "VOE", is_hls=True)
    with pytest.raises(DownloadCancelled):
        await YtDlpDownloader().download(stream, tmp_path, "h", on_progress, cancel.is_set)
    assert any(p.name.startswith("h.") for p in tmp_path.iterdir())  # fragments / state kept for the resume
    server.state.bytes_per_sec = 0
    path = await YtDlpDownloader().download(stream, tmp_path, "h", lambda p: None, lambda: False)
    probe = ffprobe(path)
    assert float(probe["format"]["duration"]) > 3.5  # type: ignore[index]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.slow
async def test_aes128_hls_downloads_natively_with_progress_and_cancel(server: MediaServer, tmp_path: Path) -> None:
    """Encrypted HLS must not be handed to ffmpeg blind: Sonarr needs progress, a delete must stop it."""
    server.state.bytes_per_sec = 150_000
    cancel = threading.Event()
    seen: list[DownloadProgress] = []

    def on_progress(p: DownloadProgress) -> None:
        seen.append(p)
        if p.downloaded_bytes > 0:
            cancel.set()

    stream = DirectStream(server.url("hls-aes/index.m3u8"), "VOE", is_hls=True)
    with pytest.raises(DownloadCancelled):
        await YtDlpDownloader().download(stream, tmp_path, "a", on_progress, cancel.is_set)
    assert seen and seen[0].downloaded_bytes > 0
    server.state.bytes_per_sec = 0
    path = await YtDlpDownloader().download(stream, tmp_path, "a", seen.append, lambda: False)
    probe = ffprobe(path)
    assert sorted(s["codec_type"] for s in probe["streams"]) == ["audio", "video"]  # type: ignore[index, union-attr]
    assert float(probe["format"]["duration"]) > 3.5  # type: ignore[index]


async def test_a_playlist_behind_a_plain_url_goes_to_the_hls_path(server: MediaServer, media: Path,
                                                                  tmp_path: Path) -> None:
    """The Range downloader sees `#EXTM3U`, hands the URL back, and the HLS path fetches and remuxes it."""
    alias = media / "hls" / "playlist"
    if not alias.exists():
        alias.symlink_to("index.m3u8")
    path = await YtDlpDownloader().download(DirectStream(server.url("hls/playlist"), "VOE"), tmp_path, "p",
                                            lambda p: None, lambda: False)
    assert float(ffprobe(path)["format"]["duration"]) > 3.5  # type: ignore[index]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert "bytes=0-65535" in server.state.range_requests  # the probe did look first


async def test_progressive_download_keeps_the_hoster_headers_on_every_part(server: MediaServer, media: Path,
                                                                           tmp_path: Path) -> None:
    server.state.required_referer = "https://voe.example/"  # any request without it gets 403
    stream = DirectStream(server.url("clip.mp4"), "VOE", headers={"Referer": "https://voe.example/"})
    path = await YtDlpDownloader(connections_per_download=4).download(stream, tmp_path, "h", lambda p: None,
                                                                      lambda: False)
    assert path.read_bytes() == (media / "clip.mp4").read_bytes()
