"""Re-grab generations: a new info hash for a release once Sonarr/Radarr has taken its download away.

Why: Sonarr and Radarr track a grab by its info hash. When a hash they already imported is grabbed again (the user
deleted a bad file and searched anew), they find the old import in their history, treat the new download as already
imported and never import it; with "Remove Completed" on they even delete it from the client. Our hashes are
deterministic (SHA-1 of `slug|S|E|language[|mode]`, as the reference's), so the same episode would always come back
under the same hash. After a completed torrent is deleted from the client (that is what Sonarr does after an import),
the release moves to the next generation: generation 0 is the reference's hash, generation N>0 is a hash derived from
it. The magnet's payload is unchanged, so the download works as before; only the identity Sonarr tracks is new.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.releases.magnets import (
    legacy_infohash,
    release_infohash,
)

if TYPE_CHECKING:
    from anibridge.domain.torznab.release import Release
    from anibridge.ports.repos import RegrabRepo

_XT = re.compile(r"(?<=xt=urn:btih:)[0-9a-f]{40}")


def regrab_hash(base: str, generation: int) -> str:
    """The info hash of `base` (a generation-0 hash) in `generation`; generation 0 is `base` itself."""
    if generation <= 0:
        return base
    return hashlib.sha1(f"{base}|regrab|{generation}".encode("ascii")).hexdigest()


def task_base_hash(task: ClientTask) -> str:
    """The generation-0 hash of the task's release (the site-specific one of today's magnets)."""
    mode = JobMode.STRM if task.mode is JobMode.STRM else None
    return release_infohash(task.ref, mode)


def task_base_hashes(task: ClientTask) -> tuple[str, ...]:
    """Every generation-0 hash the task may descend from: today's, and the site-less one an s.to or Megakino
    magnet carried before hashes named their site (such a task keeps the hash it was added under)."""
    mode = JobMode.STRM if task.mode is JobMode.STRM else None
    return tuple(dict.fromkeys((release_infohash(task.ref, mode), legacy_infohash(task.ref, mode))))


def in_generation(release: Release, generation: int) -> Release:
    """The release as published in `generation`: new hash in the magnet and attrs, a distinct guid."""
    if generation <= 0:
        return release
    new = regrab_hash(release.infohash, generation)
    return replace(
        release,
        infohash=new,
        magnet=_XT.sub(new, release.magnet, count=1),
        guid=f"{release.guid}:regrab-{generation}",
    )


async def publish(repo: RegrabRepo | None, releases: Sequence[Release]) -> list[Release]:
    """Every release in its current generation (one batched read)."""
    if repo is None or not releases:
        return list(releases)
    generations = await repo.generations(sorted({r.infohash for r in releases}))
    return [in_generation(r, generations.get(r.infohash, 0)) for r in releases]


async def retire(repo: RegrabRepo | None, tasks: Sequence[ClientTask], jobs: dict[str, Job]) -> None:
    """Advance the generation of every completed task being deleted that carries its release's current hash.

    A task of an older generation (deleted late) does not advance it again; unfinished and failed tasks keep
    theirs, so a retry after a failure is the same release and Sonarr's blocklist still applies to it.
    """
    if repo is None:
        return
    done = [t for t in tasks if t.job_id and _state(jobs.get(t.job_id)) is JobState.COMPLETED]
    if not done:
        return
    bases = {t.hash: task_base_hashes(t) for t in done}
    current = await repo.generations(sorted({b for group in bases.values() for b in group}))
    for task in done:
        for base in bases[task.hash]:
            generation = current.get(base, 0)
            if task.hash == regrab_hash(base, generation):
                await repo.advance(base, generation)
                break


def _state(job: Job | None) -> JobState | None:
    return job.state if job is not None else None
