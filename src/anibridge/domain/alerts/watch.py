"""Turns what the queue and the site board show into alerts, on a fixed interval in the background.

Polling the durable queue (not hooks in the runner) keeps alerting out of the download path entirely, and it
sees every instance's jobs when several share one database. The first look only learns what already failed,
so a restart does not re-announce old failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.domain.alerts.records import Alert, AlertKind
from anibridge.domain.jobs.records import Job, JobState

if TYPE_CHECKING:
    from anibridge.domain.alerts.sites import SiteBoard
    from anibridge.ports.repos import JobRepo
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WatchPolicy:
    site_down_seconds: float = 600.0
    job_stuck_seconds: float = 1800.0
    notify_completed: bool = False
    interval_seconds: float = 5.0
    window: int = 200
    """How many of the newest jobs each look reads."""


def job_subject(job: Job) -> str:
    return job.release_title or job.ref.label


class AlertWatch:
    """`tick()` compares the current state with the last look and emits what changed."""

    def __init__(
        self,
        jobs: JobRepo,
        board: SiteBoard,
        clock: Clock,
        emit: Callable[[Alert], object],
        policy: WatchPolicy = WatchPolicy(),
        workers_problem: Callable[[], str | None] | None = None,
    ) -> None:
        self._jobs = jobs
        self._board = board
        self._clock = clock
        self._emit = emit
        self._policy = policy
        self._workers_problem = workers_problem
        self._seen_terminal: set[str] | None = None
        self._sites_down: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> list[Alert]:
        alerts = await self._job_alerts()
        alerts += self._site_alerts()
        problem = self._workers_problem() if self._workers_problem is not None else None
        if problem is not None:
            alerts.append(Alert(AlertKind.WORKERS_STOPPED, "workers", "anibridge: downloads stalled", problem))
        for alert in alerts:
            self._emit(alert)
        return alerts

    async def _job_alerts(self) -> list[Alert]:
        jobs = await self._jobs.list_recent(self._policy.window)
        terminal = {j.id for j in jobs if j.state in (JobState.FAILED, JobState.COMPLETED)}
        first_look = self._seen_terminal is None
        seen = self._seen_terminal or set()
        self._seen_terminal = terminal  # ids that left the window are forgotten: the set stays small
        alerts: list[Alert] = []
        now = self._clock.now()
        for job in jobs:
            if job.state is JobState.DOWNLOADING and job.updated_at is not None:
                quiet = (now - job.updated_at).total_seconds()
                if quiet >= self._policy.job_stuck_seconds:
                    alerts.append(Alert(
                        AlertKind.JOB_STUCK, job.id, f"anibridge: download stuck: {job_subject(job)}",
                        f"No progress for {quiet / 60:.0f} minutes ({job.ref.label}, {job.progress:.0f} %).",
                    ))
            if first_look or job.id in seen or job.id not in terminal:
                continue
            if job.state is JobState.FAILED:
                alerts.append(Alert(
                    AlertKind.DOWNLOAD_FAILED, job_subject(job), f"anibridge: download failed: {job_subject(job)}",
                    f"{job.ref.label}: {job.message or 'no reason recorded'}",
                ))
            elif self._policy.notify_completed:
                alerts.append(Alert(
                    AlertKind.DOWNLOAD_COMPLETED, job_subject(job), f"anibridge: downloaded {job_subject(job)}",
                    job.result_path or job.ref.label, failure=False,
                ))
        return alerts

    def _site_alerts(self) -> list[Alert]:
        alerts: list[Alert] = []
        for status in self._board.snapshot():
            name = status.site.value
            down = self._board.down_for(status)
            if status.state == "down" and down >= self._policy.site_down_seconds and name not in self._sites_down:
                self._sites_down.add(name)
                what = "challenging us (captcha/block page)" if status.challenged else "unreachable"
                alerts.append(Alert(
                    AlertKind.SITE_DOWN, name, f"anibridge: {name} {what}",
                    f"{name} has been {what} for {down / 60:.0f} minutes: {status.last_error or 'no detail'}",
                ))
            elif status.state == "ok" and name in self._sites_down:
                self._sites_down.discard(name)
                alerts.append(Alert(
                    AlertKind.SITE_RECOVERED, name, f"anibridge: {name} is back",
                    f"{name} answers again.", failure=False,
                ))
        return alerts

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="anibridge-alert-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - a database hiccup must not end alerting for good
                log.exception("alert watch: look at the queue failed; trying again")
            await asyncio.sleep(self._policy.interval_seconds)
