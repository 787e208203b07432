"""Scheduler + runner + download use case with in-memory repos, a fake clock and a fake downloader."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.memory import InMemoryClientTaskRepo, InMemoryJobRepo, InMemoryStrmMappingRepo
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import Job, JobMode, JobState, ProgressUpdate
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.jobs.strm_files import StrmProxyConfig, StrmWriter
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.strm.urls import AuthMode
from anibridge.ports.errors import DownloadFailed
from tests.fakes import RunningClock
from tests.integration.jobs.episode import REF, TITLE
from tests.unit.jobs.fakes import FakeDownloader, FakeFinder

pytestmark = pytest.mark.anyio


class CountingJobRepo(InMemoryJobRepo):
    def __init__(self, clock: RunningClock) -> None:
        super().__init__(clock)
        self.progress_writes: list[ProgressUpdate] = []

    async def record_progress(self, job_id: str, update: ProgressUpdate, lease_until: datetime,
                              worker: str | None = None) -> bool:
        ok = await super().record_progress(job_id, update, lease_until, worker)
        if ok:
            self.progress_writes.append(update)
        return ok


@dataclass
class World:
    root: Path
    clock: RunningClock
    jobs: CountingJobRepo
    tasks: InMemoryClientTaskRepo
    mappings: InMemoryStrmMappingRepo
    finder: FakeFinder
    downloader: FakeDownloader
    runner: JobRunner
    scheduler: JobScheduler

    async def wait(self, job_id: str, states: set[JobState], timeout: float = 5.0) -> Job:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            job = await self.jobs.get(job_id)
            assert job is not None
            if job.state in states:
                return job
            if loop.time() > deadline:
                raise AssertionError(f"job stayed {job.state} ({job.message})")
            await asyncio.sleep(0.01)

    async def run_until_done(self, job_id: str | None = None, *, mode: JobMode = JobMode.DOWNLOAD, title: str = "",
                             timeout: float = 5.0) -> Job:
        """Start the scheduler, submit a job (unless `job_id` names one already queued), wait until it ends, stop."""
        await self.scheduler.start()
        try:
            if job_id is None:
                job_id = (await self.scheduler.submit(REF, mode, title, None)).id
            return await self.wait(job_id, {JobState.COMPLETED, JobState.FAILED}, timeout)
        finally:
            await self.scheduler.stop()


def build(tmp_path: Path, *, proxy: StrmProxyConfig | None = None, instance: str = "inst1",
          concurrency: int = 2, **downloader: Any) -> World:
    clock = RunningClock()
    jobs = CountingJobRepo(clock)
    tasks = InMemoryClientTaskRepo()
    mappings = InMemoryStrmMappingRepo()
    finder = FakeFinder()
    fake = FakeDownloader(**downloader)
    files = LocalFileStore(tmp_path)
    runner = JobRunner(jobs, clock, EpisodeDownload(finder, fake, files), StrmWriter(finder, files, mappings, clock, proxy),
                       tasks, lease=timedelta(seconds=3), tick_seconds=0.01, min_write_interval=0.05)
    scheduler = JobScheduler(jobs, clock, runner, concurrency=concurrency, instance_id=instance,
                             lease_seconds=3, poll_interval=0.05)
    return World(tmp_path, clock, jobs, tasks, mappings, finder, fake, runner, scheduler)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = build(tmp_path)
    await w.scheduler.start()
    yield w
    await w.scheduler.stop()


async def test_submit_runs_job_to_completion_and_fills_the_task(world: World) -> None:
    await world.tasks.upsert(ClientTask(hash="h1", name=TITLE, ref=REF, added_on=world.clock.now(), job_id=None))
    job = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, "Filemoon")
    task = await world.tasks.get("h1")
    assert task is not None
    task.job_id = job.id
    await world.tasks.upsert(task)
    assert len(job.id) == 32 and int(job.id, 16) >= 0 and job.state is JobState.QUEUED
    done = await world.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
    assert done.state is JobState.COMPLETED, done.message
    final = world.root / f"{TITLE}.mp4"
    assert done.result_path == str(final) and final.stat().st_size == 1000
    assert done.provider_used == "Filemoon" and done.progress == 100.0 and done.downloaded_bytes == 1000
    assert sorted(p.name for p in world.root.iterdir()) == [f"{TITLE}.mp4"]
    task = await world.tasks.get("h1")
    assert task is not None and task.content_path == str(final) and task.completion_on is not None


async def test_second_job_with_same_title_adopts_the_file_instead_of_a_numbered_copy(world: World) -> None:
    a = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    await world.wait(a.id, {JobState.COMPLETED})
    b = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    done = await world.wait(b.id, {JobState.COMPLETED})
    assert done.result_path == str(world.root / f"{TITLE}.mp4")
    assert len(world.downloader.calls) == 1  # the episode on disk was not fetched again
    assert sorted(p.name for p in world.root.iterdir() if p.name != "instance-id") == [f"{TITLE}.mp4"]


async def test_cancel_queued_job_is_immediate(tmp_path: Path) -> None:
    w = build(tmp_path)  # not started: nothing claims the job
    job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    cancelled = await w.scheduler.cancel(job.id)
    assert cancelled is not None and cancelled.state is JobState.CANCELLED
    assert await w.scheduler.cancel("0" * 32) is None


async def test_cancel_running_job_ends_cancelled_and_removes_partial(tmp_path: Path) -> None:
    w = build(tmp_path, gate=threading.Event())
    await w.scheduler.start()
    try:
        job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
        await asyncio.to_thread(w.downloader.started.wait, 5)
        assert list(tmp_path.glob(".anibridge-*.part"))
        requested = await w.scheduler.cancel(job.id)
        assert requested is not None and requested.cancel_requested
        done = await w.wait(job.id, {JobState.CANCELLED, JobState.FAILED, JobState.COMPLETED})
        assert done.state is JobState.CANCELLED and done.message == "Cancelled by user"
        assert [p.name for p in tmp_path.iterdir() if p.name != "instance-id"] == []
    finally:
        await w.scheduler.stop()


async def test_cancel_from_another_instance_is_seen_through_the_progress_write(tmp_path: Path) -> None:
    w = build(tmp_path, gate=threading.Event())
    await w.scheduler.start()
    try:
        job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
        await asyncio.to_thread(w.downloader.started.wait, 5)
        await w.jobs.request_cancel(job.id)  # bypasses the local fast path, like a second instance would
        w.clock.advance(2)  # lease renewal write is due → rejected → cancel noticed
        done = await w.wait(job.id, {JobState.CANCELLED, JobState.FAILED, JobState.COMPLETED})
        assert done.state is JobState.CANCELLED
    finally:
        await w.scheduler.stop()


async def test_expired_url_is_resolved_again_once(world: World) -> None:
    world.downloader.failures["VOE"] = [DownloadFailed("VOE: HTTP Error 403", expired=True)]
    job = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, "VOE")
    done = await world.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
    assert done.state is JobState.COMPLETED and done.provider_used == "VOE"
    assert [p for p, _ in world.downloader.calls] == ["VOE", "VOE"]
    assert world.finder.resolved == 2


async def test_second_expiry_moves_to_next_hoster(world: World) -> None:
    world.downloader.failures["VOE"] = [DownloadFailed("VOE: HTTP Error 410", expired=True)] * 2
    job = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, "VOE")
    done = await world.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
    assert done.provider_used == "Filemoon"
    assert world.finder.calls[-1] == (None, frozenset({"VOE"}))


async def test_all_hosters_failing_lists_every_cause(world: World) -> None:
    world.finder.broken = {"Vidoza"}
    world.downloader.failures = {"VOE": [DownloadFailed("VOE: HTTP Error 500")],
                                 "Filemoon": [DownloadFailed("Filemoon: read timed out")]}
    job = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    done = await world.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
    assert done.state is JobState.FAILED
    assert done.message is not None
    for cause in ("VOE: HTTP Error 500", "Filemoon: read timed out", "Vidoza: embed page gone"):
        assert cause in done.message


async def test_language_not_offered_fails_clearly(world: World) -> None:
    world.finder.offered = False
    job = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    done = await world.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
    assert done.state is JobState.FAILED and done.message is not None
    assert "kaguya-sama S01E03 German Sub is not offered" in done.message
    assert world.downloader.calls == []


@pytest.mark.slow
async def test_progress_writes_are_bounded(tmp_path: Path) -> None:
    w = build(tmp_path, size=100_000, chunks=1000, delay=0.001)
    done = await w.run_until_done(title=TITLE, timeout=15)
    assert done.state is JobState.COMPLETED
    writes = w.jobs.progress_writes
    # 1000 samples over ≥1 s with min interval 0.05 s: bounded by elapsed/interval, never one per sample
    assert 2 <= len(writes) < 100
    assert writes[-1].progress < 100.0 and writes[-1].downloaded_bytes == 100_000  # 100 % only with `completed`
    assert all(w.progress < 100.0 for w in writes)
    assert [u.progress for u in writes] == sorted(u.progress for u in writes)


async def test_restart_requeues_own_jobs_and_resumes_from_partial(tmp_path: Path) -> None:
    w = build(tmp_path, instance="inst1")
    job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, "VOE")
    claimed = await w.jobs.claim_next("inst1/0", w.clock.now() + timedelta(hours=1))  # a "dead" process
    assert claimed is not None
    (tmp_path / f".anibridge-{job.id}.Filemoon.mp4.part").write_bytes(b"v" * 400)
    done = await w.run_until_done(job.id)
    assert done.state is JobState.COMPLETED and done.provider_used == "Filemoon"
    assert w.downloader.resumed_from == [400]
    assert done.attempts == 2


@pytest.mark.slow
async def test_other_instances_live_jobs_are_left_alone_until_their_lease_expires(tmp_path: Path) -> None:
    w = build(tmp_path, instance="inst1")
    job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    await w.jobs.claim_next("inst2/0", w.clock.now() + timedelta(seconds=60))
    await w.scheduler.start()
    try:
        await asyncio.sleep(0.2)
        current = await w.jobs.get(job.id)
        assert current is not None and current.state is JobState.DOWNLOADING and current.worker == "inst2/0"
        w.clock.advance(120)  # inst2 died: its lease passes, the reaper hands the job to us
        done = await w.wait(job.id, {JobState.COMPLETED, JobState.FAILED}, timeout=8)
        assert done.state is JobState.COMPLETED
    finally:
        await w.scheduler.stop()


async def test_shutdown_requeues_the_running_job(tmp_path: Path) -> None:
    w = build(tmp_path, gate=threading.Event())
    await w.scheduler.start()
    job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    await asyncio.to_thread(w.downloader.started.wait, 5)
    await w.scheduler.stop()
    current = await w.jobs.get(job.id)
    assert current is not None and current.state is JobState.QUEUED
    assert list(tmp_path.glob(f".anibridge-{job.id}.*.part"))


async def test_lost_lease_stops_without_touching_the_new_owner(tmp_path: Path) -> None:
    w = build(tmp_path, gate=threading.Event())
    await w.scheduler.start()
    try:
        job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
        await asyncio.to_thread(w.downloader.started.wait, 5)
        # Simulate: our lease expired, another instance requeued and claimed it.
        await w.jobs.transition(job.id, frozenset({JobState.DOWNLOADING}), JobState.QUEUED)
        await w.jobs.claim_next("other/0", w.clock.now() + timedelta(hours=1))
        w.clock.advance(2)
        for _ in range(200):
            if not w.runner._running:
                break
            await asyncio.sleep(0.01)
        current = await w.jobs.get(job.id)
        assert current is not None and current.state is JobState.DOWNLOADING and current.worker == "other/0"
        assert not w.runner._running
    finally:
        await w.scheduler.stop()


async def test_strm_job_direct_mode(world: World) -> None:
    title = TITLE + " [STRM]"
    job = await world.scheduler.submit(REF, JobMode.STRM, title, "Filemoon")
    done = await world.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
    assert done.state is JobState.COMPLETED, done.message
    assert done.message == "STRM created (provider=Filemoon)"
    path = world.root / f"{title}.strm"
    assert done.result_path == str(path)
    assert path.read_bytes() == b"http://127.0.0.1:9/Filemoon/1.mp4\n"
    mapping = await world.mappings.get(REF, "Filemoon")
    assert mapping is not None and mapping.resolved_url.endswith("/Filemoon/1.mp4")


async def test_strm_job_proxy_mode_writes_signed_stable_url(tmp_path: Path) -> None:
    w = build(tmp_path, proxy=StrmProxyConfig("http://bridge.lan:8000/", AuthMode.TOKEN, "secret"))
    done = await w.run_until_done(mode=JobMode.STRM, title="Sample: a/b  [STRM]")
    assert done.state is JobState.COMPLETED, done.message
    path = Path(done.result_path or "")
    assert path.name == "clip a b [STRM].strm"
    content = path.read_text()
    assert content.startswith("http://bridge.lan:8000/strm/stream?e=3&lang=German+Sub&s=1&sig=")
    assert content.endswith("&site=aniworld.to&slug=kaguya-sama\n")


async def test_strm_proxy_mode_without_public_url_fails_clearly(tmp_path: Path) -> None:
    w = build(tmp_path, proxy=StrmProxyConfig("", AuthMode.TOKEN, "secret"))
    done = await w.run_until_done(mode=JobMode.STRM, title="x [STRM]")
    assert done.state is JobState.FAILED and "STRM_PUBLIC_BASE_URL" in (done.message or "")


async def test_many_jobs_run_each_exactly_once(tmp_path: Path) -> None:
    w = build(tmp_path, concurrency=3)
    await w.scheduler.start()
    try:
        jobs = [await w.scheduler.submit(REF, JobMode.DOWNLOAD, f"T{i}", None) for i in range(12)]
        for job in jobs:
            done = await w.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
            assert done.state is JobState.COMPLETED
    finally:
        await w.scheduler.stop()
    assert len(w.downloader.calls) == 12
    assert len({stem for _, stem in w.downloader.calls}) == 12
    assert sorted(p.name for p in tmp_path.glob("T*.mp4")) == sorted(f"T{i}.mp4" for i in range(12))




async def test_a_job_interrupted_too_often_is_failed_not_retried_forever(tmp_path: Path) -> None:
    w = build(tmp_path, instance="inst1")
    job = await w.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, None)
    for _ in range(5):  # five processes died while running it
        await w.jobs.claim_next("inst1/0", w.clock.now() + timedelta(hours=1))
        await w.jobs.requeue_worker("inst1/")
    done = await w.run_until_done(job.id)
    assert done.state is JobState.FAILED and "gave up after 5" in (done.message or "")
    assert w.downloader.calls == []
