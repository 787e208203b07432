"""In-memory repositories with the same semantics as the SQL ones, for unit tests and library use.

They run the same shared repository test-suite as the SQL adapters (`tests/integration/sql/`), so a use case
tested against them behaves the same on SQLite and PostgreSQL. Each method finishes without awaiting, so every
operation is atomic within one event loop. Records are copied in and out: callers never share state with the
store.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import datetime

from anibridge.adapters.clock import SystemClock
from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.jobs.lifecycle import CANCELLED_MESSAGE
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
from anibridge.ports.system import Clock

_RUNNING = JobState.DOWNLOADING


class InMemoryJobRepo:
    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or SystemClock()
        self._jobs: dict[str, Job] = {}
        self._order: dict[str, int] = {}
        self._counter = itertools.count()

    async def add(self, job: Job) -> None:
        if job.id in self._jobs:
            raise ValueError(f"job {job.id} already exists")
        stored = dataclasses.replace(job)
        now = self._clock.now()
        stored.created_at = stored.created_at or now
        stored.updated_at = stored.updated_at or stored.created_at
        self._jobs[job.id] = stored
        self._order[job.id] = next(self._counter)

    async def get(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        return dataclasses.replace(job) if job else None

    async def get_many(self, job_ids: Sequence[str]) -> dict[str, Job]:
        return {i: dataclasses.replace(self._jobs[i]) for i in job_ids if i in self._jobs}

    async def claim_next(self, worker: str, lease_until: datetime) -> Job | None:
        queued = [j for j in self._jobs.values() if j.state is JobState.QUEUED]
        if not queued:
            return None
        job = min(queued, key=lambda j: (j.created_at or lease_until, self._order[j.id]))
        job.state = _RUNNING
        job.worker = worker
        job.lease_until = lease_until
        job.attempts += 1
        job.message = None
        job.updated_at = self._clock.now()
        return dataclasses.replace(job)

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
        job = self._jobs.get(job_id)
        if job is None or job.state not in expected:
            return None
        job.state = new_state
        job.message = message if message is not None else job.message
        job.result_path = result_path if result_path is not None else job.result_path
        job.provider_used = provider_used if provider_used is not None else job.provider_used
        if new_state is JobState.COMPLETED:
            job.progress = 100.0
        if new_state is JobState.QUEUED:
            job.worker = None
        if new_state is not _RUNNING:
            job.lease_until = None
        job.updated_at = self._clock.now()
        return dataclasses.replace(job)

    async def record_progress(
        self, job_id: str, update: ProgressUpdate, lease_until: datetime, worker: str | None = None
    ) -> bool:
        job = self._jobs.get(job_id)
        if job is None or job.state is not _RUNNING or job.cancel_requested:
            return False
        if worker is not None and job.worker != worker:
            return False
        job.downloaded_bytes = update.downloaded_bytes
        job.total_bytes = update.total_bytes
        job.speed = update.speed
        job.eta = update.eta
        job.progress = update.progress
        job.lease_until = lease_until
        job.updated_at = self._clock.now()
        return True

    async def request_cancel(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None:
            return None
        if job.state is JobState.QUEUED:
            job.state = JobState.CANCELLED
            job.message = CANCELLED_MESSAGE
            job.updated_at = self._clock.now()
        elif job.state is _RUNNING and not job.cancel_requested:
            job.cancel_requested = True
            job.updated_at = self._clock.now()
        return dataclasses.replace(job)

    async def requeue_expired(self, now: datetime) -> int:
        stale = [
            j for j in self._jobs.values()
            if j.state is _RUNNING and j.lease_until is not None and j.lease_until < now
        ]
        return self._requeue(stale)

    async def requeue_worker(self, worker_prefix: str) -> int:
        mine = [
            j for j in self._jobs.values()
            if j.state is _RUNNING and j.worker is not None and j.worker.startswith(worker_prefix)
        ]
        return self._requeue(mine)

    def _requeue(self, jobs: list[Job]) -> int:
        """Back to the queue; a job whose cancel was already requested ends cancelled instead."""
        now = self._clock.now()
        for job in jobs:
            if job.cancel_requested:
                job.state = JobState.CANCELLED
                job.message = CANCELLED_MESSAGE
            else:
                job.state = JobState.QUEUED
            job.worker = None
            job.lease_until = None
            job.updated_at = now
        return len(jobs)

    async def list_recent(self, limit: int = 100) -> Sequence[Job]:
        ordered = sorted(
            self._jobs.values(), key=lambda j: (j.created_at or self._clock.now(), self._order[j.id]), reverse=True
        )
        return [dataclasses.replace(j) for j in ordered[: max(0, limit)]]

    async def relocate(
        self,
        job_id: str,
        *,
        target_dir: str | None = None,
        release_title: str | None = None,
        result_path: str | None = None,
    ) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None:
            return None
        job.target_dir = target_dir if target_dir is not None else job.target_dir
        job.release_title = release_title if release_title is not None else job.release_title
        job.result_path = result_path if result_path is not None else job.result_path
        job.updated_at = self._clock.now()
        return dataclasses.replace(job)


class InMemoryClientTaskRepo:
    def __init__(self) -> None:
        self._tasks: dict[str, ClientTask] = {}
        self._removed: dict[str, int] = {}
        self._categories: dict[str, Category] = {}
        self._tags: set[str] = set()
        self._seq = 0

    async def upsert(self, task: ClientTask) -> None:
        self._seq += 1
        task.updated_seq = self._seq
        self._tasks[task.hash] = dataclasses.replace(task)
        self._removed.pop(task.hash, None)

    async def get(self, hash_: str) -> ClientTask | None:
        task = self._tasks.get(hash_)
        return dataclasses.replace(task) if task else None

    async def insert_if_absent(self, task: ClientTask) -> bool:
        if task.hash in self._tasks:
            return False
        await self.upsert(task)
        return True

    async def swap_job(self, hash_: str, expected_job_id: str | None, job_id: str) -> bool:
        task = self._tasks.get(hash_)
        if task is None or task.job_id != expected_job_id:
            return False
        await self.upsert(dataclasses.replace(task, job_id=job_id, stopped=False, content_path=None,
                                              completion_on=None))
        return True

    async def get_by_job(self, job_id: str) -> ClientTask | None:
        found = [t for t in self._tasks.values() if t.job_id == job_id]
        if not found:
            return None
        return dataclasses.replace(max(found, key=lambda t: (t.added_on, t.updated_seq)))

    async def list(self, hashes: Sequence[str] | None = None) -> Sequence[ClientTask]:
        tasks = self._tasks.values() if hashes is None else [self._tasks[h] for h in hashes if h in self._tasks]
        ordered = sorted(tasks, key=lambda t: (t.added_on, t.hash))
        return [dataclasses.replace(t) for t in ordered]

    async def delete(self, hashes: Sequence[str]) -> int:
        count = 0
        for hash_ in dict.fromkeys(hashes):
            if self._tasks.pop(hash_, None) is not None:
                self._seq += 1
                self._removed[hash_] = self._seq
                count += 1
        return count

    async def changes_since(self, seq: int) -> tuple[Sequence[ClientTask], Sequence[str], int]:
        changed = sorted((t for t in self._tasks.values() if t.updated_seq > seq), key=lambda t: t.updated_seq)
        removed = [h for h, s in sorted(self._removed.items(), key=lambda kv: kv[1]) if s > seq]
        return [dataclasses.replace(t) for t in changed], removed, self._seq

    async def categories(self) -> Sequence[Category]:
        return [self._categories[name] for name in sorted(self._categories)]

    async def save_category(self, category: Category) -> None:
        self._categories[category.name] = category

    async def tags(self) -> Sequence[str]:
        return sorted(self._tags)

    async def save_tags(self, names: Sequence[str]) -> None:
        self._tags.update(names)

    async def delete_tags(self, names: Sequence[str]) -> None:
        self._tags.difference_update(names)

    async def delete_categories(self, names: Sequence[str]) -> None:
        for name in names:
            self._categories.pop(name, None)


class InMemoryAvailabilityRepo:
    def __init__(self) -> None:
        self._rows: dict[EpisodeRef, Availability] = {}

    async def get(self, ref: EpisodeRef) -> Availability | None:
        row = self._rows.get(ref)
        return dataclasses.replace(row, extra=dict(row.extra)) if row else None

    async def get_many(self, refs: Sequence[EpisodeRef]) -> dict[EpisodeRef, Availability]:
        return {r: dataclasses.replace(self._rows[r], extra=dict(self._rows[r].extra)) for r in refs if r in self._rows}

    async def put(self, availability: Availability) -> None:
        self._rows[availability.ref] = dataclasses.replace(availability, extra=dict(availability.extra))


class InMemoryStrmMappingRepo:
    def __init__(self) -> None:
        self._rows: dict[tuple[EpisodeRef, str], StrmMapping] = {}

    async def get(self, ref: EpisodeRef, provider_hint: str) -> StrmMapping | None:
        row = self._rows.get((ref, provider_hint))
        return dataclasses.replace(row, headers=dict(row.headers)) if row else None

    async def put(self, mapping: StrmMapping) -> None:
        self._rows[(mapping.ref, mapping.provider_hint)] = dataclasses.replace(mapping, headers=dict(mapping.headers))

    async def delete(self, ref: EpisodeRef, provider_hint: str) -> None:
        self._rows.pop((ref, provider_hint), None)


def _conformance() -> None:  # pragma: no cover - mypy checks that each class satisfies its port
    from anibridge.ports.repos import AvailabilityRepo, ClientTaskRepo, JobRepo, StrmMappingRepo

    _jobs: JobRepo = InMemoryJobRepo()
    _tasks: ClientTaskRepo = InMemoryClientTaskRepo()
    _avail: AvailabilityRepo = InMemoryAvailabilityRepo()
    _strm: StrmMappingRepo = InMemoryStrmMappingRepo()


class InMemoryRegrabRepo:
    def __init__(self) -> None:
        self._generations: dict[str, int] = {}

    async def generations(self, base_hashes: Sequence[str]) -> dict[str, int]:
        return {h: self._generations[h] for h in base_hashes if h in self._generations}

    async def advance(self, base_hash: str, past: int) -> None:
        self._generations[base_hash] = max(self._generations.get(base_hash, 0), past + 1)
