"""Jobs as the durable queue stores them: state, mode, progress and the lease that survives a crash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from anibridge.domain.catalog.identity import EpisodeRef, require


class JobState(StrEnum):
    """Lifecycle of a download or STRM job; transitions are enforced in `anibridge.domain.jobs.lifecycle`."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


class JobMode(StrEnum):
    """What a job produces: a media file, or a `.strm` pointer file."""

    DOWNLOAD = "download"
    STRM = "strm"


@dataclass(slots=True)
class Job:
    """One unit of work in the durable queue; `lease_until` lets another worker recover it after a crash."""

    id: str
    ref: EpisodeRef
    mode: JobMode
    release_title: str
    state: JobState = JobState.QUEUED
    provider: str | None = None
    progress: float = 0.0
    downloaded_bytes: int = 0
    total_bytes: int | None = None
    speed: float | None = None
    eta: int | None = None
    message: str | None = None
    result_path: str | None = None
    provider_used: str | None = None
    worker: str | None = None
    lease_until: datetime | None = None
    cancel_requested: bool = False
    attempts: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    target_dir: str = ""
    """Where the finished file goes, relative to the download root ("" = the root): a client's save path."""

    def __post_init__(self) -> None:
        require(self.id, str, "id")
        require(self.ref, EpisodeRef, "ref")
        require(self.mode, JobMode, "mode", " (use JobMode(value))")
        require(self.state, JobState, "state", " (use JobState(value))")


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    """A progress sample written at a bounded rate while a job downloads."""

    downloaded_bytes: int
    total_bytes: int | None
    speed: float | None
    eta: int | None
    progress: float

    def __post_init__(self) -> None:
        require(self.downloaded_bytes, int, "downloaded_bytes")
        require(self.total_bytes, (int, type(None)), "total_bytes")
        require(self.progress, (float, int), "progress")
