"""Download use case: one job's episode → a hoster's direct stream → a finished file named after the release.

Order of attempts: the hoster a previous (interrupted) attempt left a partial file for, else the magnet's
provider, then PROVIDER_ORDER (the StreamFinder's job). An expired direct URL (403/404/410) is re-resolved once
on the same hoster; any other failure moves to the next hoster. The failure message lists every cause, so the
qBittorrent UI shows why nothing worked. A catalogue site that is down (SiteUnavailable: 5xx, timeouts) is
waited out a few times (SITE_RETRY_DELAYS) before the job fails: a short site outage must not fail every
queued grab, which Sonarr would blocklist.

The media is written under a hidden temp stem `.anibridge-<job id>.<provider>` inside the download directory
(so a restart resumes from the `.part` of the same hoster) and renamed atomically to `<release title>.<ext>`
at the end: Sonarr never sees a half-written file under the final name.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from anibridge.domain.releases.names import final_file_name
from anibridge.ports.errors import (
    ChallengeRequired,
    DownloadCancelled,
    DownloadFailed,
    HosterUnavailable,
    NotFound,
    SiteUnavailable,
)

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.domain.jobs.records import Job
    from anibridge.ports.streams import DirectStream, DownloadProgress, MediaDownloaderPort, StreamSource
    from anibridge.ports.system import FileStore

log = logging.getLogger(__name__)

TEMP_PREFIX = ".anibridge-"
SITE_RETRY_DELAYS: tuple[float, ...] = (5.0, 20.0, 60.0)
"""Seconds to wait before asking a site that answered SiteUnavailable again (then the job fails)."""


@dataclass(frozen=True, slots=True)
class DownloadResult:
    path: Path
    provider: str
    size: int


def temp_stem(job_id: str, provider: str) -> str:
    return f"{TEMP_PREFIX}{job_id}.{provider}"


def job_prefix(job_id: str) -> str:
    return f"{TEMP_PREFIX}{job_id}"


def fallback_title(ref: EpisodeRef, provider: str) -> str:
    """Name used when a job carries no release title (legacy API without title_hint), as the reference does."""
    return f"{ref.slug}-S{ref.season:02d}E{ref.episode:02d}-{ref.language.value}-{provider}"


class EpisodeDownload:
    """Owns the hoster fallback and temp-file naming so a restart resumes the same partial and Sonarr never
    sees a half-written file; the runner only sees one result or one DownloadFailed naming every cause."""

    def __init__(
        self,
        finder: StreamSource,
        downloader: MediaDownloaderPort,
        files: FileStore,
        rate_limit: int | None = None,
        site_retry_delays: Sequence[float] = SITE_RETRY_DELAYS,
    ) -> None:
        self._finder = finder
        self._site_retry_delays = tuple(site_retry_delays)
        self._downloader = downloader
        self._files = files
        self._rate_limit = rate_limit if rate_limit and rate_limit > 0 else None

    def partial_provider(self, job_id: str) -> str | None:
        """The hoster an earlier attempt of this job was downloading from (its partial file survives)."""
        for path in self._files.partials(job_prefix(job_id)):
            rest = path.name[len(job_prefix(job_id)) + 1 :]
            provider = rest.split(".", 1)[0]
            if provider:
                return provider
        return None

    def discard_partials(self, job_id: str, provider: str | None = None) -> int:
        """Remove temp/partial files of a job (all, or one hoster's); used on cancel and hoster switch."""
        prefix = temp_stem(job_id, provider) if provider else job_prefix(job_id)
        removed = 0
        for path in self._files.partials(prefix):
            removed += int(self._files.delete(path))
        return removed

    async def run(
        self,
        job: Job,
        on_progress: Callable[[DownloadProgress], None],
        is_cancelled: Callable[[], bool],
    ) -> DownloadResult:
        # File-system work (listing partials, renames, deletes) runs in a worker thread: a slow disk or NFS mount
        # must not stall the event loop that serves the API and the other downloads.
        preferred = await asyncio.to_thread(self.partial_provider, job.id) or job.provider
        exclude: set[str] = set()
        causes: list[str] = []
        refreshed: set[str] = set()
        while True:
            if is_cancelled():
                raise DownloadCancelled("cancelled")
            stream = await self._find(job, preferred, frozenset(exclude), causes, is_cancelled)
            stem = temp_stem(job.id, stream.provider)
            log.info("job %s: downloading %s from %s", job.id, job.ref.label, stream.provider)
            try:
                path = await self._downloader.download(
                    stream, self._files.root, stem, on_progress, is_cancelled, self._rate_limit
                )
            except DownloadFailed as ex:
                if ex.expired and stream.provider not in refreshed:
                    log.info("job %s: direct URL of %s expired (%s); resolving it again", job.id, stream.provider, ex)
                    refreshed.add(stream.provider)
                    preferred = stream.provider
                    continue
                log.warning("job %s: %s failed: %s", job.id, stream.provider, ex)
                causes.append(_cause(stream.provider, ex))
                exclude.add(stream.provider)
                await asyncio.to_thread(self.discard_partials, job.id, stream.provider)
                preferred = None
                continue
            return await asyncio.to_thread(self._finish, job, path, stream.provider)

    async def _find(
        self, job: Job, preferred: str | None, exclude: frozenset[str], causes: list[str],
        is_cancelled: Callable[[], bool],
    ) -> DirectStream:
        return await find_stream(self._finder, job, preferred, is_cancelled, self._site_retry_delays,
                                 exclude=exclude, causes=causes)

    def _finish(self, job: Job, path: Path, provider: str) -> DownloadResult:
        """Blocking (rename, deletes, stat): called through `asyncio.to_thread`."""
        ext = path.suffix
        name = final_file_name(job.release_title, ext) or final_file_name(fallback_title(job.ref, provider), ext)
        assert name is not None  # the fallback title is never empty
        final = self._files.rename_unique(path, name, job.target_dir)
        self.discard_partials(job.id)  # leftovers such as `.ytdl` state or other hosters' partials
        size = final.stat().st_size
        log.info("job %s: finished %s (%d bytes) via %s", job.id, final.name, size, provider)
        return DownloadResult(path=final, provider=provider, size=size)


async def find_stream(
    finder: StreamSource,
    job: Job,
    preferred: str | None,
    is_cancelled: Callable[[], bool],
    site_retry_delays: Sequence[float],
    *,
    exclude: frozenset[str] = frozenset(),
    causes: Sequence[str] = (),
) -> DirectStream:
    """A direct stream for the job, or DownloadFailed naming every cause (`causes`: earlier hosters' failures).

    A catalogue site that is down (SiteUnavailable) is asked again after each of `site_retry_delays`: failing the
    job at once would put it into `error`, and Sonarr would blocklist a release that works a minute later.
    """
    delays = list(site_retry_delays)
    while True:
        try:
            return await finder.find(job.ref, preferred=preferred, exclude=exclude)
        except NotFound as ex:
            if not causes:
                raise DownloadFailed(f"{job.ref.label} is not offered: {ex}") from ex
            raise DownloadFailed(_all_failed(causes, None)) from ex
        except SiteUnavailable as ex:
            if not delays:
                raise DownloadFailed(_all_failed(causes, str(ex))) from ex
            delay = delays.pop(0)
            log.warning("job %s: %s; asking again in %gs", job.id, ex, delay)
            await _sleep_unless_cancelled(delay, is_cancelled)
        except (HosterUnavailable, ChallengeRequired) as ex:
            raise DownloadFailed(_all_failed(causes, str(ex))) from ex


async def _sleep_unless_cancelled(seconds: float, is_cancelled: Callable[[], bool]) -> None:
    """Wait, but notice a delete (cancel) within half a second instead of after the whole delay."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if is_cancelled():
            raise DownloadCancelled("cancelled")
        await asyncio.sleep(min(0.5, left))
    if is_cancelled():
        raise DownloadCancelled("cancelled")


def _cause(provider: str, ex: Exception) -> str:
    text = str(ex)
    return text if text.startswith(f"{provider}:") else f"{provider}: {text}"


def _all_failed(causes: Sequence[str], finder_message: str | None) -> str:
    parts = list(causes)
    if finder_message:
        parts.append(finder_message)
    return "all hosters failed: " + "; ".join(parts) if parts else "no hoster offers this episode"
