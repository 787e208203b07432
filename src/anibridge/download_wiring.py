"""Builders the container uses for the download side (scheduler, runner, use cases).

Kept out of `container.py` so that shared file only gains one line per provider. The builders take the
container itself and fetch `stream_finder` lazily: the finder (hoster side) is built on first use, not when
the app is created.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from anibridge.adapters.media_check import FfprobeMediaVerifier
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.runner import JobRunner
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.jobs.strm_files import (
    StrmProxyConfig,
    StrmWriter,
)
from anibridge.domain.qbittorrent.retention import ExpiredMediaSweeper
from anibridge.strm_wiring import proxy_options

if TYPE_CHECKING:
    import httpx

    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.domain.jobs.download import StreamSource
    from anibridge.ports.repos import ClientTaskRepo, JobRepo, StrmMappingRepo
    from anibridge.ports.streams import DirectStream, DownloadProgress, MediaDownloaderPort
    from anibridge.ports.system import Clock, FileStore
    from anibridge.settings import Settings

LEASE_SECONDS = 30.0


def _free_bytes(root: Path) -> int | None:
    try:
        return shutil.disk_usage(root).free
    except OSError:
        return None


class _Providers(Protocol):
    """The container providers these builders read (structural, so this module never imports the container)."""

    def settings(self) -> Settings: ...
    def clock(self) -> Clock: ...
    def job_repo(self) -> JobRepo: ...
    def client_task_repo(self) -> ClientTaskRepo: ...
    def strm_mapping_repo(self) -> StrmMappingRepo: ...
    def media_downloader(self) -> MediaDownloaderPort: ...
    def file_store(self) -> FileStore: ...
    def instance_id(self) -> str: ...
    def job_runner(self) -> JobRunner: ...
    def stream_finder(self) -> StreamSource: ...
    def http_client(self) -> httpx.AsyncClient: ...


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
    c: _Providers, on_sample: Callable[[str, DownloadProgress], None] | None = None
) -> JobRunner:
    settings = c.settings()
    finder = _LazyFinder(c.stream_finder)
    files = c.file_store()
    verifier = FfprobeMediaVerifier(c.http_client(), min_seconds=settings.verify_min_duration_seconds,
                                    playlist_timeout=settings.http_timeout_seconds)
    download = EpisodeDownload(finder, c.media_downloader(), files, settings.download_rate_limit_bytes_per_sec,
                               verifier=verifier, free_bytes=functools.partial(_free_bytes, files.root),
                               min_free_bytes=settings.download_min_free_mb * 2**20,
                               providers=list(settings.provider_order))
    strm = StrmWriter(finder, files, c.strm_mapping_repo(), c.clock(), strm_proxy_config(settings))
    return JobRunner(c.job_repo(), c.clock(), download, strm, c.client_task_repo(),
                     lease=timedelta(seconds=LEASE_SECONDS), on_sample=on_sample)


def build_scheduler(c: _Providers) -> JobScheduler:
    settings = c.settings()
    return JobScheduler(
        c.job_repo(),
        c.clock(),
        c.job_runner(),
        concurrency=settings.max_concurrency,
        instance_id=c.instance_id(),
        lease_seconds=LEASE_SECONDS,
    )


def build_media_sweeper(c: _Providers) -> ExpiredMediaSweeper | None:
    """DOWNLOADS_TTL_HOURS > 0: finished media (and its task) older than that is removed periodically."""
    hours = c.settings().downloads_ttl_hours
    if hours <= 0:
        return None
    return ExpiredMediaSweeper(c.job_repo(), c.client_task_repo(), c.file_store(), c.clock(),
                               timedelta(hours=hours))
