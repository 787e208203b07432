"""yt-dlp behind the MediaDownloaderPort (quality probes: `media_probe`, which needs no yt-dlp).

yt-dlp is blocking and untyped, so every call runs in a worker thread and only typed values leave this module.
Cancellation works by raising from the progress hook (yt-dlp lets any exception through unchanged); the
`.part` file stays so a later attempt with the same stem resumes (`continuedl`). ffmpeg is used only where
yt-dlp needs it: merging separate audio/video and remuxing HLS MPEG-TS into the MP4 container.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import DownloadError

from anibridge.adapters.ssrf import SsrfGuard
from anibridge.ports.errors import DownloadCancelled, DownloadFailed
from anibridge.ports.streams import DirectStream, DownloadProgress
from anibridge.ports.upstream import UpstreamRefused

log = logging.getLogger(__name__)

_EXPIRED_STATUSES = frozenset({403, 404, 410})
_HTTP_STATUS = re.compile(r"HTTP Error (\d{3})")
_HLS_FRAGMENT_CONCURRENCY = 4


class _Cancelled(Exception):
    """Raised inside the progress hook; yt-dlp propagates it unchanged out of download()."""


class _YdlLogger:
    """Routes yt-dlp's chatter to logging at debug level (warnings stay warnings)."""

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def info(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def warning(self, msg: str) -> None:
        log.warning("yt-dlp: %s", msg)

    def error(self, msg: str) -> None:
        log.debug("yt-dlp error: %s", msg)


def _base_options(stream: DirectStream, socket_timeout: float) -> dict[str, Any]:
    return {
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "noplaylist": True,
        "logger": _YdlLogger(),
        "http_headers": dict(stream.headers),
        "socket_timeout": socket_timeout,
        "retries": 3,
        "fragment_retries": 3,
        "cachedir": False,
    }


def _http_status(error: BaseException) -> int | None:
    """The HTTP status behind a yt-dlp error, from its cause chain or, failing that, its message."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        status = getattr(current, "status", None)
        if isinstance(status, int):
            return status
        exc_info = getattr(current, "exc_info", None)
        nxt = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None
        current = nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
    match = _HTTP_STATUS.search(str(error))
    return int(match.group(1)) if match else None


def _refusal_in(error: BaseException) -> UpstreamRefused | None:
    """The SSRF guard's refusal somewhere in a yt-dlp error's cause chain (yt-dlp wraps download failures)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UpstreamRefused):
            return current
        exc_info = getattr(current, "exc_info", None)
        nxt = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None
        current = nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
    return None


def _clean_message(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.removeprefix("ERROR: ").strip()


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return None


ProgressCallback = Callable[[DownloadProgress], None]


class _GuardedYoutubeDL(yt_dlp.YoutubeDL):  # type: ignore[misc]  # yt-dlp is untyped
    """Every request yt-dlp makes (the media URL, playlists, keys, each segment) passes the SSRF guard first, and
    the URL a redirect chain ended on is checked before a byte of its answer is used. The media URLs come from
    hoster pages: a hoster (or a page pretending to be one) must not make anibridge save a loopback or LAN
    service's answer as a finished download. Limit: an intermediate redirect hop is requested by yt-dlp's own
    HTTP stack before its target can be checked; its answer is discarded."""

    def __init__(self, params: dict[str, Any], guard: SsrfGuard | None) -> None:
        super().__init__(params)
        self._guard = guard

    def urlopen(self, req: Any) -> Any:
        if self._guard is None:
            return super().urlopen(req)
        url = req if isinstance(req, str) else str(getattr(req, "url", "") or req.get_full_url())
        self._guard.check_sync(url)
        response = super().urlopen(req)
        final = str(getattr(response, "url", "") or url)
        if final != url:
            try:
                self._guard.check_sync(final)
            except UpstreamRefused:
                response.close()
                raise
        return response


class YtDlpDownloader:
    """Downloads one DirectStream to `dest_dir/<stem>.<ext>` with progress, rate limit, cancel and resume."""

    def __init__(self, socket_timeout: float = 20.0, merge_format: str = "mkv", guard: SsrfGuard | None = None) -> None:
        self._timeout = socket_timeout
        self._merge_format = merge_format
        self._guard = guard
        """None only where the caller vouches for every URL (tests against loopback fakes); the app passes one."""

    async def download(
        self,
        stream: DirectStream,
        dest_dir: Path,
        stem: str,
        on_progress: ProgressCallback,
        is_cancelled: Callable[[], bool],
        rate_limit: int | None = None,
    ) -> Path:
        dest_dir.mkdir(parents=True, exist_ok=True)
        if is_cancelled():
            raise DownloadCancelled("cancelled before the download started")
        return await asyncio.to_thread(self._run, stream, dest_dir, stem, on_progress, is_cancelled, rate_limit)

    def _options(self, stream: DirectStream, dest_dir: Path, stem: str, hook: Callable[[dict[str, Any]], None],
                 rate_limit: int | None) -> dict[str, Any]:
        opts = _base_options(stream, self._timeout)
        hls = stream.is_hls or ".m3u8" in stream.url.split("?", 1)[0]
        opts.update({
            "paths": {"home": str(dest_dir)},
            "outtmpl": f"{stem.replace('%', '%%')}.%(ext)s",
            "progress_hooks": [hook],
            "continuedl": True,
            "nopart": False,
            "overwrites": False,
            "concurrent_fragment_downloads": _HLS_FRAGMENT_CONCURRENCY,
            "merge_output_format": self._merge_format,
            "restrictfilenames": False,
            "windowsfilenames": False,
        })
        if rate_limit and rate_limit > 0:
            # The limit applies per fragment stream; HLS fetches several fragments at once.
            opts["ratelimit"] = max(1, rate_limit // _HLS_FRAGMENT_CONCURRENCY) if hls else rate_limit
        return opts

    def _run(self, stream: DirectStream, dest_dir: Path, stem: str, on_progress: ProgressCallback,
             is_cancelled: Callable[[], bool], rate_limit: int | None) -> Path:
        finished: list[str] = []

        def hook(status: dict[str, Any]) -> None:
            if is_cancelled():
                raise _Cancelled()
            state = status.get("status")
            if state == "finished" and isinstance(status.get("filename"), str):
                finished.append(status["filename"])
            if state not in ("downloading", "finished"):
                return
            total = _as_int(status.get("total_bytes")) or _as_int(status.get("total_bytes_estimate"))
            downloaded = _as_int(status.get("downloaded_bytes")) or 0
            if state == "finished" and total is None:
                total = downloaded or None
            speed = status.get("speed")
            on_progress(DownloadProgress(
                downloaded_bytes=downloaded,
                total_bytes=total,
                speed=float(speed) if isinstance(speed, (int, float)) else None,
                eta=_as_int(status.get("eta")),
            ))

        try:
            with _GuardedYoutubeDL(self._options(stream, dest_dir, stem, hook, rate_limit), self._guard) as ydl:
                info = ydl.extract_info(stream.url, download=True)
        except _Cancelled:
            raise DownloadCancelled("download cancelled") from None
        except UpstreamRefused as ex:
            log.warning("%s: media URL refused by the SSRF guard: %s", stream.provider, ex.reason)
            raise DownloadFailed(f"{stream.provider}: media URL refused ({ex.reason})") from None
        except DownloadError as ex:
            if is_cancelled():
                raise DownloadCancelled("download cancelled") from None
            refused = _refusal_in(ex)
            if refused is not None:
                log.warning("%s: a media request was refused by the SSRF guard: %s", stream.provider, refused.reason)
                raise DownloadFailed(f"{stream.provider}: media URL refused ({refused.reason})") from None
            status = _http_status(ex)
            message = f"{stream.provider}: {_clean_message(ex)}"
            raise DownloadFailed(message, expired=status in _EXPIRED_STATUSES) from ex
        except OSError as ex:
            raise DownloadFailed(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
        except Exception as ex:  # noqa: BLE001 - yt-dlp raises all kinds of things; keep the cause text
            if is_cancelled():
                raise DownloadCancelled("download cancelled") from None
            raise DownloadFailed(f"{stream.provider}: unexpected {type(ex).__name__}: {ex}") from ex
        path = self._result_path(info, dest_dir, stem, finished)
        if path is None:
            raise DownloadFailed(f"{stream.provider}: yt-dlp reported success but wrote no file for {stem!r}")
        return path

    @staticmethod
    def _result_path(info: object, dest_dir: Path, stem: str, finished: list[str]) -> Path | None:
        candidates: list[str] = []
        if isinstance(info, Mapping):
            for item in info.get("requested_downloads") or []:
                if isinstance(item, Mapping) and isinstance(item.get("filepath"), str):
                    candidates.append(item["filepath"])
            if isinstance(info.get("filepath"), str):
                candidates.append(info["filepath"])
        candidates.extend(reversed(finished))
        for raw in candidates:
            path = Path(raw)
            path = path if path.is_absolute() else dest_dir / path
            if path.is_file():
                return path
        matches = [p for p in dest_dir.glob(f"{glob_escape(stem)}.*")
                   if p.is_file() and not p.name.endswith((".part", ".ytdl")) and ".part-Frag" not in p.name]
        return max(matches, key=lambda p: p.stat().st_size) if matches else None


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]])", r"[\1]", text)
