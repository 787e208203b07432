"""Persistent records the use cases read and write through the repository ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from anibridge.domain.identity import EpisodeRef


class JobState(StrEnum):
    """Lifecycle of a download or STRM job; transitions are enforced in `anibridge.domain.jobs`."""

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


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    """A progress sample written at a bounded rate while a job downloads."""

    downloaded_bytes: int
    total_bytes: int | None
    speed: float | None
    eta: int | None
    progress: float


@dataclass(slots=True)
class ClientTask:
    """A "torrent" as the qBittorrent API shows it; survives its job and is removed only by torrents/delete."""

    hash: str
    name: str
    ref: EpisodeRef
    added_on: datetime
    mode: JobMode = JobMode.DOWNLOAD
    provider: str | None = None
    job_id: str | None = None
    category: str = ""
    tags: tuple[str, ...] = ()
    save_path: str = ""
    content_path: str | None = None
    completion_on: datetime | None = None
    stopped: bool = False
    ratio_limit: float = -2.0
    seeding_time_limit: int = -2
    priority: int = 0
    force_start: bool = False
    updated_seq: int = 0


@dataclass(frozen=True, slots=True)
class Category:
    """A qBittorrent category; `save_path` may be empty (the default save path applies)."""

    name: str
    save_path: str = ""


@dataclass(frozen=True, slots=True)
class Availability:
    """Last known result of probing one EpisodeRef: offered or not, quality and the provider that worked."""

    ref: EpisodeRef
    available: bool
    checked_at: datetime
    height: int | None = None
    vcodec: str | None = None
    provider: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StrmMapping:
    """A resolved direct URL for an EpisodeRef (+ provider hint) so the STRM proxy does not re-resolve each play."""

    ref: EpisodeRef
    provider_hint: str
    resolved_url: str
    resolved_at: datetime
    provider_used: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
