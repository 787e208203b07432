"""The own HLS downloader against real ffmpeg-made streams on a loopback server: TS, AES-128, fMP4, byte ranges,
cancel, resume after kill -9, and what it leaves to yt-dlp."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.hls import HlsDownloader, HlsOptions, NotOwnHls
from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.ports.errors import DownloadCancelled, DownloadFailed, MediaRejected
from anibridge.ports.streams import DirectStream, DownloadProgress
from tests.integration.jobs.media_server import MediaServer, ffprobe

SEGMENTS = ["seg0.ts", "seg1.ts", "seg2.ts", "seg3.ts"]


def _downloader(connections: int = 4) -> HlsDownloader:
    return HlsDownloader(ConnectionBudget(connections), HlsOptions(connections=connections, socket_timeout=5,
                                                                   retry_delay=0.05))


def _playable(path: Path) -> None:
    probe = ffprobe(path)
    assert sorted(s["codec_type"] for s in probe["streams"]) == ["audio", "video"]  # type: ignore[index, union-attr]
    assert float(probe["format"]["duration"]) > 3.5  # type: ignore[index]


def _never() -> bool:
    return False


@pytest.mark.parametrize("folder", ["hls", "hls-aes", "hls-fmp4", "hls-ranges"])
def test_each_kind_of_stream_becomes_one_playable_mp4(server: MediaServer, tmp_path: Path, folder: str) -> None:
    samples: list[DownloadProgress] = []
    stream = DirectStream(server.url(f"{folder}/index.m3u8"), "VOE", is_hls=True)
    path = _downloader().download(stream, tmp_path, "s", samples.append, _never)
    assert path == tmp_path / "s.mp4"
    _playable(path)
    assert [p.name for p in tmp_path.iterdir()] == ["s.mp4"]  # segments and state are gone
    assert samples[-1].downloaded_bytes == samples[-1].total_bytes == path.stat().st_size
    if folder == "hls-aes":
        assert server.state.paths.count("hls-aes/key.bin") == 1  # one key for all segments, fetched once
    if folder == "hls-ranges":
        assert len(server.state.range_requests) == 4  # one Range request per segment of the single file


def test_hoster_headers_go_with_playlist_key_and_segments(server: MediaServer, tmp_path: Path) -> None:
    server.state.required_referer = "https://voe.example/"  # anything without it gets 403
    stream = DirectStream(server.url("hls-aes/index.m3u8"), "VOE", {"Referer": "https://voe.example/"}, True)
    _playable(_downloader().download(stream, tmp_path, "h", lambda p: None, _never))


@pytest.mark.slow
def test_segments_are_fetched_in_parallel_from_the_shared_budget(server: MediaServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 100_000  # ~0.5 s a segment: several must be in flight at once
    budget = ConnectionBudget(3)
    downloader = HlsDownloader(budget, HlsOptions(connections=4, socket_timeout=5))
    stream = DirectStream(server.url("hls/index.m3u8"), "VOE", is_hls=True)
    _playable(downloader.download(stream, tmp_path, "p", lambda p: None, _never))
    assert budget.peak_in_use == 3  # more than one, never more than the total allows
    assert budget.in_use == 0


def test_a_segment_gone_means_the_url_expired(server: MediaServer, tmp_path: Path) -> None:
    server.state.forced_status["hls/seg2.ts"] = 410
    stream = DirectStream(server.url("hls/index.m3u8"), "VOE", is_hls=True)
    with pytest.raises(DownloadFailed) as info:
        _downloader(connections=1).download(stream, tmp_path, "g", lambda p: None, _never)
    assert info.value.expired and "410" in str(info.value)
    assert not (tmp_path / "g.mp4").exists() and not (tmp_path / "g.mp4.part-Mux").exists()


@pytest.mark.slow
def test_a_failing_segment_is_retried_and_one_that_keeps_failing_fails_the_download(
        server: MediaServer, tmp_path: Path) -> None:
    stream = DirectStream(server.url("hls/index.m3u8"), "VOE", is_hls=True)
    server.state.failing["hls/seg1.ts"] = 2
    _playable(_downloader().download(stream, tmp_path, "r", lambda p: None, _never))
    assert server.state.paths.count("hls/seg1.ts") == 3
    server.state.failing["hls/seg2.ts"] = 1000
    with pytest.raises(DownloadFailed, match="500") as info:
        _downloader(connections=2).download(stream, tmp_path, "f", lambda p: None, _never)
    assert not info.value.expired
    assert not (tmp_path / "f.mp4").exists()


def test_a_wrong_key_is_refused_as_broken_media(server: MediaServer, media: Path, tmp_path: Path) -> None:
    (media / "hls-aes" / "other.m3u8").write_text(
        (media / "hls-aes" / "index.m3u8").read_text().replace("key.bin", "keyinfo"))  # 16+ bytes of text
    stream = DirectStream(server.url("hls-aes/other.m3u8"), "VOE", is_hls=True)
    with pytest.raises(MediaRejected, match="key"):
        _downloader().download(stream, tmp_path, "k", lambda p: None, _never)


@pytest.mark.parametrize("text, reason", [
    ("#EXTM3U\n#EXTINF:1,\nseg0.ts\n", "live playlist"),
    ("#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:1,\nseg0.ts\n#EXT-X-ENDLIST\n", "SAMPLE-AES"),
    ('#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="de",URI="audio.m3u8"\n'
     '#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="a"\nindex.m3u8\n', "separate rendition"),
    ("<html><body>File not found</body></html>", "not an HLS playlist"),
    # Numbers and URIs the parser cannot read (a ValueError, not an UnsupportedPlaylist) are no crash either.
    ('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:²\n#EXT-X-KEY:METHOD=AES-128,URI="key.bin"\n#EXTINF:1,\nseg0.ts\n'
     "#EXT-X-ENDLIST\n", "unreadable media sequence"),
    ("#EXTM3U\n#EXTINF:1,\nhttp://[::1\n#EXT-X-ENDLIST\n", "unreadable URI"),
])
def test_what_only_ytdlp_does_is_handed_back_before_anything_is_written(
        server: MediaServer, media: Path, tmp_path: Path, text: str, reason: str) -> None:
    (media / "hls" / "odd.m3u8").write_text(text)
    stream = DirectStream(server.url("hls/odd.m3u8"), "VOE", is_hls=True)
    with pytest.raises(NotOwnHls, match=reason):
        _downloader().download(stream, tmp_path, "o", lambda p: None, _never)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyio
async def test_the_production_entry_point_takes_the_own_path(server: MediaServer, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    stream = DirectStream(server.url("hls-aes/index.m3u8"), "VOE", is_hls=True)
    path = await YtDlpDownloader(socket_timeout=5).download(stream, tmp_path, "e", lambda p: None, _never)
    _playable(path)
    assert "yt-dlp" not in caplog.text


@pytest.mark.anyio
async def test_separate_audio_renditions_are_left_to_ytdlp_which_merges_them(
        server: MediaServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    stream = DirectStream(server.url("hls-split/index.m3u8"), "VOE", is_hls=True)
    path = await YtDlpDownloader(socket_timeout=5).download(stream, tmp_path, "m", lambda p: None, _never)
    _playable(path)
    assert "separate rendition; handing the stream to yt-dlp" in caplog.text


@pytest.mark.slow
def test_cancel_keeps_finished_segments_and_the_next_attempt_does_not_fetch_them_again(
        server: MediaServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 100_000
    stream = DirectStream(server.url("hls/index.m3u8"), "VOE", is_hls=True)
    cancel = threading.Event()

    def on_progress(p: DownloadProgress) -> None:
        if len(list(tmp_path.glob("c.mp4.part-Seg?????"))) >= 2:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        _downloader(connections=1).download(stream, tmp_path, "c", on_progress, cancel.is_set)
    kept = sorted(p.name for p in tmp_path.glob("c.mp4.part-Seg?????"))
    assert len(kept) >= 2
    assert not (tmp_path / "c.mp4.part-Mux").exists() and not list(tmp_path.glob("*.tmp"))
    server.state.bytes_per_sec = 0
    before = len(server.state.paths)
    _playable(_downloader().download(stream, tmp_path, "c", lambda p: None, _never))
    again = server.state.paths[before:]
    assert {f"hls/{SEGMENTS[int(name[-5:])]}" for name in kept}.isdisjoint(again), again
    assert [p.name for p in tmp_path.iterdir()] == ["c.mp4"]


_CHILD = """
import sys
from pathlib import Path
from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.hls import HlsDownloader, HlsOptions
from anibridge.ports.streams import DirectStream
HlsDownloader(ConnectionBudget(1), HlsOptions(connections=1)).download(
    DirectStream(sys.argv[1], "VOE", is_hls=True), Path(sys.argv[2]), "k", lambda p: None, lambda: False)
"""


@pytest.mark.slow
def test_a_killed_process_resumes_without_fetching_finished_segments_again(
        server: MediaServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 60_000  # about a second a segment
    url = server.url("hls/index.m3u8")
    child = subprocess.Popen([sys.executable, "-c", _CHILD, url, str(tmp_path)], env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("k.mp4.part-Seg?????"))) < 2:
            assert child.poll() is None and time.monotonic() < deadline, "the child ended or stalled"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    kept = sorted(p.name for p in tmp_path.glob("k.mp4.part-Seg?????"))
    server.state.bytes_per_sec = 0
    before = len(server.state.paths)
    _playable(_downloader().download(DirectStream(url, "VOE", is_hls=True), tmp_path, "k", lambda p: None,
                                     _never))
    again = server.state.paths[before:]
    assert {f"hls/{SEGMENTS[int(name[-5:])]}" for name in kept}.isdisjoint(again), again
    # (a request the child sent just before it died may be logged late: a set, not a count)
    assert {p for p in again if p.endswith(".ts")} == {f"hls/{name}" for name in SEGMENTS[len(kept):]}
    assert [p.name for p in tmp_path.iterdir()] == ["k.mp4"]
