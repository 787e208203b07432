"""A job and its task as qBittorrent 5 reports them: the `state` name and the 0..1 `progress`.

Names follow qBittorrent 5 / WebAPI ≥ 2.11: finished is `stoppedUP` (Sonarr: Completed), paused or cancelled is
`stoppedDL`, waiting is `queuedDL`, a force-started download is `forcedDL`. `stalledDL` is never reported
because Sonarr shows it as a warning although nothing is wrong.
"""

from __future__ import annotations

from anibridge.domain.catalog.identity import require
from anibridge.domain.jobs.records import Job, JobState
from anibridge.domain.qbittorrent.records import ClientTask

QUEUED_DL = "queuedDL"
DOWNLOADING = "downloading"
FORCED_DL = "forcedDL"
STOPPED_UP = "stoppedUP"
STOPPED_DL = "stoppedDL"
ERROR = "error"
UNFINISHED_MAX_FRACTION = 0.999


def qbit_state(job: Job | None, task: ClientTask | None = None) -> str:
    """qBittorrent `state` for a job, refined by its task's stop and force-start flags when a task is given."""
    require(job, (Job, type(None)), "job")
    require(task, (ClientTask, type(None)), "task")
    if job is None or job.state is JobState.QUEUED:
        return STOPPED_DL if task is not None and task.stopped else QUEUED_DL
    state = {
        JobState.DOWNLOADING: DOWNLOADING,
        JobState.COMPLETED: STOPPED_UP,
        JobState.FAILED: ERROR,
        JobState.CANCELLED: STOPPED_DL,
    }[job.state]
    if task is not None and state == DOWNLOADING:
        if task.stopped:
            return STOPPED_DL
        if task.force_start:
            return FORCED_DL
    return state


def qbit_progress(job: Job | None) -> float:
    """Progress fraction 0..1. `Job.progress` is a percentage (0–100, as the reference stores it).

    Byte counts win when the total is known (they are what was actually written); completed is always 1.0 and
    nothing else ever is: clients such as @ctrl/qbittorrent treat progress 1.0 as finished, but until the job is
    `completed` the file is not verified and has no final name.
    """
    require(job, (Job, type(None)), "job")
    if job is None:
        return 0.0
    if job.state is JobState.COMPLETED:
        return 1.0
    if job.total_bytes and job.total_bytes > 0:
        frac = job.downloaded_bytes / job.total_bytes
    else:
        frac = job.progress / 100.0
    return min(UNFINISHED_MAX_FRACTION, max(0.0, frac))
