"""Job lifecycle rules and the pure job → qBittorrent 5 state mapping.

States: queued → downloading → completed | failed | cancelled; queued → cancelled; downloading → queued only
to requeue a job whose worker died (lease expired). Everything else is a bug and raises `IllegalTransition`,
so a lost race or a double finish is noticed instead of silently overwriting a terminal state.

qBittorrent names follow qB 5 / WebAPI ≥ 2.11 (arr-contracts §1.5, §7): finished is `stoppedUP` (Sonarr:
Completed), paused/cancelled is `stoppedDL`, waiting is `queuedDL`; `stalledDL` is never reported because
Sonarr shows it as a warning although nothing is wrong.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from anibridge.domain.records import ClientTask, Job, JobState

CANCELLED_MESSAGE = "Cancelled by user"
"""The message of every cancelled job, whoever cancels it (runner, repository, another instance)."""

_ALLOWED: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.DOWNLOADING, JobState.CANCELLED}),
    JobState.DOWNLOADING: frozenset(
        {JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.QUEUED}
    ),
    JobState.COMPLETED: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}


class IllegalTransition(ValueError):
    """A state change the lifecycle does not allow (e.g. completed → downloading)."""

    def __init__(self, job_id: str, old: JobState, new: JobState) -> None:
        super().__init__(f"job {job_id}: illegal transition {old.value} -> {new.value}")
        self.job_id = job_id
        self.old = old
        self.new = new


def allowed_sources(new_state: JobState) -> frozenset[JobState]:
    """States from which `new_state` may be entered (the `expected` set for `JobRepo.transition`)."""
    return frozenset(old for old, targets in _ALLOWED.items() if new_state in targets)


def can_transition(old: JobState, new: JobState) -> bool:
    return new in _ALLOWED[old]


def transition(job: Job, new_state: JobState, now: datetime) -> Job:
    """Return a copy of `job` in `new_state` with `updated_at = now`; raise IllegalTransition otherwise.

    Completing sets progress to 100 %; requeueing clears the worker lease so another worker may claim it.
    """
    if not can_transition(job.state, new_state):
        raise IllegalTransition(job.id, job.state, new_state)
    changes: dict[str, object] = {"state": new_state, "updated_at": now}
    if new_state is JobState.COMPLETED:
        changes["progress"] = 100.0
        if job.total_bytes is not None:
            changes["downloaded_bytes"] = job.total_bytes
        changes["speed"] = None
        changes["eta"] = 0
    elif new_state is JobState.QUEUED:
        changes["worker"] = None
        changes["lease_until"] = None
    elif new_state is JobState.DOWNLOADING:
        changes["attempts"] = job.attempts + 1
        changes["message"] = None
    return dataclasses.replace(job, **changes)  # type: ignore[arg-type]


# qBittorrent 5 state names used here.
QUEUED_DL = "queuedDL"
DOWNLOADING = "downloading"
STOPPED_UP = "stoppedUP"
STOPPED_DL = "stoppedDL"
ERROR = "error"


def qbit_state(job: Job | None, task: ClientTask | None = None) -> str:
    """qBittorrent `state` for a task and its (optional) job."""
    if job is None or job.state is JobState.QUEUED:
        return STOPPED_DL if task is not None and task.stopped else QUEUED_DL
    return {
        JobState.DOWNLOADING: DOWNLOADING,
        JobState.COMPLETED: STOPPED_UP,
        JobState.FAILED: ERROR,
        JobState.CANCELLED: STOPPED_DL,
    }[job.state]


def qbit_progress(job: Job | None) -> float:
    """Progress fraction 0..1 for qBittorrent. `Job.progress` is a percentage (0–100, as the reference row).

    Byte counts win when the total is known (they are what was actually written); completed is always 1.0.
    """
    if job is None:
        return 0.0
    if job.state is JobState.COMPLETED:
        return 1.0
    if job.total_bytes and job.total_bytes > 0:
        frac = job.downloaded_bytes / job.total_bytes
    else:
        frac = job.progress / 100.0
    return min(1.0, max(0.0, frac))
