"""Passing faults are waited out (bounded, visible in the job's message) instead of failing a release for good;
repeated identical failures are logged once with a count."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.memory import InMemoryClientTaskRepo, InMemoryJobRepo, InMemoryStrmMappingRepo
from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import Job, JobMode, JobState
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.jobs.strm_files import StrmWriter
from anibridge.ports.errors import DiskFull, DownloadFailed, DownloadThrottled, SiteUnavailable
from anibridge.ports.streams import DirectStream
from tests.fakes import RunningClock as FakeClock
from tests.integration.jobs.episode import REF, TITLE
from tests.unit.jobs.fakes import FakeDownloader, FakeFinder

pytestmark = pytest.mark.anyio


def _job() -> Job:
    return Job("j1", REF, JobMode.DOWNLOAD, TITLE, provider="VOE")


async def _run(download: EpisodeDownload) -> tuple[str, list[str]]:
    notes: list[str] = []

    async def note(text: str) -> None:
        notes.append(text)

    result = await download.run(_job(), lambda p: None, lambda: False, on_wait=note)
    return result.provider, notes


async def test_a_full_disk_is_waited_out_and_the_same_hoster_resumes(tmp_path: Path) -> None:
    downloader = FakeDownloader(failures={"VOE": [DiskFull("VOE: [Errno 28] No space left on device")]})
    download = EpisodeDownload(FakeFinder(), downloader, LocalFileStore(tmp_path), transient_delays=(0.0,))
    provider, notes = await _run(download)
    assert provider == "VOE"  # not the hoster's fault: no switch, no blocklisted release
    assert notes and notes[0].startswith("waiting for free space in the download directory")


async def test_a_disk_that_stays_full_fails_the_job_saying_so(tmp_path: Path) -> None:
    downloader = FakeDownloader(failures={"VOE": [DiskFull("VOE: No space left on device")] * 3})
    download = EpisodeDownload(FakeFinder(), downloader, LocalFileStore(tmp_path), transient_delays=(0.0, 0.0))
    with pytest.raises(DownloadFailed, match="download directory full"):
        await _run(download)
    assert [p for p, _ in downloader.calls] == ["VOE", "VOE", "VOE"]


async def test_too_little_free_space_waits_before_starting(tmp_path: Path) -> None:
    free = iter([10, 10, 10**12])
    download = EpisodeDownload(FakeFinder(), FakeDownloader(), LocalFileStore(tmp_path), free_bytes=lambda: next(free),
                               min_free_bytes=2**20, transient_delays=(0.0, 0.0, 0.0))
    provider, notes = await _run(download)
    assert provider == "VOE" and len(notes) == 3
    assert notes[0].startswith("waiting for free space") and "MiB needed" in notes[0] and notes[-1] == ""


async def test_a_rate_limited_hoster_is_asked_again_after_a_pause_then_skipped(tmp_path: Path) -> None:
    throttled = DownloadThrottled("VOE: HTTP Error 429: Too Many Requests")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    once = FakeDownloader(failures={"VOE": [throttled]})
    provider, notes = await _run(EpisodeDownload(FakeFinder(), once, LocalFileStore(tmp_path / "a"),
                                                 throttle_delays=(0.0, 0.0)))
    assert provider == "VOE" and "HTTP 429" in notes[0]
    always = FakeDownloader(failures={"VOE": [throttled] * 3})
    provider, _ = await _run(EpisodeDownload(FakeFinder(), always, LocalFileStore(tmp_path / "b"),
                                             throttle_delays=(0.0, 0.0)))
    assert provider == "Filemoon"


class FlakySiteFinder(FakeFinder):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def find(self, ref: EpisodeRef, preferred: str | None = None,
                   exclude: frozenset[str] = frozenset()) -> DirectStream:
        if self.failures:
            self.failures -= 1
            raise SiteUnavailable("aniworld.to unreachable: ConnectError: [Errno -2] Name or service not known")
        return await super().find(ref, preferred, exclude)


async def test_an_unreachable_site_is_waited_out_visibly(tmp_path: Path) -> None:
    download = EpisodeDownload(FlakySiteFinder(2), FakeDownloader(), LocalFileStore(tmp_path),
                               site_retry_delays=(0.0, 0.0, 0.0))
    provider, notes = await _run(download)
    assert provider == "VOE"
    assert notes[0].startswith("aniworld.to unreachable: ") and "(attempt 1 of 3)" in notes[0] and notes[-1] == ""


async def test_a_site_that_stays_unreachable_is_named_not_the_hosters(tmp_path: Path) -> None:
    download = EpisodeDownload(FlakySiteFinder(9), FakeDownloader(), LocalFileStore(tmp_path),
                               site_retry_delays=(0.0,))
    with pytest.raises(DownloadFailed) as info:
        await _run(download)
    assert str(info.value).startswith("aniworld.to unreachable: ") and "all hosters failed" not in str(info.value)


async def test_the_wait_shows_in_the_jobs_message_while_it_lasts(tmp_path: Path) -> None:
    clock = FakeClock()
    jobs = InMemoryJobRepo(clock)
    files = LocalFileStore(tmp_path)
    finder = FakeFinder()
    free = iter([0] * 3 + [10**12] * 10)
    download = EpisodeDownload(finder, FakeDownloader(), files, free_bytes=lambda: next(free), min_free_bytes=1,
                               transient_delays=(0.2, 0.2, 0.2))
    runner = JobRunner(jobs, clock, download, StrmWriter(finder, files, InMemoryStrmMappingRepo(), clock),
                       InMemoryClientTaskRepo(), lease=timedelta(seconds=30), tick_seconds=0.01)
    await jobs.add(_job())
    claimed = await jobs.claim_next("w1", clock.now() + timedelta(seconds=30))
    assert claimed is not None
    running = asyncio.create_task(runner.run(claimed, "w1"))
    seen: set[str] = set()
    while not running.done():
        job = await jobs.get("j1")
        if job is not None and job.message:
            seen.add(job.message.split(" (")[0])
        await asyncio.sleep(0.02)
    done = await jobs.get("j1")
    assert seen == {"waiting for free space in the download directory"}
    assert done is not None and done.state is JobState.COMPLETED and not done.message


class DownRepo(InMemoryJobRepo):
    async def claim_next(self, worker: str, lease_until: object) -> Job | None:  # type: ignore[override]
        raise ConnectionError("could not connect to server: Connection refused\nIs the server running?")


async def test_a_database_outage_is_logged_once_with_a_count(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    jobs = DownRepo(clock)
    files = LocalFileStore(tmp_path)
    runner = JobRunner(jobs, clock, EpisodeDownload(FakeFinder(), FakeDownloader(), files),
                       StrmWriter(FakeFinder(), files, InMemoryStrmMappingRepo(), clock))
    scheduler = JobScheduler(jobs, clock, runner, concurrency=3, instance_id="i", lease_seconds=3,
                             poll_interval=0.001)
    with caplog.at_level(logging.INFO, logger="anibridge.domain.jobs.scheduler"):
        await scheduler.start()
        await asyncio.sleep(0.3)
        await scheduler.stop()
    failures = [r for r in caplog.records if "claiming the next download job" in r.getMessage()]
    assert len(failures) == 1, [r.getMessage() for r in failures]
    assert "Connection refused" in failures[0].getMessage() and not failures[0].exc_info
