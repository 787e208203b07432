"""The job side: the runner (download or `.strm` file per job) and the durable scheduler with its workers.

The stream finder (sites + hosters) is built on the first job, not when the app starts: the runner gets a
factory and `_LazyFinder` calls it once.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from anibridge.adapters.media_check import FfprobeMediaVerifier
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.jobs.strm_files import (
    StrmProxyConfig,
    StrmWriter,
)
from anibridge.domain.qbittorrent.retention import ExpiredMediaSweeper
from anibridge.wiring.strm import proxy_options

if TYPE_CHECKING:
    import httpx

    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.ports.repos import ClientTaskRepo, JobRepo, StrmMappingRepo
    from anibridge.ports.streams import DirectStream, DownloadProgress, MediaDownloaderPort, StreamSource
    from anibridge.ports.system import Clock, FileStore
    from anibridge.settings import Settings

LEASE_SECONDS = 30.0


def _free_bytes(root: Path) -> int | None:
    try:
        return shutil.disk_usage(root).free
    except OSError:
        return None


class _LazyFinder:
    """Defers building the container's `stream_finder` (sites + hosters) to the first job."""

    def __init__(self, build: Callable[[], StreamSource]) -> None:
        self._build = build
        self._finder: StreamSource | None = None

    async def find(
        self, ref: EpisodeRef, preferred: str | None = None, exclude: frozenset[str] = frozenset()
    ) -> DirectStream:
        if self._finder is None:
            self._finder = self._build()
        return await self._finder.find(ref, preferred=preferred, exclude=exclude)


def strm_proxy_config(settings: Settings) -> StrmProxyConfig | None:
    """The URLs a proxy-mode .strm holds must verify in the proxy: read them from the proxy's own options."""
    if settings.strm_proxy_mode != "proxy":
        return None
    options = proxy_options(settings)
    return StrmProxyConfig(options.public_base_url, options.auth_mode, options.secret)


def build_job_runner(
    settings: Settings,
    clock: Clock,
    jobs: JobRepo,
    tasks: ClientTaskRepo,
    mappings: StrmMappingRepo,
    downloader: MediaDownloaderPort,
    files: FileStore,
    finder_factory: Callable[[], StreamSource],
    on_sample: Callable[[str, DownloadProgress], None] | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> JobRunner:
    finder = _LazyFinder(finder_factory)
    # Every download is checked before it is called complete (a hoster's error page, a cut-off video).
    verifier = FfprobeMediaVerifier(http_client, min_seconds=settings.verify_min_duration_seconds,
                                    playlist_timeout=settings.http_timeout_seconds)
    download = EpisodeDownload(finder, downloader, files, settings.download_rate_limit_bytes_per_sec,
                               verifier=verifier, free_bytes=functools.partial(_free_bytes, files.root),
                               min_free_bytes=settings.download_min_free_mb * 2**20,
                               providers=list(settings.provider_order))
    strm = StrmWriter(finder, files, mappings, clock, strm_proxy_config(settings))
    return JobRunner(jobs, clock, download, strm, tasks, lease=timedelta(seconds=LEASE_SECONDS), on_sample=on_sample)


def build_scheduler(settings: Settings, clock: Clock, jobs: JobRepo, runner: JobRunner, instance_id: str) -> JobScheduler:
    return JobScheduler(
        jobs, clock, runner, concurrency=settings.max_concurrency, instance_id=instance_id, lease_seconds=LEASE_SECONDS
    )


def build_media_sweeper(settings: Settings, clock: Clock, jobs: JobRepo, tasks: ClientTaskRepo,
                        files: FileStore) -> ExpiredMediaSweeper | None:
    """DOWNLOADS_TTL_HOURS > 0: finished media (and its task) older than that is removed periodically."""
    if settings.downloads_ttl_hours <= 0:
        return None
    return ExpiredMediaSweeper(jobs, tasks, files, clock, timedelta(hours=settings.downloads_ttl_hours))
