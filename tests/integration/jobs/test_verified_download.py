"""A broken file is never "complete", and a job makes exactly one final file whatever fails after the rename."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.memory import InMemoryClientTaskRepo, InMemoryJobRepo, InMemoryStrmMappingRepo
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import Job, JobMode, JobState
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.strm_files import StrmWriter
from anibridge.domain.qbittorrent.files import remove_files
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.ports.errors import DownloadFailed, MediaRejected
from anibridge.ports.streams import DirectStream, DownloadProgress
from tests.fakes import RunningClock as FakeClock
from tests.integration.jobs.episode import REF, TITLE
from tests.unit.jobs.fakes import FakeDownloader, FakeFinder

pytestmark = pytest.mark.anyio


@dataclass
class FakeVerifier:
    """Refuses the files of the hosters in `broken` like the ffprobe verifier would."""

    broken: set[str] = field(default_factory=set)
    seen: list[tuple[str, bool]] = field(default_factory=list)

    async def verify(self, path: Path, stream: DirectStream, *, needs_audio: bool = True) -> None:
        self.seen.append((stream.provider, path.is_file()))
        if stream.provider in self.broken:
            raise MediaRejected(f"{stream.provider}: the hoster sent a text/HTML page instead of video ('File not found')")


def _names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


async def test_a_broken_file_is_discarded_and_the_next_hoster_delivers(tmp_path: Path) -> None:
    verifier = FakeVerifier(broken={"VOE"})
    download = EpisodeDownload(FakeFinder(), FakeDownloader(), LocalFileStore(tmp_path), verifier=verifier)
    result = await download.run(Job("j1", REF, JobMode.DOWNLOAD, TITLE, provider="VOE"), lambda p: None,
                                lambda: False)
    assert result.provider == "Filemoon" and result.path.name == f"{TITLE}.mp4"
    assert verifier.seen == [("VOE", True), ("Filemoon", True)]  # checked before the rename, file in place
    assert _names(tmp_path) == [f"{TITLE}.mp4"]  # VOE's broken file is gone


async def test_when_every_hoster_sends_a_broken_file_the_job_fails_naming_why(tmp_path: Path) -> None:
    verifier = FakeVerifier(broken={"VOE", "Filemoon", "Vidoza"})
    download = EpisodeDownload(FakeFinder(), FakeDownloader(), LocalFileStore(tmp_path), verifier=verifier)
    with pytest.raises(DownloadFailed) as info:
        await download.run(Job("j1", REF, JobMode.DOWNLOAD, TITLE), lambda p: None, lambda: False)
    message = str(info.value)
    assert all(f"{p}: the hoster sent a text/HTML page" in message for p in ("VOE", "Filemoon", "Vidoza")), message
    assert _names(tmp_path) == []


class RefusingJobRepo(InMemoryJobRepo):
    """A database that goes away exactly for the "mark completed" write."""

    refuse = True

    async def transition(self, job_id: str, expected: frozenset[JobState], new_state: JobState, *,
                         message: str | None = None, result_path: str | None = None,
                         provider_used: str | None = None) -> Job | None:
        if self.refuse and new_state is JobState.COMPLETED:
            raise ConnectionError("could not connect to server: Connection refused")
        return await super().transition(job_id, expected, new_state, message=message, result_path=result_path,
                                        provider_used=provider_used)


async def test_a_refused_completion_write_leaves_one_file_which_the_next_attempt_adopts(tmp_path: Path) -> None:
    clock = FakeClock()
    jobs = RefusingJobRepo(clock)
    files = LocalFileStore(tmp_path)
    downloader = FakeDownloader()
    finder = FakeFinder()
    runner = JobRunner(jobs, clock, EpisodeDownload(finder, downloader, files),
                       StrmWriter(finder, files, InMemoryStrmMappingRepo(), clock), InMemoryClientTaskRepo(),
                       lease=timedelta(seconds=3), tick_seconds=0.01, record_retry_delays=(0.0, 0.0))
    await jobs.add(Job("j1", REF, JobMode.DOWNLOAD, TITLE))
    claimed = await jobs.claim_next("w1", clock.now() + timedelta(seconds=3))
    assert claimed is not None
    await runner.run(claimed, "w1")
    stuck = await jobs.get("j1")
    assert stuck is not None and stuck.state is JobState.DOWNLOADING  # not failed: nothing was wrong with it
    assert _names(tmp_path) == [f"{TITLE}.mp4"]

    # The process restarts (or the lease expires): the job is claimed again with the database back.
    jobs.refuse = False
    assert await jobs.requeue_worker("w1") == 1
    again = await jobs.claim_next("w2", clock.now() + timedelta(seconds=3))
    assert again is not None
    await runner.run(again, "w2")
    done = await jobs.get("j1")
    assert done is not None and done.state is JobState.COMPLETED, done
    assert done.result_path == str(tmp_path / f"{TITLE}.mp4")
    assert len(downloader.calls) == 1  # adopted, not downloaded a second time
    assert _names(tmp_path) == [f"{TITLE}.mp4"]  # no `.2.mp4`


async def test_the_same_episode_asked_again_is_not_fetched_again(tmp_path: Path) -> None:
    files = LocalFileStore(tmp_path)
    downloader = FakeDownloader()
    download = EpisodeDownload(FakeFinder(), downloader, files)
    first = await download.run(Job("j1", REF, JobMode.DOWNLOAD, TITLE), lambda p: None, lambda: False)
    second = await download.run(Job("j2", REF, JobMode.DOWNLOAD, TITLE), lambda p: None, lambda: False)
    assert second.path == first.path and len(downloader.calls) == 1
    assert _names(tmp_path) == [f"{TITLE}.mp4"]


def test_deleting_a_job_whose_completion_was_never_recorded_removes_its_final_file(tmp_path: Path) -> None:
    (tmp_path / f"{TITLE}.mp4").write_bytes(b"video")
    (tmp_path / ".anibridge-j1.VOE.mp4.part").write_bytes(b"part")
    (tmp_path / "Other.Show.S01E01.mp4").write_bytes(b"other")
    job = Job("j1", REF, JobMode.DOWNLOAD, TITLE, state=JobState.DOWNLOADING)  # result_path never written
    task = ClientTask(hash="h1", name=TITLE, ref=REF, added_on=FakeClock().now(), job_id="j1")
    remove_files(LocalFileStore(tmp_path), [(task, job)])
    assert _names(tmp_path) == ["Other.Show.S01E01.mp4"]


class ShortDownloader(FakeDownloader):
    """Announces `size` bytes (the Content-Length) but writes only half, then reports success."""

    def _write(self, dest_dir: Path, stem: str, on_progress: Callable[[DownloadProgress], None],
               is_cancelled: Callable[[], bool]) -> Path:
        path = dest_dir / f"{stem}.mp4"
        path.write_bytes(b"v" * (self.size // 2))
        on_progress(DownloadProgress(self.size // 2, self.size, None, None))
        return path


async def test_a_direct_file_shorter_than_its_content_length_is_refused(tmp_path: Path) -> None:
    download = EpisodeDownload(FakeFinder(order=["VOE"]), ShortDownloader(), LocalFileStore(tmp_path))
    with pytest.raises(DownloadFailed, match="VOE: the video is cut short: 500 of the 1000 bytes announced"):
        await download.run(Job("j1", REF, JobMode.DOWNLOAD, TITLE), lambda p: None, lambda: False)
    assert _names(tmp_path) == []


async def test_adoption_looks_in_the_jobs_target_directory(tmp_path: Path) -> None:
    downloader = FakeDownloader()
    download = EpisodeDownload(FakeFinder(), downloader, LocalFileStore(tmp_path))
    job = Job("j1", REF, JobMode.DOWNLOAD, TITLE, target_dir="tv-sonarr")
    first = await download.run(job, lambda p: None, lambda: False)
    again = await download.run(Job("j2", REF, JobMode.DOWNLOAD, TITLE, target_dir="tv-sonarr"), lambda p: None,
                               lambda: False)
    assert first.path == again.path == tmp_path / "tv-sonarr" / f"{TITLE}.mp4"
    assert len(downloader.calls) == 1
