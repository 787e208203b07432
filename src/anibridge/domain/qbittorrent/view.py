"""Render a ClientTask and its Job as qBittorrent JSON objects (torrents/info, properties, files, trackers).

Key names and JSON types are qBittorrent 5.1's (a superset of what qbittorrent-nox 4.5 sends). Two choices
make Sonarr behave: a finished task is `stoppedUP` with its seed goal reached (ratio == ratio_limit, 0 unless
the client set a limit) so Sonarr moves the file and deletes the torrent; `content_path` is the final file as
seen by Sonarr (QBIT_PUBLIC_SAVE_PATH) and stays empty until the file has its final name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from anibridge.domain.jobs.records import (
    Job,
    JobState,
)
from anibridge.domain.qbittorrent.magnet_input import reported_magnet
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.qbittorrent.service import GLOBAL_MAX_RATIO, ClientConfig
from anibridge.domain.qbittorrent.states import qbit_progress, qbit_state

UNKNOWN_ETA = 8640000

Torrent = dict[str, Any]
T = TypeVar("T")


def _epoch(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def content_path(job: Job | None, config: ClientConfig) -> str:
    """The finished file as Sonarr sees it; "" while the file is not final (Sonarr must not import it yet)."""
    if job is None or job.state is not JobState.COMPLETED or not job.result_path:
        return ""
    real = job.result_path
    root = config.download_dir.rstrip("/")
    relative = real[len(root) + 1 :] if root and real.startswith(root + "/") else posixpath.basename(real)
    return posixpath.join(config.reported_save_path, relative)


def error_text(job: Job | None) -> str:
    """The failure reason, or why a running download waits (full disk, site down, rate limit)."""
    if job is not None and job.state is JobState.DOWNLOADING and job.message:
        return f"anibridge: {job.message}"
    if job is None or job.state is not JobState.FAILED:
        return ""
    return f"anibridge: {job.message or 'download failed'}"


def torrent_info(task: ClientTask, job: Job | None, now: datetime, config: ClientConfig, rank: int) -> Torrent:
    """One element of torrents/info (and, without `hash`, of sync/maindata `torrents`)."""
    state = qbit_state(job, task)
    finished = state == "stoppedUP"
    progress = qbit_progress(job)
    size = job.total_bytes or 0 if job is not None else 0
    if job is not None and job.total_bytes is None and finished:
        size = job.downloaded_bytes
    downloaded = size if finished else (job.downloaded_bytes if job is not None else 0)
    running = state in ("downloading", "forcedDL")
    speed = int(job.speed or 0) if running and job is not None else 0
    eta = 0 if finished else (job.eta if running and job is not None and job.eta is not None else UNKNOWN_ETA)
    completed_at = task.completion_on or (job.updated_at if finished and job is not None else None)
    ratio_limit = float(task.ratio_limit)
    max_ratio = GLOBAL_MAX_RATIO if ratio_limit == -2.0 else ratio_limit
    max_seeding = -1 if task.seeding_time_limit == -2 else int(task.seeding_time_limit)
    inactive = task.options.inactive_seeding_time_limit
    save_path = config.paths.reported(task.save_path)
    added = _epoch(task.added_on)
    opts = task.options
    return {
        "added_on": added,
        "amount_left": max(0, size - downloaded),
        "auto_tmm": opts.auto_tmm,
        "availability": float(progress if running else 0.0),
        "category": task.category,
        "comment": error_text(job),
        "completed": downloaded,
        "completion_on": _epoch(completed_at) if finished else 0,
        "content_path": content_path(job, config),
        "dl_limit": opts.dl_limit,
        "dlspeed": speed,
        "download_path": config.paths.reported(opts.download_path) if opts.download_path else "",
        "downloaded": downloaded,
        "downloaded_session": downloaded,
        "eta": int(eta),
        "f_l_piece_prio": opts.f_l_piece_prio,
        "force_start": task.force_start,
        "has_metadata": True,
        "hash": task.hash,
        "inactive_seeding_time_limit": inactive,
        "infohash_v1": task.hash,
        "infohash_v2": "",
        "last_activity": _epoch(job.updated_at if job is not None and job.updated_at else task.added_on),
        "magnet_uri": reported_magnet(task.magnet_uri, task.hash, task.ref, task.name, task.provider, task.mode),
        "max_inactive_seeding_time": -1 if inactive == -2 else inactive,
        "max_ratio": max_ratio,
        "max_seeding_time": max_seeding,
        "name": task.name,
        "num_complete": 0,
        "num_incomplete": 0,
        "num_leechs": 0,
        "num_seeds": 0,
        "popularity": 0.0,
        "priority": 0 if finished else rank,
        "private": False,
        "progress": progress,
        "ratio": max(max_ratio, 0.0) if finished else 0.0,
        "ratio_limit": ratio_limit,
        "reannounce": 0,
        "root_path": "",
        "save_path": save_path,
        "seeding_time": max(0, int(task.seeding_time_limit)) * 60 if finished else 0,
        "seeding_time_limit": int(task.seeding_time_limit),
        "seen_complete": _epoch(completed_at) if finished else 0,
        "seq_dl": opts.seq_dl,
        "size": size,
        "state": state,
        "super_seeding": opts.super_seeding,
        "tags": ", ".join(task.tags),
        "time_active": _time_active(task, job, now, running, completed_at),
        "total_size": size,
        "tracker": "",
        "trackers_count": len(opts.trackers),
        "up_limit": opts.up_limit,
        "uploaded": 0,
        "uploaded_session": 0,
        "upspeed": 0,
    }


def _time_active(task: ClientTask, job: Job | None, now: datetime, running: bool, done: datetime | None) -> int:
    """Grows only while downloading (as in qBittorrent), so idle torrents render identically on every poll."""
    until = now if running else done or (job.updated_at if job is not None and job.updated_at else task.added_on)
    return max(0, int((until - task.added_on).total_seconds()))


def torrent_properties(info: Torrent, published_at: datetime | None = None) -> Torrent:
    """torrents/properties derived from the info object so both always agree; unknown numbers are -1.

    `creation_date` is where qBittorrent reports when a torrent was made (the .torrent's own date, not when it
    was added), so the release's publication time goes there; without one it is the grab time, as before.
    `addition_date` is `added_on`: the grab time, like every other client-side time.
    """
    finished = info["state"] == "stoppedUP"
    return {
        "addition_date": info["added_on"],
        "comment": info["comment"],
        "completion_date": info["completion_on"] if finished else -1,
        "created_by": "anibridge",
        "creation_date": _epoch(published_at) if published_at is not None else info["added_on"],
        "dl_limit": info["dl_limit"] or -1,
        "dl_speed": info["dlspeed"],
        "dl_speed_avg": info["dlspeed"],
        "download_path": "",
        "eta": info["eta"],
        "has_metadata": True,
        "hash": info["hash"],
        "infohash_v1": info["hash"],
        "infohash_v2": "",
        "is_private": False,
        "last_seen": info["seen_complete"] if finished else -1,
        "name": info["name"],
        "nb_connections": 0,
        "nb_connections_limit": 100,
        "peers": 0,
        "peers_total": 0,
        "piece_size": info["size"] or -1,
        "pieces_have": 1 if finished else 0,
        "pieces_num": 1 if info["size"] else -1,
        "popularity": 0.0,
        "private": False,
        "reannounce": 0,
        "save_path": info["save_path"],
        "seeding_time": info["seeding_time"],
        "seeds": 0,
        "seeds_total": 0,
        "share_ratio": info["ratio"],
        "time_elapsed": info["time_active"],
        "total_downloaded": info["downloaded"],
        "total_downloaded_session": info["downloaded_session"],
        "total_size": info["size"] or -1,
        "total_uploaded": 0,
        "total_uploaded_session": 0,
        "total_wasted": 0,
        "up_limit": info["up_limit"] or -1,
        "up_speed": 0,
        "up_speed_avg": 0,
    }


def torrent_files(info: Torrent, job: Job | None, priority: int = 1) -> list[Torrent]:
    """One file per task: the final file name once known, else the release title (single-file torrent)."""
    name = posixpath.basename(info["content_path"]) if info["content_path"] else info["name"]
    finished = info["state"] == "stoppedUP"
    return [
        {
            "availability": 1.0 if finished else float(info["progress"]),
            "index": 0,
            "is_seed": finished,
            "name": name,
            "piece_range": [0, 0],
            "priority": priority,
            "progress": float(info["progress"]),
            "size": info["size"],
        }
    ]


def torrent_trackers(info: Torrent, added: Iterable[str] = ()) -> list[Torrent]:
    """A pseudo tracker row carries the failure reason: qBittorrent UIs show tracker messages per torrent.
    Trackers a client added follow as "not contacted yet" (status 1): there is no swarm to announce to."""
    extra = [
        {"msg": "", "num_downloaded": -1, "num_leeches": -1, "num_peers": -1, "num_seeds": -1, "status": 1,
         "tier": 0, "url": url}
        for url in added
    ]
    return [
        {
            "msg": info["comment"] or ("finished" if info["state"] == "stoppedUP" else ""),
            "num_downloaded": -1,
            "num_leeches": -1,
            "num_peers": -1,
            "num_seeds": -1,
            "status": 4 if info["comment"] else 2,
            "tier": 0,
            "url": "anibridge://hoster",
        }
    ] + extra


# --------------------------------------------------------------------------- filtering and sorting
_DOWNLOADING = {"downloading", "metaDL", "forcedMetaDL", "stalledDL", "checkingDL", "stoppedDL", "queuedDL", "forcedDL"}
_SEEDING = {"uploading", "stalledUP", "checkingUP", "queuedUP", "forcedUP"}
_COMPLETED = _SEEDING | {"stoppedUP"}
_STOPPED = {"stoppedDL", "stoppedUP"}
_ACTIVE = {"downloading", "forcedDL", "uploading", "forcedUP", "metaDL", "forcedMetaDL"}
_ERRORED = {"error", "missingFiles"}

STATE_FILTERS: dict[str, Callable[[Torrent], bool]] = {
    "all": lambda t: True,
    "downloading": lambda t: t["state"] in _DOWNLOADING,
    "seeding": lambda t: t["state"] in _SEEDING,
    "completed": lambda t: t["state"] in _COMPLETED,
    "stopped": lambda t: t["state"] in _STOPPED,
    "paused": lambda t: t["state"] in _STOPPED,
    "running": lambda t: t["state"] not in _STOPPED,
    "resumed": lambda t: t["state"] not in _STOPPED,
    "active": lambda t: t["state"] in _ACTIVE or t["dlspeed"] > 0,
    "inactive": lambda t: not (t["state"] in _ACTIVE or t["dlspeed"] > 0),
    "stalled": lambda t: t["state"] in ("stalledUP", "stalledDL"),
    "stalled_uploading": lambda t: t["state"] == "stalledUP",
    "stalled_downloading": lambda t: t["state"] == "stalledDL",
    "checking": lambda t: t["state"].startswith("checking"),
    "moving": lambda t: t["state"] == "moving",
    "errored": lambda t: t["state"] in _ERRORED,
}


def select(
    items: Iterable[T],
    info: Callable[[T], Torrent],
    *,
    state_filter: str = "all",
    category: str | None = None,
    tag: str | None = None,
    sort: str | None = None,
    reverse: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[T]:
    """torrents/info semantics: exact category ("" = none), exact tag ("" = untagged), negative offset from the end."""
    keep = STATE_FILTERS.get(state_filter, STATE_FILTERS["all"])
    out = [
        item
        for item in items
        if keep(t := info(item))
        and (category is None or t["category"] == category)
        and (tag is None or (tag in t["tags"].split(", ") if tag else t["tags"] == ""))
    ]
    if sort:
        out.sort(key=lambda item: _sort_key(info(item).get(sort)), reverse=reverse)
    elif reverse:
        out.reverse()
    if offset < 0:
        offset = max(0, len(out) + offset)
    out = out[offset:]
    if limit is not None and limit > 0:
        out = out[:limit]
    return out


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool | int | float):
        return (0, value)
    return (1, str(value).lower() if value is not None else "")
