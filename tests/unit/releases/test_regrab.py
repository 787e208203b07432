"""Re-grab generations: a fresh info hash once a completed download of a release was deleted from the client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anibridge.adapters.memory import InMemoryRegrabRepo
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.releases.magnets import (
    build_magnet,
    legacy_infohash,
    parse_magnet,
    release_infohash,
)
from anibridge.domain.releases.regrab import (
    in_generation,
    publish,
    regrab_hash,
    retire,
)
from anibridge.domain.torznab.release import Release

pytestmark = pytest.mark.anyio

REF = EpisodeRef(Site.STO, "9-1-1", 1, 2, Language.GERMAN_DUB)
NOW = datetime(2026, 11, 23, tzinfo=UTC)
TITLE = "9.1.1.S01E02.720p.WEB.H264.GER-STO [STRM]"


def release() -> Release:
    base = release_infohash(REF, JobMode.STRM)
    return Release(TITLE, "sto:9-1-1:s1e2:German Dub:strm", build_magnet(REF, TITLE, "VOE", JobMode.STRM), base, 1,
                   (5000,), NOW)


def task(hash_: str, job: str = "j" * 32) -> ClientTask:
    return ClientTask(hash=hash_, name=TITLE, ref=REF, added_on=NOW, mode=JobMode.STRM, job_id=job)


def job(state: JobState, job_id: str = "j" * 32) -> Job:
    return Job(id=job_id, ref=REF, mode=JobMode.STRM, release_title=TITLE, state=state, created_at=NOW,
               updated_at=NOW)


def test_generation_zero_is_the_release_hash_and_later_ones_are_stable_and_distinct() -> None:
    base = release_infohash(REF, JobMode.STRM)
    assert release().infohash == base and regrab_hash(base, 0) == base
    assert regrab_hash(base, 1) == regrab_hash(base, 1)
    assert len({base, regrab_hash(base, 1), regrab_hash(base, 2)}) == 3


def test_a_release_in_a_later_generation_keeps_its_payload() -> None:
    r = release()
    assert in_generation(r, 0) == r
    later = in_generation(r, 2)
    payload = parse_magnet(later.magnet)
    assert payload.infohash == later.infohash == regrab_hash(r.infohash, 2)
    assert (payload.slug, payload.season, payload.episode, payload.language, payload.mode, payload.provider) == (
        "9-1-1", 1, 2, Language.GERMAN_DUB, "strm", "VOE")
    assert payload.title == TITLE and later.guid != r.guid
    assert later.magnet.replace(later.infohash, r.infohash) == r.magnet  # nothing else changed


async def test_only_a_completed_task_with_the_current_hash_advances_its_release() -> None:
    repo = InMemoryRegrabRepo()
    base = release().infohash
    await retire(repo, [task(base)], {"j" * 32: job(JobState.FAILED)})
    await retire(repo, [task(base)], {"j" * 32: job(JobState.CANCELLED)})
    await retire(repo, [task(base, job="")], {})
    assert await repo.generations([base]) == {}  # a retry after a failure stays the same release
    await retire(repo, [task(base)], {"j" * 32: job(JobState.COMPLETED)})
    assert await repo.generations([base]) == {base: 1}
    await retire(repo, [task(base)], {"j" * 32: job(JobState.COMPLETED)})  # an old-generation task, deleted late
    assert await repo.generations([base]) == {base: 1}
    await retire(repo, [task(regrab_hash(base, 1))], {"j" * 32: job(JobState.COMPLETED)})
    assert await repo.generations([base]) == {base: 2}
    [published] = await publish(repo, [release()])
    assert published.infohash == regrab_hash(base, 2)
    assert await publish(None, [release()]) == [release()]


async def test_a_task_added_under_the_old_site_less_hash_advances_that_hash() -> None:
    """An s.to grab from before hashes named their site keeps its hash; deleting it after import still moves
    its (old) release to the next generation."""
    repo = InMemoryRegrabRepo()
    old = legacy_infohash(REF, JobMode.STRM)
    assert old == "c81a2083d5093fe9f24925516c63363c16e0592f" != release().infohash
    await retire(repo, [task(old)], {"j" * 32: job(JobState.COMPLETED)})
    assert await repo.generations([old, release().infohash]) == {old: 1}
