"""Two anibridge instances on one database (SQLite file, PostgreSQL) adding the same magnet at the same moment:
exactly one task and exactly one job per magnet (QA found two jobs, two files and an orphaned job).

Each instance has its own `Database` (own engine, own SQL executor thread), repositories, scheduler and
TorrentService, exactly as two `anibridge serve` processes would; the adds are interleaved with asyncio.gather.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import apply_migrations
from anibridge.adapters.sql.repos import SqlClientTaskRepo, SqlJobRepo
from anibridge.domain.jobs.records import JobState
from anibridge.domain.qbittorrent.service import AddRequest
from tests.integration.sql.conftest import database_url, needs_pg
from tests.unit.qbittorrent.world import FakeClock, World, build_world, magnet

pytestmark = pytest.mark.anyio

ROUNDS = 25


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, World]]:
    with database_url(request.param, tmp_path) as url:
        dbs = [Database(url), Database(url)]
        apply_migrations(dbs[0].engine)
        worlds = []
        for n, db in enumerate(dbs):
            def repos(clock: FakeClock, db: Database = db) -> tuple[SqlClientTaskRepo, SqlJobRepo]:
                return SqlClientTaskRepo(db), SqlJobRepo(db, clock)

            (tmp_path / f"i{n}").mkdir()
            worlds.append(build_world(tmp_path / f"i{n}", repos=repos))
        try:
            yield worlds[0], worlds[1]
        finally:
            for db in dbs:
                db.dispose()


async def _add_both(a: World, b: World, url: str) -> None:
    results = []

    async def add(world: World) -> None:
        results.append(await world.service.add(AddRequest([url])))

    async with anyio.create_task_group() as tg:
        tg.start_soon(add, a)
        tg.start_soon(add, b)
    assert all(r.ok for r in results)
    assert sum(len(r.added) for r in results) == 1 and sum(len(r.existing) for r in results) == 1


async def test_concurrent_adds_of_one_magnet_make_one_task_and_one_job(pair: tuple[World, World]) -> None:
    a, b = pair
    for n in range(1, ROUNDS + 1):
        await _add_both(a, b, magnet(n))
    tasks = await a.tasks.list()
    jobs = await a.jobs.list_recent(10 * ROUNDS)
    assert len(tasks) == ROUNDS
    assert len(jobs) == ROUNDS, "a magnet added twice at once was submitted twice"
    assert sorted(t.job_id or "" for t in tasks) == sorted(j.id for j in jobs)
    assert all(j.state is JobState.QUEUED for j in jobs)


async def test_concurrent_readds_after_a_failed_job_start_exactly_one_new_job(pair: tuple[World, World]) -> None:
    a, b = pair
    for n in range(1, ROUNDS + 1):
        await a.service.add(AddRequest([magnet(n)]))
    old = {t.hash: t.job_id for t in await a.tasks.list()}
    for job_id in old.values():
        assert job_id is not None
        await a.scheduler.cancel(job_id)  # the last job is cancelled: a re-grab must retry it, once
    for n in range(1, ROUNDS + 1):
        await _add_both_readd(a, b, magnet(n))
    tasks = await a.tasks.list()
    jobs = {j.id: j for j in await a.jobs.list_recent(10 * ROUNDS)}
    live = [j for j in jobs.values() if j.state is JobState.QUEUED]
    assert len(tasks) == ROUNDS and len(live) == ROUNDS, "a re-grab raced into two live jobs"
    for task in tasks:
        assert task.job_id != old[task.hash] and task.job_id is not None
        assert jobs[task.job_id].state is JobState.QUEUED  # the task points at the surviving job


async def _add_both_readd(a: World, b: World, url: str) -> None:
    async with anyio.create_task_group() as tg:
        for world in (a, b):
            tg.start_soon(world.service.add, AddRequest([url]))
