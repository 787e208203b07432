"""JobRepo contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import pytest

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
from tests.integration.sql.conftest import Repos

pytestmark = pytest.mark.anyio

REF = EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 1, 3, Language.GERMAN_SUB)
RUNNING = frozenset({JobState.DOWNLOADING})


def make_job(repos: Repos, n: int, **kw: object) -> Job:
    created = repos.clock.now() + timedelta(seconds=n)
    return Job(id=f"{n:032x}", ref=REF, mode=JobMode.DOWNLOAD, release_title=f"Title.S01E{n:02d}",
               created_at=created, updated_at=created, **kw)  # type: ignore[arg-type]


async def test_add_and_get_round_trips_every_field(repos: Repos) -> None:
    lease = repos.clock.now() + timedelta(minutes=5)
    job = Job(
        id="a" * 32, ref=EpisodeRef(Site.STO, "die-simpsons", 0, 7, Language.ENGLISH_DUB), mode=JobMode.STRM,
        release_title="Die.Simpsons.S00E07 [STRM]", state=JobState.DOWNLOADING, provider="VOE",
        progress=12.5, downloaded_bytes=2**40, total_bytes=2**41, speed=1.5e6, eta=42, message="m",
        result_path="/x/ä.mp4", provider_used="Filemoon", worker="inst/0", lease_until=lease,
        cancel_requested=True, attempts=3, target_dir="tv/Die Simpsons",
    )
    await repos.jobs.add(job)
    got = await repos.jobs.get(job.id)
    assert got is not None
    assert got.created_at == repos.clock.now() and got.created_at.tzinfo is not None
    assert got.created_at.utcoffset() == timedelta(0)
    job.created_at = job.updated_at = repos.clock.now()
    assert got == job
    assert await repos.jobs.get("missing") is None


async def test_relocate_changes_destination_and_result_only(repos: Repos) -> None:
    await repos.jobs.add(make_job(repos, 1))
    job_id = f"{1:032x}"
    moved = await repos.jobs.relocate(job_id, target_dir="anime", release_title="New.Name")
    assert moved is not None and (moved.target_dir, moved.release_title, moved.state) == ("anime", "New.Name",
                                                                                          JobState.QUEUED)
    again = await repos.jobs.relocate(job_id, result_path="/d/anime/New.Name.mp4")
    assert again is not None and (again.target_dir, again.result_path) == ("anime", "/d/anime/New.Name.mp4")
    assert await repos.jobs.relocate("missing", target_dir="x") is None


async def test_duplicate_id_is_rejected(repos: Repos) -> None:
    await repos.jobs.add(make_job(repos, 1))
    with pytest.raises(ValueError, match="already exists"):
        await repos.jobs.add(make_job(repos, 1))


async def test_get_many_returns_only_known_ids(repos: Repos) -> None:
    for n in range(3):
        await repos.jobs.add(make_job(repos, n))
    found = await repos.jobs.get_many([f"{0:032x}", f"{2:032x}", "nope"])
    assert sorted(found) == [f"{0:032x}", f"{2:032x}"]
    assert await repos.jobs.get_many([]) == {}


async def test_claim_next_is_fifo_and_marks_the_job_ours(repos: Repos) -> None:
    for n in (3, 1, 2):
        await repos.jobs.add(make_job(repos, n, message="old"))
    lease = repos.clock.now() + timedelta(seconds=30)
    repos.clock.advance(10)
    claimed = [await repos.jobs.claim_next("w/0", lease) for _ in range(3)]
    assert [j.id for j in claimed] == [f"{n:032x}" for n in (1, 2, 3)]
    first = claimed[0]
    assert first.state is JobState.DOWNLOADING and first.worker == "w/0" and first.lease_until == lease
    assert first.attempts == 1 and first.message is None and first.updated_at == repos.clock.now()
    assert await repos.jobs.claim_next("w/0", lease) is None


async def test_concurrent_claimers_in_one_process_never_share_a_job(repos: Repos) -> None:
    for n in range(40):
        await repos.jobs.add(make_job(repos, n))
    lease = repos.clock.now() + timedelta(minutes=1)

    async def claimer(name: str) -> list[str]:
        got: list[str] = []
        while (job := await repos.jobs.claim_next(name, lease)) is not None:
            got.append(job.id)
        return got

    results = await asyncio.gather(*(claimer(f"w/{i}") for i in range(6)))
    flat = [i for r in results for i in r]
    assert len(flat) == len(set(flat)) == 40


async def test_transition_is_conditional(repos: Repos) -> None:
    await repos.jobs.add(make_job(repos, 1))
    assert await repos.jobs.transition(f"{1:032x}", RUNNING, JobState.COMPLETED) is None
    assert await repos.jobs.transition("missing", RUNNING, JobState.COMPLETED) is None
    await repos.jobs.claim_next("w/0", repos.clock.now() + timedelta(seconds=30))
    repos.clock.advance(5)
    done = await repos.jobs.transition(f"{1:032x}", RUNNING, JobState.COMPLETED, message="done",
                                       result_path="/d/f.mp4", provider_used="VOE")
    assert done is not None
    assert (done.state, done.message, done.result_path, done.provider_used, done.progress) == (
        JobState.COMPLETED, "done", "/d/f.mp4", "VOE", 100.0)
    assert done.lease_until is None and done.updated_at == repos.clock.now()
    assert await repos.jobs.transition(f"{1:032x}", RUNNING, JobState.FAILED) is None
    assert (await repos.jobs.get(f"{1:032x}")).state is JobState.COMPLETED  # type: ignore[union-attr]


async def test_transition_back_to_queued_releases_the_worker(repos: Repos) -> None:
    await repos.jobs.add(make_job(repos, 1, message="keep"))
    await repos.jobs.claim_next("w/0", repos.clock.now() + timedelta(seconds=30))
    back = await repos.jobs.transition(f"{1:032x}", RUNNING, JobState.QUEUED)
    assert back is not None and back.worker is None and back.lease_until is None
    again = await repos.jobs.claim_next("w/1", repos.clock.now() + timedelta(seconds=30))
    assert again is not None and again.attempts == 2 and again.worker == "w/1"


async def test_record_progress_only_for_our_running_uncancelled_job(repos: Repos) -> None:
    job_id = f"{1:032x}"
    await repos.jobs.add(make_job(repos, 1))
    sample = ProgressUpdate(downloaded_bytes=500, total_bytes=1000, speed=250.0, eta=2, progress=50.0)
    later = repos.clock.now() + timedelta(minutes=2)
    assert await repos.jobs.record_progress(job_id, sample, later) is False  # still queued
    await repos.jobs.claim_next("w/0", repos.clock.now() + timedelta(seconds=30))
    assert await repos.jobs.record_progress(job_id, sample, later, worker="w/9") is False
    assert await repos.jobs.record_progress(job_id, sample, later, worker="w/0") is True
    got = await repos.jobs.get(job_id)
    assert got is not None
    assert (got.downloaded_bytes, got.total_bytes, got.speed, got.eta, got.progress, got.lease_until) == (
        500, 1000, 250.0, 2, 50.0, later)
    await repos.jobs.request_cancel(job_id)
    assert await repos.jobs.record_progress(job_id, sample, later) is False
    assert await repos.jobs.record_progress("missing", sample, later) is False


async def test_request_cancel(repos: Repos) -> None:
    queued, running, done = (f"{n:032x}" for n in (1, 2, 3))
    for n in (1, 2, 3):
        await repos.jobs.add(make_job(repos, n))
    lease = repos.clock.now() + timedelta(seconds=30)
    await repos.jobs.claim_next("w/0", lease)  # job 1
    await repos.jobs.claim_next("w/0", lease)  # job 2
    await repos.jobs.transition(done, frozenset({JobState.QUEUED}), JobState.COMPLETED)
    await repos.jobs.transition(queued, RUNNING, JobState.QUEUED)

    c1 = await repos.jobs.request_cancel(queued)
    assert c1 is not None and c1.state is JobState.CANCELLED and c1.message == "Cancelled by user"
    c2 = await repos.jobs.request_cancel(running)
    assert c2 is not None and c2.state is JobState.DOWNLOADING and c2.cancel_requested
    c3 = await repos.jobs.request_cancel(done)
    assert c3 is not None and c3.state is JobState.COMPLETED and not c3.cancel_requested
    assert await repos.jobs.request_cancel("missing") is None
    assert await repos.jobs.claim_next("w/1", lease) is None


async def test_requeue_expired_returns_dead_workers_jobs(repos: Repos) -> None:
    for n in (1, 2, 3):
        await repos.jobs.add(make_job(repos, n))
    now = repos.clock.now()
    await repos.jobs.claim_next("dead/0", now + timedelta(seconds=10))
    await repos.jobs.claim_next("dead/1", now + timedelta(seconds=10))
    await repos.jobs.claim_next("alive/0", now + timedelta(seconds=100))
    await repos.jobs.request_cancel(f"{2:032x}")
    assert await repos.jobs.requeue_expired(now + timedelta(seconds=5)) == 0
    assert await repos.jobs.requeue_expired(now + timedelta(seconds=11)) == 2
    one, two, three = [await repos.jobs.get(f"{n:032x}") for n in (1, 2, 3)]
    assert one is not None and one.state is JobState.QUEUED and one.worker is None and one.lease_until is None
    assert two is not None and two.state is JobState.CANCELLED
    assert three is not None and three.state is JobState.DOWNLOADING and three.worker == "alive/0"


async def test_requeue_worker_matches_a_literal_prefix(repos: Repos) -> None:
    for n in (1, 2, 3):
        await repos.jobs.add(make_job(repos, n))
    lease = repos.clock.now() + timedelta(hours=1)
    await repos.jobs.claim_next("host_a/0", lease)
    await repos.jobs.claim_next("hostXa/0", lease)  # `_` must not act as a LIKE wildcard
    await repos.jobs.claim_next("other/0", lease)
    assert await repos.jobs.requeue_worker("host_a/") == 1
    states = {j.id: j.state for j in await repos.jobs.list_recent()}
    assert states == {f"{1:032x}": JobState.QUEUED, f"{2:032x}": JobState.DOWNLOADING,
                      f"{3:032x}": JobState.DOWNLOADING}


async def test_list_recent_newest_first_with_limit(repos: Repos) -> None:
    for n in range(5):
        await repos.jobs.add(make_job(repos, n))
    recent = await repos.jobs.list_recent(3)
    assert [j.id for j in recent] == [f"{n:032x}" for n in (4, 3, 2)]
    assert all(j.created_at is not None and j.created_at.tzinfo is UTC or j.created_at.utcoffset() == timedelta(0)
               for j in recent)
