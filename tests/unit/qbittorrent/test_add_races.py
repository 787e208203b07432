"""The add flow's race handling, made deterministic: a scheduler whose submit runs a hook in the middle.

The add inserts the task without a job, submits, then swaps the job in conditionally; these tests put a delete,
a second add, a crashed adder and a failing submit exactly into that window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.qbittorrent.service import (
    AddRequest,
    TorrentService,
)
from anibridge.domain.releases.magnets import parse_magnet

from .world import World, magnet

pytestmark = pytest.mark.anyio


class HookedScheduler:
    """The real scheduler, with `hook` awaited after each submit (before the caller gets the job back)."""

    def __init__(self, world: World, hook: Callable[[], Awaitable[None]]) -> None:
        self._world = world
        self._hook = hook

    async def submit(
        self, ref: EpisodeRef, mode: JobMode, release_title: str, provider: str | None = None, target_dir: str = ""
    ) -> Job:
        job = await self._world.scheduler.submit(ref, mode, release_title, provider, target_dir)
        await self._hook()
        return job

    async def cancel(self, job_id: str) -> object:
        return await self._world.scheduler.cancel(job_id)


def hooked(world: World, hook: Callable[[], Awaitable[None]]) -> TorrentService:
    return TorrentService(world.tasks, world.jobs, HookedScheduler(world, hook), world.clock, world.service.config,
                          world.files)


async def test_delete_while_the_job_is_submitted_cancels_that_job(world: World) -> None:
    uri = magnet(1)

    async def delete() -> None:
        assert await world.service.delete(parse_magnet(uri).infohash, delete_files=True) == 1

    await hooked(world, delete).add(AddRequest([uri]))
    assert list(await world.tasks.list()) == []
    jobs = await world.jobs.list_recent()
    assert len(jobs) == 1 and jobs[0].state is JobState.CANCELLED  # no orphaned download


async def test_second_add_while_the_first_submits_adds_no_job(world: World) -> None:
    uri = magnet(1)
    seen: list[object] = []

    async def add_again() -> None:
        result = await world.service.add(AddRequest([uri]))
        seen.append((result.added, result.existing))

    result = await hooked(world, add_again).add(AddRequest([uri]))
    hash_ = parse_magnet(uri).infohash
    assert result.added == [hash_] and seen == [([], [hash_])]
    jobs = await world.jobs.list_recent()
    task = await world.tasks.get(hash_)
    assert len(jobs) == 1 and task is not None and task.job_id == jobs[0].id


async def test_readd_retries_a_task_whose_adder_died_only_after_the_grace_period(world: World) -> None:
    uri = magnet(1)
    await world.service.add(AddRequest([uri], stopped=True))
    hash_ = parse_magnet(uri).infohash
    task = await world.tasks.get(hash_)
    assert task is not None
    await world.tasks.upsert(replace(task, stopped=False))  # as left by an adder that died before submitting
    await world.service.add(AddRequest([uri]))
    assert list(await world.jobs.list_recent()) == []  # maybe still submitting: leave it to the adder
    world.clock.advance(61)
    await world.service.add(AddRequest([uri]))
    jobs = await world.jobs.list_recent()
    task = await world.tasks.get(hash_)
    assert len(jobs) == 1 and task is not None and task.job_id == jobs[0].id


async def test_a_failing_submit_leaves_no_task(world: World) -> None:
    async def boom() -> None:
        raise RuntimeError("queue down")

    with pytest.raises(RuntimeError):
        await hooked(world, boom).add(AddRequest([magnet(1)]))
    assert list(await world.tasks.list()) == []
    await world.service.add(AddRequest([magnet(1)]))  # a later grab starts cleanly
    assert len(await world.tasks.list()) == 1
