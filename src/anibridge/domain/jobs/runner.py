"""Runs one claimed job: progress persisted at a bounded rate, lease kept alive, cancel honoured, result recorded.

The download itself runs in a thread (yt-dlp); it hands progress samples over through a plain attribute and
polls a flag to stop, so the thread never touches the event loop. A heartbeat task on the loop writes the
latest sample at most once per second (and only when the 1 % step changed, or the lease needs renewing),
and learns from the write whether the job was cancelled elsewhere (another instance, the API) or taken over
after a lease expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from anibridge.domain.jobs.lifecycle import CANCELLED_MESSAGE
from anibridge.domain.jobs.records import (
    JobMode,
    JobState,
    ProgressUpdate,
)
from anibridge.ports.errors import DownloadCancelled, DownloadFailed, PortError

if TYPE_CHECKING:
    from anibridge.domain.jobs.download import EpisodeDownload
    from anibridge.domain.jobs.records import Job
    from anibridge.domain.jobs.strm_files import StrmWriter
    from anibridge.ports.repos import ClientTaskRepo, JobRepo
    from anibridge.ports.streams import DownloadProgress
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MAX_ATTEMPTS = 5  # a job that keeps dying with its process (crash loop) is failed instead of retried forever
UNFINISHED_MAX_PERCENT = 99.9
"""Progress of a job that is not `completed` stays below 100 %: clients such as @ctrl/qbittorrent call a torrent
finished at progress 1.0, and the file only has its final name once the job is `completed`."""
RECORD_RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0)
"""Back-off for the completion write while the database is unavailable. After that the job keeps its lease
until it expires; the next attempt finds the final file on disk and adopts it (no second download)."""
_RUNNING = frozenset({JobState.DOWNLOADING})


class _Control:
    """Per-job flags shared with the download thread (threading.Event: safe from any thread)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.user_cancel = False
        self.shutdown = False
        self.lost = False
        self.latest: DownloadProgress | None = None

    def is_cancelled(self) -> bool:
        return self.stop.is_set()

    def on_progress(self, progress: DownloadProgress) -> None:
        self.latest = progress


def _update(sample: DownloadProgress) -> ProgressUpdate:
    total = sample.total_bytes if sample.total_bytes and sample.total_bytes > 0 else None
    pct = min(UNFINISHED_MAX_PERCENT, max(0.0, sample.downloaded_bytes * 100.0 / total)) if total else 0.0
    return ProgressUpdate(sample.downloaded_bytes, total, sample.speed, sample.eta, round(pct, 2))


class JobRunner:
    """Turns one claimed job into a terminal state while keeping its lease alive, so another instance takes it
    over only if this process dies, and a cancel from any instance stops the download thread."""

    def __init__(
        self,
        job_repo: JobRepo,
        clock: Clock,
        download: EpisodeDownload,
        strm: StrmWriter,
        client_tasks: ClientTaskRepo | None = None,
        *,
        lease: timedelta = timedelta(seconds=30),
        tick_seconds: float = 0.25,
        min_write_interval: float = 1.0,
        on_sample: Callable[[str, DownloadProgress], None] | None = None,
        record_retry_delays: Sequence[float] = RECORD_RETRY_DELAYS,
    ) -> None:
        self._record_delays = tuple(record_retry_delays)
        self._repo = job_repo
        self._clock = clock
        self._download = download
        self._strm = strm
        self._tasks = client_tasks
        self._lease = lease
        self._tick = tick_seconds
        self._min_interval = min_write_interval
        self._running: dict[str, _Control] = {}
        self._shutdown = False
        self._on_sample = on_sample  # live view (CLI progress bar), called on the loop every tick

    def signal_cancel(self, job_id: str) -> None:
        control = self._running.get(job_id)
        if control is not None:
            control.user_cancel = True
            control.stop.set()

    def signal_shutdown(self) -> None:
        self._shutdown = True
        for control in self._running.values():
            control.shutdown = True
            control.stop.set()

    def reset(self) -> None:
        """Allow running again after a shutdown (tests, in-process CLI)."""
        self._shutdown = False

    async def run(self, job: Job, worker: str) -> None:
        if job.attempts > MAX_ATTEMPTS and not job.cancel_requested:
            await self._fail(job, f"gave up after {MAX_ATTEMPTS} interrupted attempts")
            return
        control = _Control()
        control.shutdown = self._shutdown
        if self._shutdown:
            control.stop.set()
        if job.cancel_requested:
            control.user_cancel = True
            control.stop.set()
        self._running[job.id] = control
        heartbeat = asyncio.create_task(self._heartbeat(job, worker, control))
        try:
            await self._execute(job, worker, control)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            self._running.pop(job.id, None)

    async def _execute(self, job: Job, worker: str, control: _Control) -> None:
        try:
            if job.mode is JobMode.STRM:
                strm = await self._strm.run(job, control.is_cancelled, on_wait=lambda text: self._note(job.id, text))
                path, provider, size, message = strm.path, strm.provider, strm.size, strm.message
            else:
                result = await self._download.run(job, control.on_progress, control.is_cancelled,
                                                  on_wait=lambda text: self._note(job.id, text))
                path, provider, size, message = result.path, result.provider, result.size, None
        except DownloadCancelled:
            await self._stopped(job, control)
            return
        except PermissionError as ex:
            await self._fail(job, f"Download dir not writable: {ex}")
            return
        except (DownloadFailed, PortError) as ex:
            if control.user_cancel:
                await self._stopped(job, control)
                return
            await self._fail(job, str(ex) or type(ex).__name__)
            return
        except Exception as ex:  # noqa: BLE001 - any bug in one job must end that job, not the worker
            log.exception("job %s crashed", job.id)
            await self._fail(job, f"Unexpected error: {type(ex).__name__}: {ex}")
            return
        if control.user_cancel:  # cancelled just as it finished: drop the result; _stopped removes the partials
            with contextlib.suppress(Exception):
                path.unlink(missing_ok=True)
            await self._stopped(job, control)
            return
        final = ProgressUpdate(size, size, None, 0, UNFINISHED_MAX_PERCENT)
        try:
            await self._with_retry(job.id, "record the finished size", lambda: self._repo.record_progress(
                job.id, final, self._clock.now() + self._lease, worker))
            done = await self._with_retry(job.id, "mark it completed", lambda: self._repo.transition(
                job.id, _RUNNING, JobState.COMPLETED, message=message, result_path=str(path),
                provider_used=provider))
        except Exception as ex:  # noqa: BLE001 - the database stayed away; the next attempt adopts the file
            log.warning("job %s: %s is final but the database stayed unavailable (%s); the job is resumed after "
                        "its lease and adopts the file", job.id, path.name, _first_line(ex))
            return
        if done is None:
            log.warning("job %s finished but is no longer ours; leaving its state alone", job.id)
            return
        await self._complete_task(job.id, str(path))

    async def _with_retry(self, job_id: str, what: str, write: Callable[[], Awaitable[_T]]) -> _T:
        """Run a database write, waiting out an outage with bounded back-off; the last failure propagates.

        Identical failures are logged once with their count, not once per attempt.
        """
        delays = list(self._record_delays)
        failures = 0
        while True:
            try:
                result = await write()
            except Exception as ex:  # noqa: BLE001 - any driver error: the database is unavailable for now
                failures += 1
                if failures == 1:
                    log.warning("job %s: cannot %s: %s; retrying", job_id, what, _first_line(ex))
                if not delays:
                    log.warning("job %s: cannot %s after %d attempts", job_id, what, failures)
                    raise
                await asyncio.sleep(delays.pop(0))
                continue
            if failures:
                log.info("job %s: could %s after %d failed attempts", job_id, what, failures)
            return result

    async def _note(self, job_id: str, text: str) -> None:
        """Why a running job (download or `.strm`) waits, shown as the torrent's message; "" clears it. Best effort."""
        try:
            await self._repo.transition(job_id, _RUNNING, JobState.DOWNLOADING, message=text)
        except Exception as ex:  # noqa: BLE001 - the database may be the very thing that is away
            log.debug("job %s: cannot record the wait message: %s", job_id, ex)

    async def _stopped(self, job: Job, control: _Control) -> None:
        """Cancel → `cancelled` + partials removed; shutdown → back to the queue (resume); lost → nothing."""
        if control.user_cancel:
            await asyncio.to_thread(self._download.discard_partials, job.id)  # deletes: off the event loop
            # Try both paths: the API may have set the flag (downloading) or the job may still be queued.
            await self._repo.transition(job.id, _RUNNING, JobState.CANCELLED, message=CANCELLED_MESSAGE)
            log.info("job %s cancelled", job.id)
        elif control.lost:
            log.warning("job %s was taken over by another worker after its lease expired", job.id)
        else:
            requeued = await self._repo.transition(job.id, _RUNNING, JobState.QUEUED,
                                                   message="Interrupted by shutdown; resumes on restart")
            log.info("job %s %s", job.id, "requeued for resume" if requeued else "stopped")

    async def _fail(self, job: Job, message: str) -> None:
        log.warning("job %s failed: %s", job.id, message)
        await self._repo.transition(job.id, _RUNNING, JobState.FAILED, message=message)

    async def _complete_task(self, job_id: str, path: str) -> None:
        if self._tasks is None:
            return
        try:
            task = await self._tasks.get_by_job(job_id)
            if task is not None:
                await self._tasks.upsert(dataclasses.replace(task, content_path=path, completion_on=self._clock.now()))
        except Exception:  # noqa: BLE001 - the job is done; the task view heals on the next read
            log.exception("could not record the content path of job %s", job_id)

    async def _heartbeat(self, job: Job, worker: str, control: _Control) -> None:
        """Persist progress (≤ 1 write/s, on 1 % steps), renew the lease, notice cancel/takeover."""
        renew_every = max(self._lease.total_seconds() / 3, self._min_interval)
        last_write = self._clock.monotonic()
        last_step: int | None = None
        last_sample: DownloadProgress | None = None
        write_failures = 0
        while not control.stop.is_set():
            await asyncio.sleep(self._tick)
            sample = control.latest
            if sample is not None and self._on_sample is not None:
                self._on_sample(job.id, sample)
            now = self._clock.monotonic()
            elapsed = now - last_write
            step = None
            if sample is not None and sample.total_bytes:
                step = int(sample.downloaded_bytes * 100 // sample.total_bytes)
            changed = sample is not None and sample is not last_sample and (step is None or step != last_step)
            if not ((changed and elapsed >= self._min_interval) or elapsed >= renew_every):
                continue
            update = _update(sample) if sample is not None else None
            try:
                if update is None:
                    current = await self._repo.get(job.id)
                    if current is None:
                        ok = False
                    else:
                        ok = await self._repo.record_progress(
                            job.id, ProgressUpdate(current.downloaded_bytes, current.total_bytes, current.speed,
                                                   current.eta, current.progress),
                            self._clock.now() + self._lease, worker)
                else:
                    ok = await self._repo.record_progress(job.id, update, self._clock.now() + self._lease, worker)
            except Exception as ex:  # noqa: BLE001 - a missed write is retried on the next tick
                write_failures += 1
                if write_failures == 1:  # an outage fails every tick: say it once, then the count when it ends
                    log.warning("job %s: progress write failed (database unavailable?): %s", job.id, _first_line(ex))
                last_write = now  # wait a whole interval before the next try, not one tick
                continue
            if write_failures:
                log.info("job %s: progress writes work again after %d failures", job.id, write_failures)
                write_failures = 0
            last_write, last_step, last_sample = now, step, sample
            if not ok:
                await self._on_rejected(job.id, worker, control)

    async def _on_rejected(self, job_id: str, worker: str, control: _Control) -> None:
        current = await self._repo.get(job_id)
        if current is not None and current.cancel_requested:
            control.user_cancel = True
        elif current is None or current.state is not JobState.DOWNLOADING or current.worker != worker:
            control.lost = True
        else:
            return
        control.stop.set()


def _first_line(ex: BaseException) -> str:
    """Drivers append SQL and links on later lines; the first says what happened."""
    lines = str(ex).strip().splitlines()
    return (lines[0] if lines else type(ex).__name__)[:300]
