"""Hoster resolution, quality probing and media download ports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from anibridge.domain.catalog.identity import EpisodeRef


@dataclass(frozen=True, slots=True)
class DirectStream:
    """A playable media URL plus the headers (Referer, User-Agent) the media host insists on."""

    url: str
    provider: str
    headers: Mapping[str, str] = field(default_factory=dict)
    is_hls: bool = False


class StreamResolverPort(Protocol):
    """One video hoster: embed URL → DirectStream. Raises HosterUnavailable, ChallengeRequired or NotFound."""

    @property
    def provider(self) -> str:
        """Canonical provider name (`VOE`, `Filemoon`, …) as used in PROVIDER_ORDER and magnets."""
        ...

    def handles(self, embed_url: str) -> bool:
        """Whether this hoster recognises the embed URL (by host or path shape)."""
        ...

    async def resolve(self, embed_url: str) -> DirectStream: ...


@dataclass(frozen=True, slots=True)
class Quality:
    """Probed video quality; None when the probe could not tell."""

    height: int | None = None
    vcodec: str | None = None


class QualityProbePort(Protocol):
    """Reads height and codec of a direct stream without downloading it."""

    async def probe(self, stream: DirectStream) -> Quality: ...


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    downloaded_bytes: int
    total_bytes: int | None
    speed: float | None
    eta: int | None


class MediaDownloaderPort(Protocol):
    """Downloads a direct stream into `dest_dir/<stem>.<ext>`; resumes from a partial file of the same stem.

    `on_progress` is called from the download thread; `is_cancelled` is polled and ends the download with
    DownloadCancelled. Failures raise DownloadFailed (expired=True when the URL answered 403/404/410).
    """

    async def download(
        self,
        stream: DirectStream,
        dest_dir: Path,
        stem: str,
        on_progress: Callable[[DownloadProgress], None],
        is_cancelled: Callable[[], bool],
        rate_limit: int | None = None,
    ) -> Path: ...


class MediaVerifierPort(Protocol):
    """Checks a finished download before it is named final: real media with video (and audio when
    `needs_audio`), as long as the source announced. Raises MediaRejected naming the defect."""

    async def verify(self, path: Path, stream: DirectStream, *, needs_audio: bool = True) -> None: ...


class StreamSource(Protocol):
    """An episode → one playable direct stream (`anibridge.domain.streams.finder.StreamFinder` implements it).

    `preferred` is tried first; hosters in `exclude` are skipped (a retry after one served a broken file).
    """

    async def find(
        self, ref: EpisodeRef, preferred: str | None = None, exclude: frozenset[str] = frozenset()
    ) -> DirectStream: ...
