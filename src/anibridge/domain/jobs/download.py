"""Download use case: one job's episode → a hoster's direct stream → a finished file named after the release.

Order of attempts: the hoster a previous (interrupted) attempt left a partial file for, else the magnet's
provider, then PROVIDER_ORDER (the StreamFinder's job). An expired direct URL (403/404/410) is re-resolved once
on the same hoster; any other failure moves to the next hoster. The failure message lists every cause, so the
qBittorrent UI shows why nothing worked. A catalogue site that is down (SiteUnavailable: 5xx, timeouts) is
waited out a few times (SITE_RETRY_DELAYS) before the job fails: a short site outage must not fail every
queued grab, which Sonarr would blocklist.

The media is written under a hidden temp stem `.anibridge-<job id>.<provider>` inside the download directory
(so a restart resumes from the `.part` of the same hoster), checked by the MediaVerifierPort (a hoster's error
page or a cut-off video is discarded and the next hoster tried) and renamed atomically to `<release title>.<ext>`
at the end: Sonarr never sees a half-written or broken file under the final name.

Exactly one final file per release name: the rename replaces a file of the same name instead of numbering it,
and a job whose final file already exists (a crash or a failed database write after the rename, or the same
episode asked for again) adopts it instead of downloading it once more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from anibridge.domain.releases.names import final_file_name
from anibridge.ports.errors import (
    ChallengeRequired,
    DiskFull,
    DownloadCancelled,
    DownloadFailed,
    DownloadThrottled,
    HosterUnavailable,
    MediaRejected,
    NotFound,
    SiteUnavailable,
)

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.domain.jobs.records import Job
    from anibridge.ports.streams import (
        DirectStream,
        DownloadProgress,
        MediaDownloaderPort,
        MediaVerifierPort,
        StreamSource,
    )
    from anibridge.ports.system import FileStore

log = logging.getLogger(__name__)

TEMP_PREFIX = ".anibridge-"
SITE_RETRY_DELAYS: tuple[float, ...] = (5.0, 20.0, 60.0)
"""Seconds to wait before asking a site that answered SiteUnavailable again (then the job fails)."""
TRANSIENT_DELAYS: tuple[float, ...] = (30.0, 60.0, 120.0, 300.0, 600.0)
"""Back-off while the download directory is full (about 18 minutes in all, then the job fails)."""
THROTTLE_DELAYS: tuple[float, ...] = (15.0, 45.0)
"""Back-off before asking a hoster that answered 429 again (then the next hoster)."""
Notify = Callable[[str], Awaitable[None]]
"""Shows why a download waits (the task's state message), or clears it with ""."""
VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".m4v", ".mov", ".ts", ".avi", ".flv")
"""Extensions a finished download can have (what yt-dlp writes or merges into)."""


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


def final_files(files: FileStore, job: Job, providers: Sequence[str] = ()) -> list[Path]:
    """Finished files on disk under the names this job's download would get (any video extension), in the job's
    target directory.

    Blocking (stat calls). Used to adopt a file instead of fetching it again, and by deletes of a job whose
    completion was never recorded. A job without a release title (JSON job API without `title_hint`) is named
    after the hoster that delivered it, so every hoster in `providers` is a candidate.
    """
    titles = [job.release_title] if job.release_title else []
    if not job.release_title:
        candidates = dict.fromkeys((job.provider_used, job.provider, *providers))
        titles += [fallback_title(job.ref, p) for p in candidates if p]
    folder = files.root / job.target_dir if job.target_dir else files.root
    found: list[Path] = []
    for title in titles:
        for ext in VIDEO_EXTENSIONS:
            name = final_file_name(title, ext)
            if not name:
                continue
            try:
                size = files.size(folder / name)
            except (OSError, ValueError):
                continue
            if size:
                found.append(folder / name)
    return found


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
        verifier: MediaVerifierPort | None = None,
        *,
        free_bytes: Callable[[], int | None] | None = None,
        min_free_bytes: int = 0,
        transient_delays: Sequence[float] = TRANSIENT_DELAYS,
        throttle_delays: Sequence[float] = THROTTLE_DELAYS,
        providers: Sequence[str] = (),
    ) -> None:
        self._providers = tuple(providers)
        self._finder = finder
        self._verifier = verifier
        self._free_bytes = free_bytes
        self._min_free = min_free_bytes
        self._transient_delays = tuple(transient_delays)
        self._throttle_delays = tuple(throttle_delays)
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
        on_wait: Notify | None = None,
    ) -> DownloadResult:
        """Passing faults (a full disk, a site or a hoster's rate limit) are waited out with bounded back-off,
        shown through `on_wait`; only then, or on a real failure of every hoster, DownloadFailed."""
        notify = on_wait or _silent
        disk_delays = list(self._transient_delays)
        throttles: dict[str, list[float]] = {}
        # File-system work (listing partials, renames, deletes) runs in a worker thread: a slow disk or NFS mount
        # must not stall the event loop that serves the API and the other downloads.
        adopted = await asyncio.to_thread(self._adopt, job)
        if adopted is not None:
            return adopted
        preferred = await asyncio.to_thread(self.partial_provider, job.id) or job.provider
        exclude: set[str] = set()
        causes: list[str] = []
        refreshed: set[str] = set()
        while True:
            if is_cancelled():
                raise DownloadCancelled("cancelled")
            await self._wait_for_space(job, disk_delays, notify, is_cancelled)
            stream = await self._find(job, preferred, frozenset(exclude), causes, is_cancelled, notify)
            stem = temp_stem(job.id, stream.provider)
            log.info("job %s: downloading %s from %s", job.id, job.ref.label, stream.provider)
            try:
                announced = _LastTotal(on_progress)
                path = await self._downloader.download(
                    stream, self._files.root, stem, announced, is_cancelled, self._rate_limit
                )
                await asyncio.to_thread(_check_announced_size, path, stream, announced.total)
                if self._verifier is not None:
                    await self._verifier.verify(path, stream)
            except DiskFull as ex:
                # Not the hoster's fault: keep its partial (the next attempt resumes it) and wait for space.
                if not disk_delays:
                    raise DownloadFailed(f"download directory full: {ex}") from ex
                delay = disk_delays.pop(0)
                await notify(f"waiting for free space in the download directory ({ex}); trying again in {delay:g} s")
                log.warning("job %s: disk full (%s); waiting %gs", job.id, ex, delay)
                await _sleep_unless_cancelled(delay, is_cancelled)
                preferred = stream.provider
                continue
            except DownloadThrottled as ex:
                waits = throttles.setdefault(stream.provider, list(self._throttle_delays))
                if waits:
                    delay = waits.pop(0)
                    await notify(f"{stream.provider} limits requests (HTTP 429); trying it again in {delay:g} s")
                    log.info("job %s: %s rate-limited; waiting %gs", job.id, stream.provider, delay)
                    await _sleep_unless_cancelled(delay, is_cancelled)
                    preferred = stream.provider
                    continue
                log.warning("job %s: %s still rate-limited: %s", job.id, stream.provider, ex)
                causes.append(_cause(stream.provider, ex))
                exclude.add(stream.provider)
                preferred = None
                continue
            except DownloadFailed as ex:
                if ex.expired and stream.provider not in refreshed:
                    log.info("job %s: direct URL of %s expired (%s); resolving it again", job.id, stream.provider, ex)
                    refreshed.add(stream.provider)
                    preferred = stream.provider
                    continue
                what = "sent a broken file" if isinstance(ex, MediaRejected) else "failed"
                log.warning("job %s: %s %s: %s", job.id, stream.provider, what, ex)
                causes.append(_cause(stream.provider, ex))
                exclude.add(stream.provider)
                await asyncio.to_thread(self.discard_partials, job.id, stream.provider)
                preferred = None
                continue
            return await asyncio.to_thread(self._finish, job, path, stream.provider)

    async def _find(
        self, job: Job, preferred: str | None, exclude: frozenset[str], causes: list[str],
        is_cancelled: Callable[[], bool], notify: Notify,
    ) -> DirectStream:
        stream = await find_stream(self._finder, job, preferred, is_cancelled, self._site_retry_delays,
                                   exclude=exclude, causes=causes, on_wait=notify)
        return stream

    async def _wait_for_space(self, job: Job, delays: list[float], notify: Notify,
                              is_cancelled: Callable[[], bool]) -> None:
        """Before a download starts: below the configured minimum of free space, wait (bounded) instead of
        filling the disk to the last byte and failing a release that is fine."""
        if self._free_bytes is None or self._min_free <= 0:
            return
        waited = False
        while (free := await asyncio.to_thread(self._free_bytes)) is not None and free < self._min_free:
            if not delays:
                raise DownloadFailed(f"download directory full: {free // 2**20} MiB free, "
                                     f"{self._min_free // 2**20} MiB needed")
            delay = delays.pop(0)
            await notify(f"waiting for free space in the download directory ({free // 2**20} MiB free, "
                         f"{self._min_free // 2**20} MiB needed); checking again in {delay:g} s")
            log.warning("job %s: only %d MiB free; waiting %gs", job.id, free // 2**20, delay)
            await _sleep_unless_cancelled(delay, is_cancelled)
            waited = True
        if waited:
            await notify("")

    def _adopt(self, job: Job) -> DownloadResult | None:
        """This job's final file when it is already on disk (blocking: called through `asyncio.to_thread`)."""
        found = final_files(self._files, job, self._providers)
        if not found:
            return None
        final = found[0]
        self.discard_partials(job.id)
        provider = job.provider_used or job.provider or "disk"
        log.info("job %s: %s is already on disk; adopting it instead of downloading again", job.id, final.name)
        return DownloadResult(path=final, provider=provider, size=final.stat().st_size)

    def _finish(self, job: Job, path: Path, provider: str) -> DownloadResult:
        """Blocking (rename, deletes, stat): called through `asyncio.to_thread`."""
        ext = path.suffix
        name = final_file_name(job.release_title, ext) or final_file_name(fallback_title(job.ref, provider), ext)
        assert name is not None  # the fallback title is never empty
        final = self._files.rename_over(path, name, job.target_dir)
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
    on_wait: Notify | None = None,
) -> DirectStream:
    """A direct stream for the job, or DownloadFailed naming every cause (`causes`: earlier hosters' failures).

    A catalogue site that is down (SiteUnavailable) is asked again after each of `site_retry_delays`: failing the
    job at once would put it into `error`, and Sonarr would blocklist a release that works a minute later.
    """
    delays = list(site_retry_delays)
    total = len(delays)
    waited = False
    while True:
        try:
            stream = await finder.find(job.ref, preferred=preferred, exclude=exclude)
            if waited and on_wait is not None:
                await on_wait("")
            return stream
        except NotFound as ex:
            if not causes:
                raise DownloadFailed(f"{job.ref.label} is not offered: {ex}") from ex
            raise DownloadFailed(_all_failed(causes, None)) from ex
        except SiteUnavailable as ex:
            if not delays:
                # The site, not the hosters, failed: say so (the hosters were never asked).
                raise DownloadFailed(_all_failed(causes, str(ex)) if causes else str(ex)) from ex
            delay = delays.pop(0)
            if on_wait is not None:
                await on_wait(f"{ex}; asking again in {delay:g} s (attempt {total - len(delays)} of {total})")
            log.warning("job %s: %s; asking again in %gs", job.id, ex, delay)
            waited = True
            await _sleep_unless_cancelled(delay, is_cancelled)
        except (HosterUnavailable, ChallengeRequired) as ex:
            raise DownloadFailed(_all_failed(causes, str(ex))) from ex


class _LastTotal:
    """Passes progress samples on and remembers the last total the source announced (its Content-Length)."""

    def __init__(self, forward: Callable[[DownloadProgress], None]) -> None:
        self._forward = forward
        self.total: int | None = None

    def __call__(self, progress: DownloadProgress) -> None:
        if progress.total_bytes:
            self.total = progress.total_bytes
        self._forward(progress)


def _check_announced_size(path: Path, stream: DirectStream, announced: int | None) -> None:
    """A direct file smaller than its Content-Length was cut off, whatever the downloader said. HLS totals are
    estimates (segment sizes are not announced), so only direct files are checked. Blocking (stat)."""
    if announced is None or stream.is_hls or ".m3u8" in stream.url.split("?", 1)[0]:
        return
    size = path.stat().st_size
    if size < announced:
        raise MediaRejected(f"{stream.provider}: the video is cut short: {size} of the {announced} bytes announced")


async def _silent(text: str) -> None:
    return None


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
