"""STRM job use case: resolve the episode once and write a `.strm` pointer file atomically (temp sibling, then rename).

In `direct` mode the file holds the hoster's URL (short-lived); in `proxy` mode it holds anibridge's signed,
never-expiring `/strm/stream` URL and the resolved URL is remembered in the mapping table so the proxy does
not resolve again on the first play.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from anibridge.domain.jobs.download import (
    SITE_RETRY_DELAYS,
    GateWait,
    Notify,
    find_stream,
    job_prefix,
)
from anibridge.domain.releases.names import strip_invisible
from anibridge.domain.strm.records import StrmMapping
from anibridge.domain.strm.urls import AuthMode, stream_url
from anibridge.ports.errors import DownloadCancelled, DownloadFailed

if TYPE_CHECKING:
    from pathlib import Path

    from anibridge.domain.jobs.records import Job
    from anibridge.ports.repos import StrmMappingRepo
    from anibridge.ports.streams import StreamSource
    from anibridge.ports.system import Clock, FileStore

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r'[\\/:*?"<>|]+')
_SPACES = re.compile(r"[\s_]+")
_SAMPLE = re.compile(r"\bsample\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class StrmProxyConfig:
    """`STRM_PROXY_MODE=proxy`: where the proxy is reachable from the media server and how URLs are signed."""

    public_base_url: str
    auth_mode: AuthMode
    secret: str


@dataclass(frozen=True, slots=True)
class StrmResult:
    path: Path
    provider: str
    size: int

    @property
    def message(self) -> str:
        return f"STRM created (provider={self.provider})"


def strm_base_name(title: str, job: Job) -> str:
    """Media-server-safe base name; keeps the STRM marker so Sonarr's grab and the file match."""
    base = title.strip() or f"{job.ref.slug}.S{job.ref.season:02d}E{job.ref.episode:02d}"
    base = _SAMPLE.sub("clip", base)
    base = _SPACES.sub(" ", _UNSAFE.sub("_", strip_invisible(base))).strip().lstrip(".").strip()
    return base if base not in ("", ".", "..") else "Episode"


class StrmWriter:
    """Writes the `.strm` in one atomic step and records the resolved URL, so a media server never reads half a
    pointer and the proxy's first play needs no second resolution."""

    def __init__(
        self,
        finder: StreamSource,
        files: FileStore,
        mappings: StrmMappingRepo,
        clock: Clock,
        proxy: StrmProxyConfig | None = None,
        site_retry_delays: Sequence[float] = SITE_RETRY_DELAYS,
        gate_wait: GateWait | None = None,
    ) -> None:
        self._site_retry_delays = tuple(site_retry_delays)
        self._gate_wait = gate_wait
        self._finder = finder
        self._files = files
        self._mappings = mappings
        self._clock = clock
        self._proxy = proxy

    async def run(self, job: Job, is_cancelled: Callable[[], bool], on_wait: Notify | None = None) -> StrmResult:
        """Resolve and write; a site gate or outage met on the way is waited out like a download's, and what it
        waits for goes through `on_wait` (the task's comment), so a `.strm` grab does not look stuck without reason."""
        if self._proxy is not None and not self._proxy.public_base_url.strip():
            raise DownloadFailed("STRM_PROXY_MODE=proxy needs STRM_PUBLIC_BASE_URL (the URL media servers reach)")
        if is_cancelled():
            raise DownloadCancelled("cancelled")
        stream = await find_stream(self._finder, job, job.provider, is_cancelled, self._site_retry_delays,
                                   gate_wait=self._gate_wait, on_wait=on_wait)
        if is_cancelled():
            raise DownloadCancelled("cancelled")
        scheme = urlsplit(stream.url).scheme.lower()
        if scheme not in ("http", "https"):
            raise DownloadFailed(f"STRM url must be http(s), got scheme={scheme or 'none'}")
        await self._mappings.put(StrmMapping(
            ref=job.ref,
            provider_hint=job.provider or "",
            resolved_url=stream.url,
            resolved_at=self._clock.now(),
            provider_used=stream.provider,
            headers=dict(stream.headers),
        ))
        if self._proxy is None:
            url = stream.url
        else:
            url = stream_url(self._proxy.public_base_url, job.ref, job.provider, self._proxy.auth_mode,
                             self._proxy.secret)
        content = url + "\n"
        final = await asyncio.to_thread(self._write_strm, job, content)  # fsync and rename: off the event loop
        log.info("job %s: wrote %s (%s)", job.id, final.name, stream.provider)
        return StrmResult(path=final, provider=stream.provider, size=len(content.encode("utf-8")))

    def _write_strm(self, job: Job, content: str) -> Path:
        """Atomic write of the temp file, then rename to the final unique name (blocking; run in a thread)."""
        tmp = self._files.write_text_atomic(f"{job_prefix(job.id)}.strm.tmp", content)
        return self._files.rename_unique(tmp, strm_base_name(job.release_title, job) + ".strm", job.target_dir)
