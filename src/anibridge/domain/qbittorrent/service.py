"""qBittorrent-client use cases: "torrents" are ClientTasks that each drive one download/STRM job.

The delivery layer parses the wire format and renders qBittorrent JSON; everything that decides what a
torrent *is* (idempotent adds, deletes that cancel jobs and remove files, categories, tags, limits, queue
position, stop/start) lives here so it can be tested with in-memory repositories and a fake scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.qbittorrent.content import TorrentContent
from anibridge.domain.qbittorrent.errors import (
    TorrentConflict,
    TorrentError,
    TorrentNotFound,
)
from anibridge.domain.qbittorrent.files import remove_files
from anibridge.domain.qbittorrent.labels import (
    TorrentLabels,
    split_tags,
)
from anibridge.domain.qbittorrent.magnet_input import parse_client_magnet
from anibridge.domain.qbittorrent.options import TorrentOptionsService
from anibridge.domain.qbittorrent.paths import PathOutsideRoot, SavePaths
from anibridge.domain.qbittorrent.records import ClientTask, TaskOptions
from anibridge.domain.releases import regrab

if TYPE_CHECKING:
    from anibridge.ports.repos import ClientTaskRepo, JobRepo, RegrabRepo
    from anibridge.ports.system import Clock, FileStore

log = logging.getLogger(__name__)


class Scheduler(Protocol):
    """The part of `anibridge.domain.jobs.scheduler.JobScheduler` the client use cases need."""

    async def submit(
        self, ref: EpisodeRef, mode: JobMode, release_title: str, provider: str | None = None, target_dir: str = ""
    ) -> Job: ...

    async def cancel(self, job_id: str) -> object: ...


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Paths and policies from the settings; `public_save_path` is what Sonarr sees (may differ from disk)."""

    download_dir: str
    public_save_path: str = ""
    delete_files_on_delete: bool = True

    @property
    def reported_save_path(self) -> str:
        return (self.public_save_path or self.download_dir).rstrip("/") or "/"

    @property
    def paths(self) -> SavePaths:
        return SavePaths(self.download_dir, self.reported_save_path)


GLOBAL_MAX_RATIO = 0.0
"""The global share limit torrents with ratio limit -2 ("use global") follow: reached at once, so Sonarr may move
finished files and delete the torrent (its rule for -2 reads `max_ratio_enabled` and `max_ratio` from the
preferences). Action 0 (stop) keeps Sonarr's Test happy; finished tasks are `stoppedUP` anyway."""


@dataclass(frozen=True, slots=True)
class AddRequest:
    """The fields of torrents/add that change what we do; unknown qBittorrent options are accepted and ignored."""

    urls: Sequence[str]
    category: str = ""
    tags: Sequence[str] = ()
    stopped: bool = False
    ratio_limit: float | None = None
    seeding_time_limit: int | None = None
    save_path: str = ""
    """The client's `savepath` ("" = the category's save path, else the download root)."""
    options: TaskOptions = TaskOptions()


@dataclass(slots=True)
class AddResult:
    added: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """qBittorrent answers `Ok.` when at least one torrent is (now) known; we count re-adds as success."""
        return bool(self.added or self.existing)


_PRIORITY_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_PENDING_JOB_GRACE = timedelta(seconds=60)
__all__ = [
    "AddRequest", "AddResult", "ClientConfig", "Scheduler", "TorrentConflict", "TorrentError", "TorrentNotFound",
    "TorrentService", "split_tags",
]


def _not_after(published: datetime | None, added: datetime) -> datetime | None:
    """A magnet may claim any `<p>_pub`; a release cannot have come out after it was grabbed."""
    return min(published, added) if published is not None else None


class TorrentService:
    """Use cases behind /api/v2/torrents/*; categories and tags are in `labels` (`TorrentLabels`), names and
    locations of files in `content` (`TorrentContent`), per-torrent settings in `options`."""

    def __init__(
        self,
        tasks: ClientTaskRepo,
        jobs: JobRepo,
        scheduler: Scheduler,
        clock: Clock,
        config: ClientConfig,
        files: FileStore | None = None,
        regrabs: RegrabRepo | None = None,
    ) -> None:
        self._regrabs = regrabs
        self._tasks = tasks
        self._jobs = jobs
        self._scheduler = scheduler
        self._clock = clock
        self._config = config
        self._files = files
        self.labels = TorrentLabels(tasks, self.resolve, config.paths)
        self.content = TorrentContent(tasks, jobs, files, config, self.resolve, self._start_job)
        self.options = TorrentOptionsService(tasks, self.resolve, config.paths)

    @property
    def config(self) -> ClientConfig:
        return self._config

    # ----------------------------------------------------------------- add
    async def add(self, request: AddRequest) -> AddResult:
        """Create a task and queue its job per magnet; a known hash is answered Ok. without a second job."""
        result = AddResult()
        category = await self.labels.ensure_category(request.category)
        target = await self._target_dir(request.save_path, category)
        tags = tuple(dict.fromkeys(t for t in request.tags if t))
        if tags:  # qBittorrent adds a new torrent's tags to its global list, where they outlive the torrent
            await self.labels.create_tags(tags)
        for url in request.urls:
            url = url.strip()
            if not url:
                continue
            try:
                magnet, kept = parse_client_magnet(url)
            except ValueError as ex:
                log.debug("torrents/add rejected %.120s: %s", url, ex)  # the caller logs one summary per request
                result.rejected.append((url, str(ex)))
                continue
            now = self._clock.now()
            task = ClientTask(
                hash=magnet.infohash,
                name=magnet.title,
                ref=magnet.ref,
                added_on=now,
                published_at=_not_after(magnet.published_at, now),
                mode=JobMode.STRM if magnet.is_strm else JobMode.DOWNLOAD,
                provider=magnet.provider,
                category=category,
                tags=tags,
                save_path=target,
                stopped=request.stopped,
                ratio_limit=request.ratio_limit if request.ratio_limit is not None else -2.0,
                seeding_time_limit=request.seeding_time_limit if request.seeding_time_limit is not None else -2,
                priority=self._bottom_priority(),
                magnet_uri=kept,
                options=request.options,
            )
            # Insert first, job second: only the one add that inserted the row (across every instance on this
            # database) submits a job, so concurrent adds of one magnet never download it twice.
            if not await self._tasks.insert_if_absent(task):
                existing = await self._tasks.get(magnet.infohash)
                if existing is not None:
                    await self._readd(existing, request.stopped)
                result.existing.append(magnet.infohash)
                continue
            if not request.stopped:
                try:
                    await self._start_job(task)
                except BaseException:
                    await self._tasks.delete([task.hash])  # as before: a failed submit leaves no task behind
                    raise
            result.added.append(task.hash)
        return result

    async def _target_dir(self, requested: str, category: str) -> str:
        """`savepath` wins, then the category's save path (relative ones below the default save path)."""
        if requested.strip():
            return self._config.paths.relative(requested)
        if category:
            for known in await self._tasks.categories():
                if known.name == category and known.save_path:
                    try:
                        return self._config.paths.relative(known.save_path)
                    except PathOutsideRoot as ex:  # stored before paths were checked: never fail Sonarr's grab
                        log.warning("category %r: %s; using the download directory", category, ex)
        return ""

    async def _readd(self, task: ClientTask, stopped: bool) -> None:
        """Re-grab of a known hash: nothing to do unless its last job failed/was cancelled, then retry it."""
        if stopped or task.stopped or self._job_pending(task):
            return
        if await self._needs_new_job(task):
            await self._start_job(task)

    def _job_pending(self, task: ClientTask) -> bool:
        """A running task without a job was just inserted by an add that is submitting its job right now.

        Only if that adder died before setting the job (older than the grace period) may a re-add start one.
        """
        return (task.job_id is None and not task.stopped
                and self._clock.now() - task.added_on < _PENDING_JOB_GRACE)

    async def _needs_new_job(self, task: ClientTask) -> bool:
        """No job yet, or its last one failed or was cancelled: starting the task means submitting again."""
        job = await self._jobs.get(task.job_id) if task.job_id else None
        return job is None or job.state in (JobState.FAILED, JobState.CANCELLED)

    async def _start_job(self, task: ClientTask) -> bool:
        """Submit a job and point the task at it unless someone changed the task's job meanwhile.

        The swap is conditional on the job the caller saw, so a concurrent start/re-add of the same task or a
        delete is never clobbered; the loser cancels the job it just submitted (it never ran for long).
        """
        job = await self._scheduler.submit(task.ref, task.mode, task.name, task.provider, task.save_path)
        if not await self._tasks.swap_job(task.hash, task.job_id, job.id):
            log.info("task %s changed while starting job %s; cancelling that job", task.hash, job.id)
            await self._scheduler.cancel(job.id)
            return False
        task.job_id = job.id
        task.stopped = False
        task.content_path = None
        task.completion_on = None
        return True

    def _bottom_priority(self) -> int:
        """New tasks join the end of the queue without reading every task (queue rank sorts by this number).

        Seconds since 2020 fit the 32-bit column for decades; ties are ordered by `added_on`.
        """
        return max(1, int((self._clock.now() - _PRIORITY_EPOCH).total_seconds()))

    # -------------------------------------------------------------- lookup
    async def resolve(self, hashes: str | Sequence[str]) -> list[ClientTask]:
        """`all` (qBittorrent's wildcard) or a `|`-separated list; unknown hashes are skipped silently."""
        if isinstance(hashes, str):
            if hashes.strip().lower() == "all":
                return list(await self._tasks.list())
            hashes = [h for h in hashes.split("|")]
        wanted = [h.strip().lower() for h in hashes if h.strip()]
        if not wanted:
            return []
        return list(await self._tasks.list(wanted))

    async def get(self, hash_: str) -> ClientTask:
        task = await self._tasks.get(hash_.strip().lower())
        if task is None:
            raise TorrentNotFound("Not Found")
        return task

    # -------------------------------------------------------------- delete
    async def delete(self, hashes: str | Sequence[str], delete_files: bool) -> int:
        """Cancel running jobs, remove files when asked (or always, per DELETE_FILES_ON_TORRENT_DELETE), drop rows."""
        tasks = await self.resolve(hashes)
        if not tasks:
            return 0
        jobs = await self._cancel_unfinished(tasks)
        await regrab.retire(self._regrabs, tasks, jobs)  # a later grab of the same episode gets a fresh hash
        if self._files is not None and (delete_files or self._config.delete_files_on_delete):
            pairs = [(task, jobs.get(task.job_id) if task.job_id else None) for task in tasks]
            await asyncio.to_thread(remove_files, self._files, pairs)  # listing and deleting: off the event loop
        return await self._tasks.delete([t.hash for t in tasks])

    async def _cancel_unfinished(self, tasks: Sequence[ClientTask]) -> dict[str, Job]:
        """Cancel the tasks' unfinished jobs; returns every task's job by id (one batched read for stop and delete)."""
        jobs = await self._jobs.get_many([t.job_id for t in tasks if t.job_id])
        for job in jobs.values():
            if not job.state.is_terminal:
                await self._scheduler.cancel(job.id)
        return jobs

    # ------------------------------------------------------- share limits
    async def set_share_limits(
        self, hashes: str, ratio_limit: float, seeding_time_limit: int, inactive_limit: int | None = None
    ) -> None:
        """Stored as given (-2 "use global" stays -2: clients compare what they read with what they set).
        Values below -2 mean "no limit" (-1), as qBittorrent stores them."""
        ratio_limit = -1.0 if ratio_limit < -2 else ratio_limit
        seeding_time_limit = -1 if seeding_time_limit < -2 else seeding_time_limit
        for task in await self.resolve(hashes):
            options = task.options
            if inactive_limit is not None:
                options = replace(options, inactive_seeding_time_limit=-1 if inactive_limit < -2 else inactive_limit)
            await self._tasks.upsert(replace(task, ratio_limit=ratio_limit, seeding_time_limit=seeding_time_limit,
                                             options=options))

    # ----------------------------------------------------------- priority
    async def move_priority(self, hashes: str, how: str) -> None:
        """Queue position: top/bottom/increase/decrease as in qBittorrent (smaller number = earlier)."""
        chosen = {t.hash for t in await self.resolve(hashes)}
        if not chosen:
            return
        ordered = sorted(await self._tasks.list(), key=lambda t: (t.priority, t.added_on, t.hash))
        picked = [t for t in ordered if t.hash in chosen]
        others = [t for t in ordered if t.hash not in chosen]
        if how in ("top", "bottom"):
            # Sonarr calls topPrio after every grab: write only the moved tasks, never renumber the queue.
            if not others:
                return
            first = others[0].priority - len(picked) if how == "top" else others[-1].priority + 1
            for offset, task in enumerate(picked):
                if task.priority != first + offset:
                    await self._tasks.upsert(replace(task, priority=first + offset))
            return
        step = -1 if how == "increase" else 1
        positions = {t.hash: i for i, t in enumerate(ordered)}
        ordered = sorted(ordered, key=lambda t: positions[t.hash] + (step * 1.5 if t.hash in chosen else 0))
        for position, task in enumerate(ordered, start=1):
            if task.priority != position:
                await self._tasks.upsert(replace(task, priority=position))

    # --------------------------------------------------------- stop/start
    async def set_force_start(self, hashes: str, value: bool) -> None:
        for task in await self.resolve(hashes):
            task = replace(task, force_start=value)
            if value and task.stopped:
                await self._tasks.upsert(task)
                await self._start_if_needed(task)
            else:
                await self._tasks.upsert(task)

    async def stop(self, hashes: str) -> None:
        """Stopping cancels an unfinished job (the partial file stays so a later start resumes it)."""
        tasks = await self.resolve(hashes)
        await self._cancel_unfinished(tasks)
        for task in tasks:
            if not task.stopped:
                await self._tasks.upsert(replace(task, stopped=True))

    async def start(self, hashes: str) -> None:
        for task in await self.resolve(hashes):
            await self._start_if_needed(task)

    async def _start_if_needed(self, task: ClientTask) -> None:
        if await self._needs_new_job(task):
            await self._start_job(task)
        elif task.stopped:
            await self._tasks.upsert(replace(task, stopped=False))
        else:
            await self._tasks.upsert(task)
