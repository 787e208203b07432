"""Repository ports. Async so SQL adapters can run on their own executor without blocking the event loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.jobs.records import (
    Job,
    JobState,
    ProgressUpdate,
)
from anibridge.domain.qbittorrent.records import (
    Category,
    ClientTask,
)
from anibridge.domain.streams.records import Availability
from anibridge.domain.strm.records import StrmMapping


class JobRepo(Protocol):
    async def add(self, job: Job) -> None: ...

    async def get(self, job_id: str) -> Job | None: ...

    async def get_many(self, job_ids: Sequence[str]) -> dict[str, Job]: ...

    async def claim_next(self, worker: str, lease_until: datetime) -> Job | None:
        """Atomically move the oldest queued job to downloading for `worker`; never hands one job out twice."""
        ...

    async def transition(
        self,
        job_id: str,
        expected: frozenset[JobState],
        new_state: JobState,
        *,
        message: str | None = None,
        result_path: str | None = None,
        provider_used: str | None = None,
    ) -> Job | None:
        """Conditional state change; None when the job is missing or not in `expected` (lost a race)."""
        ...

    async def record_progress(
        self, job_id: str, update: ProgressUpdate, lease_until: datetime, worker: str | None = None
    ) -> bool:
        """Write progress and extend the lease; False when the job is no longer ours or cancel was requested.

        "Ours" = still `downloading` and, when `worker` is given, still claimed by that worker (after a lease
        expiry another worker may have re-claimed it).
        """
        ...

    async def request_cancel(self, job_id: str) -> Job | None:
        """Queued jobs become cancelled at once; running ones get `cancel_requested` for their worker to see."""
        ...

    async def requeue_expired(self, now: datetime) -> int:
        """Jobs left `downloading` by a dead worker (lease passed) go back to `queued`; returns how many."""
        ...

    async def requeue_worker(self, worker_prefix: str) -> int:
        """Jobs still `downloading` under a worker id starting with `worker_prefix` go back to `queued`.

        Called at startup with this instance's own prefix: its previous process died, so its jobs resume now
        instead of waiting for their lease to expire. Returns how many.
        """
        ...

    async def list_recent(self, limit: int = 100) -> Sequence[Job]: ...

    async def relocate(
        self,
        job_id: str,
        *,
        target_dir: str | None = None,
        release_title: str | None = None,
        result_path: str | None = None,
    ) -> Job | None:
        """Change where a job's file goes or is (a client moved or renamed its torrent); state untouched.
        None when the job is missing. A job already running keeps the destination it was claimed with."""
        ...


class ClientTaskRepo(Protocol):
    async def upsert(self, task: ClientTask) -> None: ...

    async def get(self, hash_: str) -> ClientTask | None: ...

    async def insert_if_absent(self, task: ClientTask) -> bool:
        """Atomically insert `task` unless its hash exists; True only for the one call that inserted it.

        This is what makes concurrent adds of one magnet (even from several instances on one database) create
        exactly one task; an insert bumps the change counter like `upsert` and writes `updated_seq` back.
        """
        ...

    async def swap_job(self, hash_: str, expected_job_id: str | None, job_id: str) -> bool:
        """Point the task at `job_id` (and mark it started: stopped/content_path/completion_on cleared) only if
        its current job is still `expected_job_id` (None matches "no job"); True when this call changed it.

        A concurrent delete or a concurrent restart of the same task makes this return False, so the caller
        cancels the job it just submitted instead of clobbering the other writer.
        """
        ...

    async def get_by_job(self, job_id: str) -> ClientTask | None:
        """The task whose current job is `job_id` (the runner sets content_path/completion_on through it)."""
        ...

    async def list(self, hashes: Sequence[str] | None = None) -> Sequence[ClientTask]: ...

    async def delete(self, hashes: Sequence[str]) -> int: ...

    async def changes_since(self, seq: int) -> tuple[Sequence[ClientTask], Sequence[str], int]:
        """For sync/maindata `rid` diffing: tasks upserted after `seq`, hashes deleted after `seq`, current seq.

        Every upsert and delete bumps one monotonically increasing counter; `upsert` stores the new value in
        `updated_seq` (and writes it back onto the passed task).
        """
        ...

    async def categories(self) -> Sequence[Category]: ...

    async def save_category(self, category: Category) -> None: ...

    async def delete_categories(self, names: Sequence[str]) -> None: ...

    async def tags(self) -> Sequence[str]:
        """The global tag list (createTags/addTags), whether or not a task carries the tag right now."""
        ...

    async def save_tags(self, names: Sequence[str]) -> None: ...

    async def delete_tags(self, names: Sequence[str]) -> None: ...


class RegrabRepo(Protocol):
    """Generation counters of releases, keyed by their generation-0 info hash (see domain/regrab.py)."""

    async def generations(self, base_hashes: Sequence[str]) -> dict[str, int]:
        """Known generations; a hash that is absent is in generation 0."""
        ...

    async def advance(self, base_hash: str, past: int) -> None:
        """Set the generation to `past + 1` unless it is already higher (safe when two instances race)."""
        ...


class AvailabilityRepo(Protocol):
    async def get(self, ref: EpisodeRef) -> Availability | None: ...

    async def get_many(self, refs: Sequence[EpisodeRef]) -> dict[EpisodeRef, Availability]: ...

    async def put(self, availability: Availability) -> None: ...


class StrmMappingRepo(Protocol):
    async def get(self, ref: EpisodeRef, provider_hint: str) -> StrmMapping | None: ...

    async def put(self, mapping: StrmMapping) -> None: ...

    async def delete(self, ref: EpisodeRef, provider_hint: str) -> None: ...
