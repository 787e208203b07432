"""Removing a deleted torrent's files: the finished file and any partials of its job.

Content Sonarr already moved away is simply gone, and a file that cannot be removed is logged, never a failed
delete: Sonarr treats a failing `torrents/delete` as a client error and would retry it forever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from anibridge.domain.jobs.download import final_files, job_prefix

if TYPE_CHECKING:
    from anibridge.domain.jobs.records import Job
    from anibridge.domain.qbittorrent.records import ClientTask
    from anibridge.ports.system import FileStore

log = logging.getLogger(__name__)


def remove_files(files: FileStore, pairs: Sequence[tuple[ClientTask, Job | None]]) -> None:
    """Blocking (listing and unlinking): run it through `asyncio.to_thread`."""
    for task, job in pairs:
        if job is not None:
            _remove_job_files(files, task, job)


def _remove_job_files(files: FileStore, task: ClientTask, job: Job) -> None:
    candidates: list[Path] = []
    if job.result_path:
        candidates.append(Path(job.result_path))
    try:
        if not job.result_path:  # renamed, but the completion write never made it: the file is still this job's
            candidates.extend(final_files(files, job))
        candidates.extend(files.partials(job_prefix(job.id)))
    except (OSError, ValueError) as ex:
        log.warning("cannot list partial files of %s: %s", task.hash, ex)
    for path in dict.fromkeys(candidates):
        try:
            files.delete(path)
        except (OSError, ValueError) as ex:
            log.warning("cannot delete %s of %s: %s", path, task.hash, ex)
