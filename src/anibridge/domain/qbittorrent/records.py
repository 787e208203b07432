"""What the qBittorrent API persists beyond a job: the client task ("torrent") and its category."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from anibridge.domain.catalog.identity import EpisodeRef, require
from anibridge.domain.jobs.records import JobMode


@dataclass(frozen=True, slots=True)
class TaskOptions:
    """Per-torrent qBittorrent settings a client can set and must read back unchanged (or it re-applies them on
    every run, as qbit_manage does). Limits use qBittorrent's encoding: 0 = no limit (bytes/s), -2 = use the
    global share limit. Speed limits and piece options are remembered, not enforced: downloads come from
    hosters, not peers, and the global DOWNLOAD_RATE_LIMIT_BYTES_PER_SEC applies."""

    dl_limit: int = 0
    up_limit: int = 0
    seq_dl: bool = False
    f_l_piece_prio: bool = False
    super_seeding: bool = False
    auto_tmm: bool = False
    inactive_seeding_time_limit: int = -2
    download_path: str = ""
    file_priority: int = 1
    trackers: tuple[str, ...] = ()
    webseeds: tuple[str, ...] = ()


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
    """The directory the file goes to, relative to the download root ("" = the root itself)."""
    content_path: str | None = None
    completion_on: datetime | None = None
    published_at: datetime | None = None
    """When the release itself came out (the magnet's `<p>_pub`), reported as the torrent's creation date;
    `added_on` stays the grab time, which queue order, ages and elapsed times are measured from. None for
    magnets without one and for tasks stored before it was kept."""
    stopped: bool = False
    ratio_limit: float = -2.0
    seeding_time_limit: int = -2
    priority: int = 0
    force_start: bool = False
    updated_seq: int = 0
    magnet_uri: str = ""
    """The magnet as it was added (re-addable); "" for tasks stored before it was kept."""
    options: TaskOptions = field(default_factory=TaskOptions)

    def __post_init__(self) -> None:
        require(self.hash, str, "hash")
        require(self.name, str, "name")
        require(self.ref, EpisodeRef, "ref")
        require(self.added_on, datetime, "added_on")
        require(self.published_at, (datetime, type(None)), "published_at")
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
