"""The queue as the dashboard shows it: client tasks joined with their jobs, plus jobs that have no task
(started through the JSON job API), formatted for people (sizes, speeds, ETAs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from anibridge.domain.jobs.records import Job, JobState
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.qbittorrent.service import TorrentService
from anibridge.ports.repos import JobRepo

HISTORY_LIMIT = 300


@dataclass(frozen=True, slots=True)
class QueueRow:
    key: str
    """`t:<hash>` for a client task, `j:<job id>` for a job without one: what the action form posts back."""
    name: str
    site: str
    language: str
    episode: str
    hoster: str
    mode: str
    state: str
    progress: float
    speed: str
    eta: str
    size: str
    message: str
    path: str
    added: str
    is_task: bool

    @property
    def active(self) -> bool:
        return self.state in ("queued", "downloading")

    @property
    def retryable(self) -> bool:
        return self.state in ("failed", "cancelled", "stopped")

    def live(self) -> dict[str, Any]:
        """The fields server-sent events update in place."""
        data = asdict(self)
        data["progress"] = round(self.progress, 1)
        return {k: data[k] for k in ("key", "state", "progress", "speed", "eta", "size", "message", "path",
                                     "hoster")}


def human_bytes(value: float | None) -> str:
    if value is None or value < 0:
        return ""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def human_eta(seconds: int | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def row_for(task: ClientTask | None, job: Job | None) -> QueueRow:
    ref = task.ref if task is not None else job.ref if job is not None else None
    assert ref is not None
    if job is None:
        state = "stopped" if task is not None and task.stopped else "queued"
    elif task is not None and task.stopped and not job.state.is_terminal:
        state = "stopping"
    elif task is not None and task.stopped and job.state is JobState.CANCELLED:
        state = "stopped"
    else:
        state = job.state.value
    downloading = job is not None and job.state is JobState.DOWNLOADING
    total = job.total_bytes if job is not None else None
    done = job.downloaded_bytes if job is not None else 0
    size = f"{human_bytes(done)} of {human_bytes(total)}" if total else human_bytes(done) if done else ""
    progress = 100.0 if job is not None and job.state is JobState.COMPLETED else (job.progress if job else 0.0)
    path = (task.content_path if task is not None and task.content_path else None) or (
        job.result_path if job is not None else None) or ""
    name = (task.name if task is not None else "") or (job.release_title if job is not None else "") or ref.label
    mode = (task.mode if task is not None else job.mode if job is not None else None)
    return QueueRow(
        key=f"t:{task.hash}" if task is not None else f"j:{job.id if job else ''}",
        name=name,
        site=ref.site.value,
        language=ref.language.value,
        episode=f"S{ref.season:02d}E{ref.episode:02d}",
        hoster=(job.provider_used or job.provider or "") if job is not None else (task.provider or "" if task else ""),
        mode=mode.value if mode is not None else "",
        state=state,
        progress=max(0.0, min(100.0, progress)),
        speed=f"{human_bytes(job.speed)}/s" if downloading and job is not None and job.speed else "",
        eta=human_eta(job.eta) if downloading and job is not None else "",
        size=size,
        message=(job.message or "") if job is not None and job.state is not JobState.COMPLETED else "",
        path=path,
        added=_when(task.added_on if task is not None else job.created_at if job is not None else None),
        is_task=task is not None,
    )


async def queue_rows(torrents: TorrentService, jobs: JobRepo) -> list[QueueRow]:
    """Every task (newest first) and the running jobs no task points at (started through the JSON job API)."""
    tasks = await torrents.resolve("all")
    by_id = await jobs.get_many([t.job_id for t in tasks if t.job_id])
    claimed = {t.job_id for t in tasks if t.job_id}
    rows: list[tuple[datetime | None, QueueRow]] = [
        (t.added_on, row_for(t, by_id.get(t.job_id) if t.job_id else None)) for t in tasks
    ]
    recent: Sequence[Job] = await jobs.list_recent(HISTORY_LIMIT)
    task_refs = {(t.ref, t.mode) for t in tasks}
    for job in recent:
        # A task's older jobs (an earlier try) are history of that task, not rows of their own; a finished job
        # without a task belonged to a deleted task (or a JSON-API script that has its answer): not shown.
        if job.id in claimed or (job.ref, job.mode) in task_refs or job.state.is_terminal:
            continue
        rows.append((job.created_at, row_for(None, job)))
    rows.sort(key=lambda pair: pair[0].timestamp() if pair[0] is not None else 0.0, reverse=True)
    return [row for _, row in rows]


def counts(rows: Sequence[QueueRow]) -> dict[str, int]:
    out = {"queued": 0, "downloading": 0, "failed": 0, "completed": 0}
    for row in rows:
        if row.state in out:
            out[row.state] += 1
    return out
