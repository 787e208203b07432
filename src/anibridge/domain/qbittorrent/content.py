"""Where a torrent's file is and what it is called: rename, renameFile, setLocation/setSavePath, recheck.

A task's file is the finished file of its job (`Job.result_path`); while the job is unfinished, the job's
`target_dir` and `release_title` decide where and under which name it will land. Moving or renaming a
finished file updates the job (so deletes remove the right file) and the task (so listings re-render). A job
that is already downloading keeps the destination it was claimed with; `recheck` puts such a file where its
task says it belongs. File-system work runs in a thread: a slow disk must not stall the API.
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from anibridge.domain.jobs.records import Job, JobMode, JobState
from anibridge.domain.jobs.strm_files import strm_base_name
from anibridge.domain.qbittorrent.errors import TorrentConflict, TorrentError, TorrentNotFound
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.releases.names import final_file_name

if TYPE_CHECKING:
    from anibridge.domain.qbittorrent.service import ClientConfig
    from anibridge.ports.repos import ClientTaskRepo, JobRepo
    from anibridge.ports.system import FileStore

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NEWLINES = re.compile(r"\r?\n|\r")

Resolve = Callable[[str], Awaitable[list[ClientTask]]]
Restart = Callable[[ClientTask], Awaitable[bool]]


class TorrentContent:
    def __init__(
        self,
        tasks: ClientTaskRepo,
        jobs: JobRepo,
        files: FileStore | None,
        config: ClientConfig,
        resolve: Resolve,
        restart: Restart,
    ) -> None:
        self._tasks = tasks
        self._jobs = jobs
        self._files = files
        self._config = config
        self._resolve = resolve
        self._restart = restart

    async def _task(self, hash_: str) -> ClientTask:
        task = await self._tasks.get(hash_.strip().lower())
        if task is None:
            raise TorrentNotFound("Not Found")
        return task

    async def _job(self, task: ClientTask) -> Job | None:
        return await self._jobs.get(task.job_id) if task.job_id else None

    # ------------------------------------------------------------------ rename
    async def rename(self, hash_: str, name: str) -> None:
        """torrents/rename: the torrent's name, and its file's name (finished, or once it finishes)."""
        name = _NEWLINES.sub(" ", name).strip()
        if not name or _CONTROL.search(name):
            raise TorrentConflict("Incorrect torrent name")
        task = await self._task(hash_)
        await self._tasks.upsert(replace(task, name=name))
        job = await self._job(task)
        if job is None:
            return
        finished = _finished_file(job)
        if finished is None:
            if not job.state.is_terminal:
                await self._jobs.relocate(job.id, release_title=name)
            return
        target = _file_name_for(task.mode, name, finished.suffix, job)
        if target and target != finished.name:
            await self._move(task, job, finished, target, posixpath.dirname(self._relative(finished)))

    async def rename_file(self, hash_: str, old_path: str, new_path: str) -> None:
        """torrents/renameFile on the single file: `new_path` may name a sub-folder of the save path."""
        task = await self._task(hash_)
        job = await self._job(task)
        finished = _finished_file(job) if job is not None else None
        current = finished.name if finished is not None else task.name
        old = old_path.strip().strip("/")
        if old != current:
            raise TorrentConflict(f"No such file: '{old_path}'.")
        if finished is None or job is None:
            raise TorrentConflict("The file can be renamed once its download has finished.")
        new = posixpath.normpath(new_path.strip().replace("\\", "/").strip("/")) if new_path.strip() else ""
        if (not new or new in (".", "..") or new.startswith("../") or _CONTROL.search(new)
                or posixpath.basename(new) in ("", ".", "..")):
            raise TorrentConflict(f"Invalid file path: '{new_path}'.")
        if new == old:
            return
        folder = posixpath.normpath(posixpath.join(posixpath.dirname(self._relative(finished)), posixpath.dirname(new)))
        await self._move(task, job, finished, posixpath.basename(new), "" if folder == "." else folder)

    # ---------------------------------------------------------------- location
    async def relocate(self, hashes: str, location: str, refusal: str) -> None:
        """setLocation/setSavePath: the new save path applies to every given task and moves finished files."""
        if not location.strip():
            raise TorrentError("Save path cannot be empty")
        relative = self._config.paths.relative(location, refusal)
        for task in await self._resolve(hashes):
            moved = replace(task, save_path=relative, options=replace(task.options, auto_tmm=False))
            await self._tasks.upsert(moved)
            job = await self._job(task)
            if job is None:
                continue
            finished = _finished_file(job)
            if finished is not None:
                if posixpath.dirname(self._relative(finished)) != relative:
                    await self._move(moved, job, finished, finished.name, relative)
            elif not job.state.is_terminal:
                await self._jobs.relocate(job.id, target_dir=relative)

    # ------------------------------------------------------------------ recheck
    async def recheck(self, hashes: str) -> None:
        """Re-verify finished files: a missing or truncated file is downloaded again (qBittorrent re-downloads
        what a recheck finds missing); a file outside its task's save path is moved there."""
        for task in await self._resolve(hashes):
            job = await self._job(task)
            finished = _finished_file(job) if job is not None else None
            if finished is None or job is None:
                continue
            size = await asyncio.to_thread(self._files.size, finished) if self._files is not None else None
            expected = job.total_bytes or job.downloaded_bytes
            if size is None or (expected and size != expected):
                log.warning("recheck of %s: %s is %s; downloading it again", task.hash, finished,
                            "missing" if size is None else f"{size} bytes, expected {expected}")
                if size is not None and self._files is not None:
                    await asyncio.to_thread(self._files.delete, finished)
                if not task.stopped:
                    await self._restart(task)
                continue
            if posixpath.dirname(self._relative(finished)) != task.save_path:
                await self._move(task, job, finished, finished.name, task.save_path)

    # ------------------------------------------------------------------ helpers
    def _relative(self, path: Path) -> str:
        root = self._config.download_dir.rstrip("/")
        text = str(path)
        return text[len(root) + 1 :] if text.startswith(root + "/") else path.name

    async def _move(self, task: ClientTask, job: Job, source: Path, name: str, directory: str) -> None:
        if self._files is None:
            raise TorrentConflict("Cannot move files: no file store configured")
        try:
            moved = await asyncio.to_thread(self._files.rename_unique, source, name, directory)
        except FileNotFoundError:
            raise TorrentConflict(f"No such file: '{source.name}'.") from None
        except (OSError, ValueError) as ex:
            raise TorrentConflict(f"Cannot move the file: {ex}") from None
        await self._jobs.relocate(job.id, result_path=str(moved))
        current = await self._tasks.get(task.hash)
        if current is not None:
            await self._tasks.upsert(replace(current, content_path=str(moved)))
        log.info("torrent %s: %s moved to %s", task.hash, source, moved)


def _finished_file(job: Job | None) -> Path | None:
    if job is None or job.state is not JobState.COMPLETED or not job.result_path:
        return None
    return Path(job.result_path)


def _file_name_for(mode: JobMode, name: str, suffix: str, job: Job) -> str | None:
    if mode is JobMode.STRM:
        return strm_base_name(name, job) + ".strm"
    return final_file_name(name, suffix)


__all__: Sequence[str] = ["TorrentContent"]
