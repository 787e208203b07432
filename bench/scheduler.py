"""Job scheduler benchmark: add→start latency and queue throughput on the real SQL repositories.

Run: `.venv/bin/python bench/scheduler.py [--jobs 200] [--workers 3] [--pg postgresql://…]`.
Workers run a no-op download (writes a few bytes) so the figures measure the queue itself: submit → claimed
(the asyncio.Event nudge makes it immediate instead of waiting for the poll), claim + finish throughput, and
the cost of one progress write (the heartbeat does at most one per second per job).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from anibridge.adapters.clock import SystemClock  # noqa: E402
from anibridge.adapters.files import LocalFileStore  # noqa: E402
from anibridge.adapters.memory import InMemoryClientTaskRepo, InMemoryStrmMappingRepo  # noqa: E402
from anibridge.adapters.sql.database import Database  # noqa: E402
from anibridge.adapters.sql.migrations import apply_migrations  # noqa: E402
from anibridge.adapters.sql.repos import SqlJobRepo  # noqa: E402
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import (
    JobMode,
    JobState,
    ProgressUpdate,
)
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.jobs.strm_files import StrmWriter
from tests.unit.jobs.fakes import FakeDownloader, FakeFinder  # noqa: E402

REF = EpisodeRef(Site.ANIWORLD, "bench", 1, 1, Language.GERMAN_DUB)


async def run(url: str, root: Path, jobs: int, workers: int) -> None:
    db = Database(url)
    apply_migrations(db.engine)
    clock = SystemClock()
    repo = SqlJobRepo(db, clock)
    root.mkdir(parents=True, exist_ok=True)
    files = LocalFileStore(root)
    finder = FakeFinder()
    downloader = FakeDownloader(size=16, chunks=1)
    runner = JobRunner(repo, clock, EpisodeDownload(finder, downloader, files),
                       StrmWriter(finder, files, InMemoryStrmMappingRepo(), clock), InMemoryClientTaskRepo(),
                       lease=timedelta(seconds=30))
    scheduler = JobScheduler(repo, clock, runner, concurrency=workers, instance_id="bench", poll_interval=1.0)
    await scheduler.start()
    try:
        # add → start on an idle pool, one job at a time
        latencies = []
        for i in range(20):
            started = time.perf_counter()
            job = await scheduler.submit(REF, JobMode.DOWNLOAD, f"lat{i}", None)
            while (current := await repo.get(job.id)) is not None and current.state is JobState.QUEUED:
                await asyncio.sleep(0.001)
            latencies.append((time.perf_counter() - started) * 1000)
            while (current := await repo.get(job.id)) is not None and not current.state.is_terminal:
                await asyncio.sleep(0.002)
        print(f"  add→start (idle pool)   median {statistics.median(latencies):6.1f} ms  "
              f"max {max(latencies):6.1f} ms  (poll interval 1000 ms)")
        # throughput
        started = time.perf_counter()
        ids = [(await scheduler.submit(REF, JobMode.DOWNLOAD, f"t{i}", None)).id for i in range(jobs)]
        submit_s = time.perf_counter() - started
        while True:
            done = await repo.get_many(ids)
            if all(j.state.is_terminal for j in done.values()):
                break
            await asyncio.sleep(0.01)
        total = time.perf_counter() - started
        print(f"  submit                  {jobs / submit_s:8.0f} jobs/s")
        print(f"  submit → all completed  {jobs / total:8.0f} jobs/s ({jobs} jobs, {workers} workers)")
    finally:
        await scheduler.stop()
    # progress write cost
    job = await scheduler.submit(REF, JobMode.DOWNLOAD, "progress", None)
    await repo.claim_next("bench/x", clock.now() + timedelta(seconds=30))
    samples = []
    for i in range(100):
        started = time.perf_counter()
        await repo.record_progress(job.id, ProgressUpdate(i, 100, 1.0, 1, float(i)), clock.now(), "bench/x")
        samples.append((time.perf_counter() - started) * 1000)
    print(f"  progress write          median {statistics.median(samples):6.2f} ms")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--pg", default="", help="also run against this PostgreSQL URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite (file, WAL):")
        asyncio.run(run(f"sqlite:///{tmp}/bench.db", Path(tmp) / "dl", args.jobs, args.workers))
    if args.pg:
        from tests.integration.sql import conftest as sql_fixtures

        sql_fixtures.PG_URL = args.pg
        # A throwaway schema, dropped afterwards: the benchmark never touches the database's own tables.
        with tempfile.TemporaryDirectory() as tmp, sql_fixtures.pg_schema_url() as url:
            print("PostgreSQL (throwaway schema):")
            asyncio.run(run(url, Path(tmp), args.jobs, args.workers))


if __name__ == "__main__":
    main()
