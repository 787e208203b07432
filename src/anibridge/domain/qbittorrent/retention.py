"""DOWNLOADS_TTL_HOURS: finished media older than the TTL is deleted, with the task that shows it.

Why: the setting was documented ("finished media older than this is deleted") but nothing used it, so a
download directory Sonarr never imports from (or imports by copy) grew without bound. Age counts from the
completion (the task's `completion_on`, else the job's last update); unfinished and failed jobs are never
touched. Jobs of the JSON job API have no task; their finished file goes the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from anibridge.domain.jobs.records import JobState
from anibridge.domain.qbittorrent.files import remove_files

if TYPE_CHECKING:
    from anibridge.domain.jobs.records import Job
    from anibridge.domain.qbittorrent.records import ClientTask
    from anibridge.ports.repos import ClientTaskRepo, JobRepo
    from anibridge.ports.system import Clock, FileStore

log = logging.getLogger(__name__)

RECENT_JOBS_SCANNED = 1000  # JSON-API jobs looked at per sweep (newest first); older ones were swept before


class ExpiredMediaSweeper:
    """One `sweep()` removes what is past the TTL; `start()`/`stop()` run it periodically in the background."""

    def __init__(self, jobs: JobRepo, tasks: ClientTaskRepo, files: FileStore, clock: Clock, ttl: timedelta,
                 interval_seconds: float | None = None) -> None:
        self._jobs = jobs
        self._tasks = tasks
        self._files = files
        self._clock = clock
        self._ttl = ttl
        self._interval = interval_seconds or min(600.0, max(60.0, ttl.total_seconds() / 4))
        self._loop: asyncio.Task[None] | None = None

    async def sweep(self) -> int:
        """Remove expired finished media and their tasks; returns how many jobs' media went."""
        cutoff = self._clock.now() - self._ttl
        tasks = list(await self._tasks.list())
        jobs = await self._jobs.get_many([t.job_id for t in tasks if t.job_id])
        expired: list[tuple[ClientTask, Job | None]] = []
        for task in tasks:
            job = jobs.get(task.job_id) if task.job_id else None
            if job is None or job.state is not JobState.COMPLETED:
                continue
            finished = task.completion_on or job.updated_at
            if finished is not None and finished < cutoff:
                expired.append((task, job))
        with_task = {t.job_id for t in tasks if t.job_id}
        orphans = [j for j in await self._jobs.list_recent(RECENT_JOBS_SCANNED)
                   if j.id not in with_task and j.state is JobState.COMPLETED and j.result_path
                   and j.updated_at is not None and j.updated_at < cutoff]
        if expired:
            await asyncio.to_thread(remove_files, self._files, expired)
            await self._tasks.delete([t.hash for t, _ in expired])
        if orphans:
            await asyncio.to_thread(self._delete_results, orphans)
        count = len(expired) + len(orphans)
        if count:
            log.info("removed %d finished download(s) older than DOWNLOADS_TTL_HOURS=%g", count,
                     self._ttl.total_seconds() / 3600)
        return count

    def _delete_results(self, jobs: list[Job]) -> None:
        for job in jobs:
            try:
                self._files.delete(Path(job.result_path or ""))
            except (OSError, ValueError) as ex:
                log.warning("cannot delete %s of job %s: %s", job.result_path, job.id, ex)

    async def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._run(), name="anibridge-ttl-sweeper")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # noqa: BLE001 - a database hiccup: try again next round
                log.warning("DOWNLOADS_TTL_HOURS sweep failed; retrying in %.0f s", self._interval, exc_info=True)
            await asyncio.sleep(self._interval)
