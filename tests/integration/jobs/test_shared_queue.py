"""Two scheduler instances on one database (SQLite file, PostgreSQL) share the queue: every job runs exactly
once, and a dead instance's job is picked up by the survivor once its lease expires."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.memory import InMemoryClientTaskRepo, InMemoryStrmMappingRepo
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import apply_migrations
from anibridge.adapters.sql.repos import SqlJobRepo
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import (
    JobMode,
    JobState,
)
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.jobs.strm_files import StrmWriter
from tests.integration.sql.conftest import BACKENDS, database_url
from tests.unit.jobs.fakes import FakeDownloader, FakeFinder

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

REF = EpisodeRef(Site.STO, "9-1-1", 1, 1, Language.GERMAN_DUB)


@pytest.fixture(params=[b for b in BACKENDS if b != "memory"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        setup = Database(url)
        apply_migrations(setup.engine)
        setup.dispose()
        yield url


def _instance(url: str, root: Path, name: str, downloader: FakeDownloader, lease: float = 30.0
              ) -> tuple[JobScheduler, SqlJobRepo, Database]:
    db = Database(url)  # its own engine and pool, like a separate process
    clock = SystemClock()
    jobs = SqlJobRepo(db, clock)
    files = LocalFileStore(root)
    finder = FakeFinder()
    runner = JobRunner(jobs, clock, EpisodeDownload(finder, downloader, files),
                       StrmWriter(finder, files, InMemoryStrmMappingRepo(), clock), InMemoryClientTaskRepo(),
                       lease=timedelta(seconds=lease), tick_seconds=0.05, min_write_interval=0.1)
    scheduler = JobScheduler(jobs, clock, runner, concurrency=3, instance_id=name, lease_seconds=lease,
                             poll_interval=0.05)
    return scheduler, jobs, db


async def _wait_all(jobs: SqlJobRepo, ids: list[str], timeout: float) -> dict[str, JobState]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await jobs.get_many(ids)
        states = {i: j.state for i, j in found.items()}
        if all(s.is_terminal for s in states.values()) or loop.time() > deadline:
            return states
        await asyncio.sleep(0.05)


async def test_two_instances_run_every_job_exactly_once(db_url: str, tmp_path: Path) -> None:
    dl_a, dl_b = FakeDownloader(size=2000, chunks=4, delay=0.005), FakeDownloader(size=2000, chunks=4, delay=0.005)
    a, jobs_a, db_a = _instance(db_url, tmp_path, "aaaa", dl_a)
    b, _jobs_b, db_b = _instance(db_url, tmp_path, "bbbb", dl_b)
    await a.start()
    await b.start()
    try:
        ids = [(await (a if i % 2 else b).submit(REF, JobMode.DOWNLOAD, f"T{i:02d}", None)).id for i in range(30)]
        states = await _wait_all(jobs_a, ids, timeout=30)
    finally:
        await a.stop()
        await b.stop()
        db_a.dispose()
        db_b.dispose()
    assert set(states.values()) == {JobState.COMPLETED}
    ran = [stem for _, stem in dl_a.calls + dl_b.calls]
    assert len(ran) == 30 and len(set(ran)) == 30
    assert dl_a.calls and dl_b.calls  # both instances did work
    assert sorted(p.name for p in tmp_path.glob("T*.mp4")) == [f"T{i:02d}.mp4" for i in range(30)]


async def test_dead_instances_job_is_taken_over_after_its_lease(db_url: str, tmp_path: Path) -> None:
    survivor_dl = FakeDownloader(size=500, chunks=2)
    survivor, jobs, db = _instance(db_url, tmp_path, "live", survivor_dl, lease=1.0)
    try:
        job = await survivor.submit(REF, JobMode.DOWNLOAD, "Orphan", None)
        # The "dead" instance claimed it with a 1 s lease and then vanished.
        claimed = await jobs.claim_next("dead/0", SystemClock().now() + timedelta(seconds=1))
        assert claimed is not None and claimed.id == job.id
        await survivor.start()
        states = await _wait_all(jobs, [job.id], timeout=10)
        final = await jobs.get(job.id)
    finally:
        await survivor.stop()
        db.dispose()
    assert states[job.id] is JobState.COMPLETED and final is not None and final.attempts == 2
    assert (tmp_path / "Orphan.mp4").is_file()
