"""The durable job queue's front door and its worker pool.

Jobs live in the JobRepo (SQLite or PostgreSQL), never only in memory: `submit` writes a queued row and nudges
the local workers; each worker claims the oldest queued job atomically with a lease, so several instances on
one PostgreSQL share the queue and a dead instance's jobs come back once their lease passes. An instance that
restarts requeues its own interrupted jobs at once (worker ids start with its stable instance id), and the
download resumes from its partial file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.kit.repeated import RepeatedFailure

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.ports.repos import JobRepo
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)


class JobExecutor(Protocol):
    """Runs one claimed job to a terminal state (or back to queued on shutdown); see `job_runner.JobRunner`."""

    async def run(self, job: Job, worker: str) -> None: ...

    def signal_cancel(self, job_id: str) -> None:
        """Fast path: the job runs in this process, stop it without waiting for the next lease write."""
        ...

    def signal_shutdown(self) -> None:
        """Abort every running job so it goes back to the queue and resumes after the restart."""
        ...


def new_job_id() -> str:
    """32 lowercase hex characters (a UUID4), as the reference and Sonarr's grab history expect."""
    return uuid.uuid4().hex


class JobScheduler:
    """Submits and cancels jobs; with an executor it also runs `concurrency` workers between start() and stop()."""

    def __init__(
        self,
        job_repo: JobRepo,
        clock: Clock,
        executor: JobExecutor | None = None,
        *,
        concurrency: int = 3,
        instance_id: str = "local",
        lease_seconds: float = 30.0,
        poll_interval: float = 1.0,
        id_factory: Callable[[], str] = new_job_id,
    ) -> None:
        self._repo = job_repo
        self._clock = clock
        self._executor = executor
        self._concurrency = max(1, concurrency)
        self._instance_id = instance_id
        self._lease = timedelta(seconds=lease_seconds)
        self._poll_interval = poll_interval
        self._claims = RepeatedFailure(log, "claiming the next download job (database unavailable?)")
        self._reaps = RepeatedFailure(log, "requeueing jobs with an expired lease")
        self._id_factory = id_factory
        self._wake: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._stopped: asyncio.Event | None = None

    @property
    def lease(self) -> timedelta:
        return self._lease

    @property
    def instance_id(self) -> str:
        return self._instance_id

    async def submit(
        self, ref: EpisodeRef, mode: JobMode, release_title: str, provider: str | None = None, target_dir: str = ""
    ) -> Job:
        """Create a queued job with a fresh id; a local worker picks it up immediately if one is idle."""
        now = self._clock.now()
        job = Job(
            id=self._id_factory(),
            ref=ref,
            mode=mode,
            release_title=release_title,
            provider=provider,
            created_at=now,
            updated_at=now,
            target_dir=target_dir,
        )
        await self._repo.add(job)
        log.info("job %s queued: %s (%s)", job.id, ref.label, mode.value)
        self.nudge()
        return job

    async def cancel(self, job_id: str) -> Job | None:
        """Queued → cancelled at once; running → cancel_requested, its worker stops at the next progress tick."""
        job = await self._repo.request_cancel(job_id)
        if job is not None and not job.state.is_terminal and self._executor is not None:
            self._executor.signal_cancel(job_id)
        return job

    def nudge(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def recover(self) -> int:
        """Requeue this instance's interrupted jobs and every job whose lease expired (a dead instance's)."""
        own = await self._repo.requeue_worker(f"{self._instance_id}/")
        expired = await self._repo.requeue_expired(self._clock.now())
        if own or expired:
            log.info("requeued %d interrupted job(s) of this instance and %d with an expired lease", own, expired)
        return own + expired

    async def start(self) -> None:
        if self._executor is None:
            raise RuntimeError("JobScheduler.start needs an executor")
        if self._tasks:
            return
        self._stopping = False
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        await self.recover()
        for n in range(self._concurrency):
            worker = f"{self._instance_id}/{n}"
            self._tasks.append(asyncio.create_task(self._work(worker), name=f"anibridge-worker-{n}"))
        self._tasks.append(asyncio.create_task(self._reaper(), name="anibridge-lease-reaper"))
        log.info("job scheduler started: %d worker(s), instance %s", self._concurrency, self._instance_id)

    def problem(self) -> str | None:
        """Why downloads would not run right now (for /health), or None. Workers survive job failures, so a dead
        worker task means a bug; a health check that says so beats downloads silently stuck in `queuedDL`."""
        if not self._tasks:
            return "not running"
        workers = self._tasks[: self._concurrency]
        dead = sum(1 for task in workers if task.done())
        if dead:
            return f"{dead} of {len(workers)} download worker(s) stopped; see the log"
        return None

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Running jobs are aborted and requeued (their partial files stay for the resume)."""
        if not self._tasks:
            return
        self._stopping = True
        if self._executor is not None:
            self._executor.signal_shutdown()
        if self._stopped is not None:
            self._stopped.set()
        self.nudge()
        tasks, self._tasks = self._tasks, []
        _done, pending = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        log.info("job scheduler stopped")

    async def _work(self, worker: str) -> None:
        assert self._executor is not None and self._wake is not None
        while not self._stopping:
            self._wake.clear()
            wait = self._poll_interval
            try:
                job = await self._repo.claim_next(worker, self._clock.now() + self._lease)
                self._claims.succeeded()
            except Exception as ex:  # noqa: BLE001 - a database hiccup must not kill the worker
                self._claims.failed(ex)  # logged once with a count, not once per worker and poll
                wait = min(30.0, self._poll_interval * 2 ** min(self._claims.count, 6))  # back off while it lasts
                job = None
            if job is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                continue
            try:
                await self._executor.run(job, worker)
            except Exception:  # noqa: BLE001 - the runner records failures itself; never lose the worker
                log.exception("worker %s crashed while running job %s", worker, job.id)

    async def _reaper(self) -> None:
        """Periodically hand back jobs whose lease expired, so another instance's crash is recovered here."""
        assert self._stopped is not None
        interval = max(self._lease.total_seconds() / 2, 0.5)
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=interval)
                return
            try:
                if await self._repo.requeue_expired(self._clock.now()):
                    self.nudge()
                self._reaps.succeeded()
            except Exception as ex:  # noqa: BLE001 - retried on the next round
                self._reaps.failed(ex)


__all__ = ["JobExecutor", "JobScheduler", "JobState", "new_job_id"]
