"""RangedDownloader against a loopback server: parallel parts, fallbacks, a broken part, cancel, kill -9 + resume."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.ranged import NotProgressive, RangedDownloader, RangedOptions
from anibridge.ports.errors import DownloadCancelled, DownloadFailed
from anibridge.ports.streams import DirectStream, DownloadProgress
from tests.integration.jobs.ranged_server import RangedServer

KiB = 1024
SIZE = 3 * 1024 * KiB + 12_345  # not a multiple of any part or chunk size
OPTIONS = RangedOptions(connections=4, max_part=512 * KiB, min_split=128 * KiB, chunk=16 * KiB,
                        socket_timeout=5, retry_delay=0.05, progress_interval=0.02, save_interval=0.05)
HEADERS = {"Referer": "https://voe.example/"}


@pytest.fixture
def server() -> Iterator[RangedServer]:
    with RangedServer(SIZE) as srv:
        yield srv


def _downloader(connections: int = 4, total: int = 12) -> RangedDownloader:
    return RangedDownloader(ConnectionBudget(total), RangedOptions(**{**_fields(OPTIONS), "connections": connections}))


def _fields(options: RangedOptions) -> dict[str, object]:
    return {name: getattr(options, name) for name in options.__slots__}  # type: ignore[attr-defined]


def _start(r: str | None) -> int:
    assert r is not None
    return int(r[6:].split("-")[0])


def test_ranges_are_fetched_in_parallel_into_one_identical_file(server: RangedServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 2 * 1024 * KiB  # slow enough that the parts overlap in time
    samples: list[DownloadProgress] = []
    path = _downloader().download(DirectStream(server.url(), "VOE", HEADERS), tmp_path, "ep", samples.append,
                                  lambda: False)
    assert path == tmp_path / "ep.mp4"
    assert path.read_bytes() == server.state.blob
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep.mp4"]  # no .part, no sidecar left
    assert server.state.peak_active >= 3
    ranges = [r.range for r in server.state.requests]
    assert ranges[0] == "bytes=0-16383" and len(ranges) >= 5  # the probe, then the parts
    assert all(r.referer == HEADERS["Referer"] for r in server.state.requests)
    done = [s.downloaded_bytes for s in samples]
    assert done == sorted(done) and samples[-1].downloaded_bytes == samples[-1].total_bytes == SIZE


def test_server_without_ranges_gets_one_connection(server: RangedServer, tmp_path: Path) -> None:
    server.state.ranges = False
    samples: list[DownloadProgress] = []
    path = _downloader().download(DirectStream(server.url(), "VOE", HEADERS), tmp_path, "ep", samples.append,
                                  lambda: False)
    assert path.read_bytes() == server.state.blob
    assert len(server.state.requests) == 1  # the probe's 200 body is the download
    assert samples[-1].downloaded_bytes == SIZE


def test_server_without_a_length_gets_one_connection(server: RangedServer, tmp_path: Path) -> None:
    server.state.send_length = False
    path = _downloader().download(DirectStream(server.url(), "VOE"), tmp_path, "ep", lambda p: None,
                                  lambda: False)
    assert path.read_bytes() == server.state.blob
    assert [r.range for r in server.state.requests] == ["bytes=0-16383", "bytes=16384-"]


def test_a_part_broken_midway_is_resumed_from_where_it_stopped(server: RangedServer, tmp_path: Path) -> None:
    server.state.cut_after = 100 * KiB
    path = _downloader().download(DirectStream(server.url(), "VOE"), tmp_path, "ep", lambda p: None,
                                  lambda: False)
    assert path.read_bytes() == server.state.blob
    cut = next(r for r in server.state.requests if r.range and _start(r.range) > 0 and r.sent < 200 * KiB
               and r.sent >= 100 * KiB)
    retried = [r for r in server.state.requests if r.range and _start(r.range) > _start(cut.range)
               and _start(r.range) <= _start(cut.range) + cut.sent]
    assert retried, [r.range for r in server.state.requests]  # picked up inside the broken part, not at its start


def test_cancel_stops_promptly_and_keeps_the_partial_with_its_state(server: RangedServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 256 * KiB
    cancel = threading.Event()

    def on_progress(p: DownloadProgress) -> None:
        if p.downloaded_bytes > 256 * KiB:
            cancel.set()

    started = time.monotonic()
    with pytest.raises(DownloadCancelled):
        _downloader().download(DirectStream(server.url(), "VOE"), tmp_path, "ep", on_progress, cancel.is_set)
    assert time.monotonic() - started < 5  # the whole file would take ~3 s per connection at this rate
    state = json.loads((tmp_path / "ep.mp4.part.ranges").read_text())
    assert 0 < sum(done for _, _, done in state["parts"]) < SIZE
    assert (tmp_path / "ep.mp4.part").stat().st_size == SIZE  # preallocated


def test_extra_connections_refused_by_the_hoster_retire_and_the_rest_finish(
    server: RangedServer, tmp_path: Path
) -> None:
    server.state.bytes_per_sec = 2 * 1024 * KiB
    server.state.max_connections = 2
    path = _downloader().download(DirectStream(server.url(), "VOE"), tmp_path, "ep", lambda p: None,
                                  lambda: False)
    assert path.read_bytes() == server.state.blob
    assert any(r.status == 403 for r in server.state.requests)  # the limit was hit, and survived


@pytest.mark.parametrize("status, expired", [(403, True), (410, True), (500, False)])
def test_error_status_fails_with_expiry_classification(
    server: RangedServer, tmp_path: Path, status: int, expired: bool
) -> None:
    server.state.status = status
    with pytest.raises(DownloadFailed) as info:
        _downloader().download(DirectStream(server.url(), "VOE"), tmp_path, "ep", lambda p: None, lambda: False)
    assert info.value.expired is expired and str(status) in str(info.value)


def test_a_playlist_is_not_progressive(server: RangedServer, tmp_path: Path) -> None:
    server.state.blob = b"#EXTM3U\n#EXT-X-VERSION:3\n"
    server.state.content_type = "application/octet-stream"
    with pytest.raises(NotProgressive):
        _downloader().download(DirectStream(server.url("x"), "VOE"), tmp_path, "ep", lambda p: None,
                               lambda: False)
    assert list(tmp_path.iterdir()) == []


def test_budget_caps_connections_across_downloads(server: RangedServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 2 * 1024 * KiB
    downloader = _downloader(connections=4, total=3)
    stream = DirectStream(server.url(), "VOE")
    paths: list[Path] = []
    threads = [threading.Thread(target=lambda s=s: paths.append(downloader.download(
        stream, tmp_path, s, lambda p: None, lambda: False))) for s in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in paths) == ["a.mp4", "b.mp4"]
    assert all(p.read_bytes() == server.state.blob for p in paths)
    assert downloader_budget_peak(downloader) == 3  # both downloads ran, sharing three connections
    # The server counts a request until its handler returns, a moment after the client moved on: one of slack.
    assert server.state.peak_active <= 4


def downloader_budget_peak(downloader: RangedDownloader) -> int:
    return downloader._budget.peak_in_use  # noqa: SLF001 - the budget is what this test is about


_CHILD = """
import sys
from pathlib import Path
from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.ranged import RangedDownloader, RangedOptions
from anibridge.ports.streams import DirectStream
options = RangedOptions(connections=4, max_part=512 * 1024, min_split=128 * 1024, chunk=16 * 1024,
                        save_interval=0.05)
RangedDownloader(ConnectionBudget(4), options).download(
    DirectStream(sys.argv[1], "VOE"), Path(sys.argv[2]), "ep", lambda p: None, lambda: False)
"""


@pytest.mark.slow
def test_kill_9_then_resume_fetches_only_what_the_sidecar_lacks(server: RangedServer, tmp_path: Path) -> None:
    server.state.bytes_per_sec = 512 * KiB
    child = subprocess.Popen([sys.executable, "-c", _CHILD, server.url(), str(tmp_path)])
    sidecar = tmp_path / "ep.mp4.part.ranges"
    saved = 0
    deadline = time.monotonic() + 20
    try:
        while saved < SIZE // 3 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
            try:
                saved = sum(done for _, _, done in json.loads(sidecar.read_text())["parts"])
            except (OSError, ValueError):
                saved = 0
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert SIZE // 3 <= saved < SIZE, "the child should have been killed midway"
    saved = sum(done for _, _, done in json.loads(sidecar.read_text())["parts"])  # the state as the kill left it
    server.state.bytes_per_sec = 0
    before = len(server.state.requests)
    # One connection for the resume: no part is split, so the bytes asked for are exactly the missing ones.
    path = _downloader(connections=1).download(DirectStream(server.url(), "VOE"), tmp_path, "ep", lambda p: None,
                                  lambda: False)
    assert path.read_bytes() == server.state.blob
    resumed = server.state.requests[before:]
    requested = sum(r.sent for r in resumed[1:])  # after the probe
    assert requested == SIZE - saved
