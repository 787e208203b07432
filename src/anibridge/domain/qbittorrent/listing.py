"""Read side of the qBittorrent client: every task joined with its job, kept as an incrementally refreshed view.

Sonarr polls torrents/info every minute and UIs poll sync/maindata every 1.5 s, with thousands of finished
tasks. Re-reading and re-rendering all of them each time costs ~100 ms per 1,000 tasks, so the view is cached:
each request asks the task repo only for rows changed since the last sequence number (`changes_since`, shared
by every instance on one database, so it stays correct with several instances), re-reads only jobs that can
still change (non-terminal ones: terminal jobs are final by the lifecycle rules), and re-renders only entries
whose task, job or queue rank changed. Rendered entries carry their JSON, so answers are joined, not re-encoded.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.domain.qbittorrent.service import ClientConfig
from anibridge.domain.qbittorrent.view import (
    Torrent,
    torrent_info,
    torrent_properties,
)

if TYPE_CHECKING:
    from datetime import datetime

    from anibridge.domain.jobs.records import Job
    from anibridge.domain.qbittorrent.records import ClientTask
    from anibridge.ports.repos import ClientTaskRepo, JobRepo
    from anibridge.ports.system import Clock


def encode(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True, eq=False)
class RenderedTorrent:
    """One torrent, immutable: a new object whenever anything visible changed (identity = version)."""

    hash: str
    info: Torrent
    info_json: bytes
    sync_json: bytes
    """The maindata form: the same object without `hash` (maindata keys torrents by hash)."""


def render(task: ClientTask, job: Job | None, now: datetime, config: ClientConfig, rank: int) -> RenderedTorrent:
    info = torrent_info(task, job, now, config, rank)
    sync = {k: v for k, v in info.items() if k != "hash"}
    return RenderedTorrent(task.hash, info, encode(info), encode(sync))


def _job_key(job: Job | None) -> tuple[object, ...]:
    if job is None:
        return ()
    return (job.id, job.state, job.updated_at, job.downloaded_bytes, job.result_path, job.message)


class TorrentListing:
    """Shared by all requests; `refresh` is serialised by an asyncio lock so one refresh serves concurrent polls."""

    def __init__(self, tasks: ClientTaskRepo, jobs: JobRepo, clock: Clock, config: ClientConfig) -> None:
        self._tasks_repo = tasks
        self._jobs_repo = jobs
        self._clock = clock
        self._config = config
        self._lock = asyncio.Lock()
        self._seq = 0
        self._tasks: dict[str, ClientTask] = {}
        self._final_jobs: dict[str, Job] = {}
        self._entries: dict[str, tuple[tuple[object, ...], RenderedTorrent]] = {}
        self._order: list[str] = []
        self._ranks: dict[str, int] = {}
        self._version = 0
        self._snapshot: list[RenderedTorrent] = []
        # Running totals for transfer/info and maindata, kept up to date entry by entry (O(changes), not O(n)).
        self._dl_speed = 0
        self._downloaded = 0
        self._tag_counts: Counter[str] = Counter()

    @property
    def config(self) -> ClientConfig:
        return self._config

    async def snapshot(self) -> list[RenderedTorrent]:
        """Every torrent in insertion order, current as of this call (do not mutate the list)."""
        return (await self.versioned())[1]

    async def versioned(self) -> tuple[int, list[RenderedTorrent]]:
        """The snapshot and a version that changes whenever anything in it changed (for response caches)."""
        async with self._lock:
            if await self._refresh():
                self._version += 1
                self._snapshot = [self._entries[h][1] for h in self._order]
            return self._version, self._snapshot

    @property
    def totals(self) -> tuple[int, int, list[str]]:
        """(sum of dlspeed, sum of downloaded bytes, tags in use) as of the last snapshot."""
        return self._dl_speed, self._downloaded, sorted(self._tag_counts)

    def _account(self, entry: RenderedTorrent, sign: int) -> None:
        self._dl_speed += sign * int(entry.info["dlspeed"])
        self._downloaded += sign * int(entry.info["downloaded"])
        if entry.info["tags"]:
            for tag in entry.info["tags"].split(", "):
                self._tag_counts[tag] += sign
                if self._tag_counts[tag] <= 0:
                    del self._tag_counts[tag]

    def _put(self, hash_: str, key: tuple[object, ...], entry: RenderedTorrent) -> None:
        old = self._entries.get(hash_)
        if old is not None:
            self._account(old[1], -1)
        self._entries[hash_] = (key, entry)
        self._account(entry, +1)

    def _drop(self, hash_: str) -> None:
        old = self._entries.pop(hash_, None)
        if old is not None:
            self._account(old[1], -1)

    async def torrents(self, hashes: Sequence[str] | None = None) -> list[Torrent]:
        entries = await self.snapshot()
        if hashes is None:
            return [e.info for e in entries]
        wanted = set(hashes)
        return [e.info for e in entries if e.hash in wanted]

    async def one(self, hash_: str) -> tuple[Torrent, Job | None] | None:
        """A direct read (properties/files): always fresh, no cache involved."""
        found = await self._read(hash_)
        return None if found is None else (found[1], found[2])

    async def properties(self, hash_: str) -> Torrent | None:
        """torrents/properties: the info object plus what only the task knows (the release's publication time)."""
        found = await self._read(hash_)
        return None if found is None else torrent_properties(found[1], found[0].published_at)

    async def _read(self, hash_: str) -> tuple[ClientTask, Torrent, Job | None] | None:
        task = await self._tasks_repo.get(hash_.strip().lower())
        if task is None:
            return None
        job = await self._jobs_repo.get(task.job_id) if task.job_id else None
        return task, torrent_info(task, job, self._clock.now(), self._config, max(task.priority, 0)), job

    async def _refresh(self) -> bool:
        """Bring the cache up to date; True when any entry or the order changed."""
        changed, removed, seq = await self._tasks_repo.changes_since(self._seq)
        self._seq = seq
        for hash_ in removed:
            self._tasks.pop(hash_, None)
            self._drop(hash_)
        # The order (by added_on) only needs a full sort when a task was removed or one appears out of order;
        # updates of existing tasks keep their place and new tasks normally arrive at the end.
        fresh = [t for t in changed if t.hash not in self._tasks]
        in_place = bool(self._order) and not removed and all(
            (t.added_on, t.hash) >= self._last_key() for t in fresh
        ) and all(self._tasks[t.hash].added_on == t.added_on for t in changed if t.hash in self._tasks)
        for task in changed:
            self._tasks[task.hash] = task
            if task.job_id:  # a move or rename rewrites a finished job too: read it again with its task
                self._final_jobs.pop(task.job_id, None)
        if in_place:
            self._order.extend(sorted((t.hash for t in fresh), key=lambda h: (self._tasks[h].added_on, h)))
        elif changed or removed:
            self._order = sorted(self._tasks, key=lambda h: (self._tasks[h].added_on, h))
        if removed:
            referenced = {t.job_id for t in self._tasks.values() if t.job_id}
            self._final_jobs = {i: j for i, j in self._final_jobs.items() if i in referenced}
        live_ids = [t.job_id for t in self._tasks.values() if t.job_id and t.job_id not in self._final_jobs]
        live = await self._jobs_repo.get_many(live_ids) if live_ids else {}
        for job_id, fetched in live.items():
            if fetched.state.is_terminal:
                self._final_jobs[job_id] = fetched
        # Queue rank (qBittorrent `priority`) only among tasks still waiting or running: deleting finished
        # tasks, Sonarr's normal clean-up, then changes no other entry.
        waiting = [t for t in self._tasks.values() if not t.job_id or t.job_id not in self._final_jobs]
        waiting.sort(key=lambda t: (t.priority, t.added_on, t.hash))
        old_ranks, self._ranks = self._ranks, {t.hash: n for n, t in enumerate(waiting, start=1)}
        candidates = {t.hash for t in changed} | {t.hash for t in waiting}
        candidates |= {h for h in old_ranks if h in self._tasks and h not in self._ranks}
        now = self._clock.now()
        dirty = bool(changed or removed)
        for hash_ in candidates:
            task = self._tasks[hash_]
            job: Job | None = None
            if task.job_id:
                job = self._final_jobs.get(task.job_id) or live.get(task.job_id)
            rank = self._ranks.get(hash_, 0)
            running = job is not None and job.state.value == "downloading"
            # Running entries show time_active, so they re-render at most once per second as well.
            key = (task.updated_seq, rank, int(now.timestamp()) if running else 0, *_job_key(job))
            cached = self._entries.get(hash_)
            if cached is None or cached[0] != key:
                self._put(hash_, key, render(task, job, now, self._config, rank))
                dirty = True
        return dirty

    def _last_key(self) -> tuple[object, str]:
        last = self._tasks[self._order[-1]]
        return (last.added_on, last.hash)
