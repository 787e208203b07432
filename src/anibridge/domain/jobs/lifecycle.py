"""Job lifecycle rules.

States: queued → downloading → completed | failed | cancelled; queued → cancelled; downloading → queued only
to requeue a job whose worker died (lease expired). Everything else is a bug and raises `IllegalTransition`,
so a lost race or a double finish is noticed instead of silently overwriting a terminal state.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from anibridge.domain.catalog.identity import require
from anibridge.domain.jobs.records import (
    Job,
    JobState,
)

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
    require(job, Job, "job")
    require(new_state, JobState, "new_state", " (use JobState(value))")
    require(now, datetime, "now")
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
