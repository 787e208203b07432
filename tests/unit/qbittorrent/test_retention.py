"""DOWNLOADS_TTL_HOURS: finished media and its task go once older than the TTL (fake clock, real files)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.memory import InMemoryClientTaskRepo, InMemoryJobRepo
from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.jobs.records import Job, JobMode, JobState
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.qbittorrent.retention import ExpiredMediaSweeper
from tests.fakes import FakeClock

pytestmark = pytest.mark.anyio

TTL = timedelta(hours=24)


def _ref(episode: int) -> EpisodeRef:
    return EpisodeRef(Site.ANIWORLD, "kaguya-sama", 1, episode, Language.GERMAN_DUB)


async def _finished(jobs: InMemoryJobRepo, tasks: InMemoryClientTaskRepo | None, clock: FakeClock, root: Path,
                    episode: int, state: JobState = JobState.COMPLETED) -> Path:
    path = root / f"Kaguya.S01E{episode:02d}.mp4"
    path.write_bytes(b"video")
    job_id = f"j{episode}"
    await jobs.add(Job(job_id, _ref(episode), JobMode.DOWNLOAD, path.stem))
    await jobs.claim_next("w", clock.now() + timedelta(seconds=30))
    await jobs.transition(job_id, frozenset({JobState.DOWNLOADING}), state, result_path=str(path))
    if tasks is not None:
        await tasks.upsert(ClientTask(hash=f"h{episode}", name=path.stem, ref=_ref(episode), added_on=clock.now(),
                                      job_id=job_id, content_path=str(path), completion_on=clock.now()))
    return path


async def test_finished_media_and_its_task_go_after_the_ttl(tmp_path: Path) -> None:
    clock = FakeClock()
    jobs, tasks = InMemoryJobRepo(clock), InMemoryClientTaskRepo()
    sweeper = ExpiredMediaSweeper(jobs, tasks, LocalFileStore(tmp_path), clock, TTL)
    old = await _finished(jobs, tasks, clock, tmp_path, 1)
    api_job = await _finished(jobs, None, clock, tmp_path, 2)  # JSON job API: no task
    failed = await _finished(jobs, tasks, clock, tmp_path, 3, JobState.FAILED)
    clock.advance(TTL.total_seconds() - 60)
    assert await sweeper.sweep() == 0 and old.exists() and api_job.exists()
    fresh = await _finished(jobs, tasks, clock, tmp_path, 4)
    clock.advance(120)  # the first three are now past the TTL, the fourth is two minutes old
    assert await sweeper.sweep() == 2
    assert not old.exists() and not api_job.exists()
    assert failed.exists() and fresh.exists()  # a failed job's leftovers are not "finished media"; fresh stays
    assert {t.hash for t in await tasks.list()} == {"h3", "h4"}
