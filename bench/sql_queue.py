"""Job-queue throughput on SQLite (and PostgreSQL when ANIBRIDGE_TEST_PG_URL is set).

Prints: enqueue rate, claim+complete rate with 1 and 8 concurrent claimers in one process, and the
progress-write rate (what a running download costs the database). Run: `.venv/bin/python bench/sql_queue.py`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import apply_migrations
from anibridge.adapters.sql.repos import SqlJobRepo
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
    ProgressUpdate,
)

N = 400
REF = EpisodeRef(Site.ANIWORLD, "bench", 1, 1, Language.GERMAN_DUB)


async def run(label: str, url: str) -> None:
    db = Database(url, pool_threads=8)
    apply_migrations(db.engine)
    repo = SqlJobRepo(db)
    for claimers in (1, 8):
        t0 = time.perf_counter()
        for n in range(N):
            now = datetime.now(UTC)
            await repo.add(Job(id=uuid.uuid4().hex, ref=REF, mode=JobMode.DOWNLOAD, release_title=f"T{n}",
                               created_at=now, updated_at=now))
        enqueue = N / (time.perf_counter() - t0)
        lease = datetime.now(UTC) + timedelta(hours=1)

        async def claimer(name: str) -> int:
            done = 0
            while (job := await repo.claim_next(name, lease)) is not None:
                await repo.transition(job.id, frozenset({JobState.DOWNLOADING}), JobState.COMPLETED)
                done += 1
            return done

        t0 = time.perf_counter()
        total = sum(await asyncio.gather(*(claimer(f"w/{i}") for i in range(claimers))))
        rate = total / (time.perf_counter() - t0)
        print(f"{label:10s} enqueue {enqueue:7.0f}/s   claim+complete ({claimers} claimers) {rate:7.0f}/s")
    now = datetime.now(UTC)
    job_id = uuid.uuid4().hex
    await repo.add(Job(id=job_id, ref=REF, mode=JobMode.DOWNLOAD, release_title="p", created_at=now, updated_at=now))
    await repo.claim_next("w/p", now + timedelta(hours=1))
    t0 = time.perf_counter()
    for n in range(N):
        await repo.record_progress(job_id, ProgressUpdate(n, N, 1.0, 1, n / N * 100), now + timedelta(hours=1))
    print(f"{label:10s} progress writes {N / (time.perf_counter() - t0):7.0f}/s")
    db.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await run("sqlite", f"sqlite:///{tmp}/bench.db")
    pg = os.environ.get("ANIBRIDGE_TEST_PG_URL")
    if pg:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
            await run("postgres", url.render_as_string(hide_password=False))
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
