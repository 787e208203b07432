"""The job side: the runner (download or `.strm` file per job) and the durable scheduler with its workers.

The stream finder (sites + hosters) is built on the first job, not when the app starts: the runner gets a
factory and `_LazyFinder` calls it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.jobs.strm_files import (
    StrmProxyConfig,
    StrmWriter,
)
from anibridge.wiring.strm import proxy_options

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.ports.repos import ClientTaskRepo, JobRepo, StrmMappingRepo
    from anibridge.ports.streams import DirectStream, DownloadProgress, MediaDownloaderPort, StreamSource
    from anibridge.ports.system import Clock, FileStore
    from anibridge.settings import Settings

LEASE_SECONDS = 30.0


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
) -> JobRunner:
    finder = _LazyFinder(finder_factory)
    download = EpisodeDownload(finder, downloader, files, settings.download_rate_limit_bytes_per_sec)
    strm = StrmWriter(finder, files, mappings, clock, strm_proxy_config(settings))
    return JobRunner(jobs, clock, download, strm, tasks, lease=timedelta(seconds=LEASE_SECONDS), on_sample=on_sample)


def build_scheduler(settings: Settings, clock: Clock, jobs: JobRepo, runner: JobRunner, instance_id: str) -> JobScheduler:
    return JobScheduler(
        jobs, clock, runner, concurrency=settings.max_concurrency, instance_id=instance_id, lease_seconds=LEASE_SECONDS
    )
