"""What the qBittorrent API persists beyond a job: the client task ("torrent") and its category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from anibridge.domain.catalog.identity import EpisodeRef, require
from anibridge.domain.jobs.records import JobMode


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

    def __post_init__(self) -> None:
        require(self.hash, str, "hash")
        require(self.name, str, "name")
        require(self.ref, EpisodeRef, "ref")
        require(self.added_on, datetime, "added_on")
        require(self.mode, JobMode, "mode", " (use JobMode(value))")
        require(self.tags, tuple, "tags")


@dataclass(frozen=True, slots=True)
class Category:
    """A qBittorrent category; `save_path` may be empty (the default save path applies)."""

    name: str
    save_path: str = ""

    def __post_init__(self) -> None:
        require(self.name, str, "name")
        require(self.save_path, str, "save_path")
