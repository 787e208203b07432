"""yt-dlp behind the MediaDownloaderPort (quality probes: `media_probe`, which needs no yt-dlp).

A progressive file (anything not HLS) goes to `downloads.ranged` first: several Range connections at once,
because hosters throttle each connection and yt-dlp fetches such a file over one. HLS — and a playlist found
behind a plain URL — goes to `downloads.hls`: segments over several connections, remuxed to MP4 by ffmpeg while
they arrive. What neither understands (a page, a live playlist, DRM, separate audio renditions, no ffmpeg) comes
back here to yt-dlp, with as many fragments in flight as the download may open connections. All of them share
one ConnectionBudget so the total number of hoster connections across all downloads stays bounded.

yt-dlp is blocking and untyped, so every call runs in a worker thread and only typed values leave this module.
Cancellation works by raising from the progress hook (yt-dlp lets any exception through unchanged); the
`.part` file stays so a later attempt with the same stem resumes (`continuedl`). ffmpeg is used only where
yt-dlp needs it: merging separate audio/video and remuxing HLS MPEG-TS into the MP4 container.

The first bytes that arrive are looked at once: a hoster answering with an HTML "File not found" page (as the
file itself or as every HLS segment) is refused there, before the rest of the download wastes time.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.hls import HlsDownloader, HlsOptions, NotOwnHls
from anibridge.adapters.downloads.ranged import (
    NotProgressive,
    RangedDownloader,
    RangedOptions,
    find_partial,
    sidecar_of,
)
from anibridge.adapters.resolving import proxy_for
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.domain.streams.sniff import HEAD_BYTES, MIN_DECIDING_BYTES, text_body_reason
from anibridge.ports.errors import DiskFull, DownloadCancelled, DownloadFailed, DownloadThrottled, MediaRejected
from anibridge.ports.streams import DirectStream, DownloadProgress
from anibridge.ports.upstream import UpstreamRefused

log = logging.getLogger(__name__)

_EXPIRED_STATUSES = frozenset({403, 404, 410})
_HTTP_STATUS = re.compile(r"HTTP Error (\d{3})")


class _Cancelled(Exception):
    """Raised inside the progress hook; yt-dlp propagates it unchanged out of download()."""


class _TextBody(Exception):
    """Raised inside the progress hook when the first bytes are a text page; carries the reason."""


def _sniff(status: dict[str, Any]) -> bool:
    """Whether the file the hook reports has enough bytes to judge; raises _TextBody for a text page."""
    name = status.get("tmpfilename") or status.get("filename")
    if not isinstance(name, str):
        return False
    complete = status.get("status") == "finished"
    try:
        with open(name, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    if len(head) < MIN_DECIDING_BYTES and not complete:
        return False
    reason = text_body_reason(head, complete=complete)
    if reason:
        raise _TextBody(reason)
    return True


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


def _guarded(ydl_class: Any, guard: SsrfGuard | None) -> Any:
    """yt-dlp's YoutubeDL with every request it makes (media URL, playlists, keys, each segment) passing the SSRF
    guard first, and the URL a redirect chain ended on checked before its answer is used: the media URLs come
    from hoster pages, which must not make anibridge save a loopback or LAN service's answer as a download.
    Limit: an intermediate redirect hop is requested by yt-dlp's own HTTP stack before its target is checked;
    its answer is discarded."""
    if guard is None:
        return ydl_class
    checker: SsrfGuard = guard

    class Guarded(ydl_class):  # type: ignore[misc]  # yt-dlp is untyped
        def urlopen(self, req: Any) -> Any:
            url = req if isinstance(req, str) else str(getattr(req, "url", "") or req.get_full_url())
            checker.check_sync(url)
            response = super().urlopen(req)
            final = str(getattr(response, "url", "") or url)
            if final != url:
                try:
                    checker.check_sync(final)
                except UpstreamRefused:
                    response.close()
                    raise
            return response

    return Guarded


def _disk_full(error: BaseException) -> bool:
    """ENOSPC/EDQUOT anywhere in the cause chain (yt-dlp wraps the OSError of a failed write)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        exc_info = getattr(current, "exc_info", None)
        nxt = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None
        current = nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
    return "No space left on device" in str(error) or "Disk quota exceeded" in str(error)


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


class YtDlpDownloader:
    """Downloads one DirectStream to `dest_dir/<stem>.<ext>` with progress, rate limit, cancel and resume."""

    def __init__(self, socket_timeout: float = 20.0, merge_format: str = "mkv",
                 connections_per_download: int = 8, connections_total: int = 24,
                 proxies: Mapping[str, str] | None = None, guard: SsrfGuard | None = None) -> None:
        self._guard = guard
        """None only where the caller vouches for every URL (tests against loopback fakes); the app passes one."""
        self._timeout = socket_timeout
        self._merge_format = merge_format
        self._proxies = dict(proxies or {})  # host → proxy URL (SITE_PROXIES); yt-dlp reads *_PROXY itself
        self._connections = max(1, connections_per_download)
        self._budget = ConnectionBudget(max(1, connections_total))
        self._ranged = RangedDownloader(
            self._budget, RangedOptions(connections=self._connections, socket_timeout=socket_timeout,
                                        proxies=tuple(self._proxies.items())), guard=guard)
        self._hls = HlsDownloader(
            self._budget, HlsOptions(connections=self._connections, socket_timeout=socket_timeout,
                                     proxies=tuple(self._proxies.items())), guard=guard)

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
                 rate_limit: int | None, fragments: int) -> dict[str, Any]:
        opts = _base_options(stream, self._timeout)
        hls = _is_hls(stream)
        opts.update({
            "paths": {"home": str(dest_dir)},
            "outtmpl": f"{stem.replace('%', '%%')}.%(ext)s",
            "progress_hooks": [hook],
            "continuedl": True,
            "nopart": False,
            "overwrites": False,
            "concurrent_fragment_downloads": fragments,
            "merge_output_format": self._merge_format,
            "restrictfilenames": False,
            "windowsfilenames": False,
        })
        proxy = proxy_for(stream.url, self._proxies)
        if proxy:
            opts["proxy"] = proxy
        if rate_limit and rate_limit > 0:
            # The limit applies per fragment stream; HLS fetches several fragments at once.
            opts["ratelimit"] = max(1, rate_limit // fragments) if hls else rate_limit
        return opts

    def _run(self, stream: DirectStream, dest_dir: Path, stem: str, on_progress: ProgressCallback,
             is_cancelled: Callable[[], bool], rate_limit: int | None) -> Path:
        hls = _is_hls(stream)
        if not hls:
            try:
                return self._ranged.download(stream, dest_dir, stem, on_progress, is_cancelled, rate_limit)
            except NotProgressive:
                log.info("%s: not a progressive file; trying it as HLS", stream.provider)
                _drop_ranged_partial(dest_dir, stem)
                hls = True
            except OSError as ex:
                raise DownloadFailed(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
        if hls:
            try:
                return self._hls.download(stream, dest_dir, stem, on_progress, is_cancelled, rate_limit)
            except NotOwnHls as ex:
                log.info("%s: %s; handing the stream to yt-dlp", stream.provider, ex)
            except OSError as ex:
                if _disk_full(ex):
                    raise DiskFull(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
                raise DownloadFailed(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
        fragments = self._take_slots(is_cancelled)
        try:
            return self._run_ytdlp(stream, dest_dir, stem, on_progress, is_cancelled, rate_limit, fragments)
        finally:
            for _ in range(fragments):
                self._budget.release()

    def _take_slots(self, is_cancelled: Callable[[], bool]) -> int:
        """One connection (waiting for it) plus as many extra as the budget has free now, up to the per-download
        figure: yt-dlp fixes its fragment concurrency when it starts."""
        while not self._budget.acquire(first=True, timeout=0.25):
            if is_cancelled():
                raise DownloadCancelled("cancelled before the download started")
        taken = 1
        while taken < self._connections and self._budget.acquire(first=False, timeout=0):
            taken += 1
        return taken

    def _run_ytdlp(self, stream: DirectStream, dest_dir: Path, stem: str, on_progress: ProgressCallback,
                   is_cancelled: Callable[[], bool], rate_limit: int | None, fragments: int) -> Path:
        # Imported on the first HLS download, not at startup: yt-dlp (with requests, urllib3, its extractors)
        # is ~30 MB of resident memory an idle service or a progressive-only download never needs.
        import yt_dlp
        from yt_dlp.utils import DownloadError

        finished: list[str] = []
        sniffed: list[bool] = []

        def hook(status: dict[str, Any]) -> None:
            if is_cancelled():
                raise _Cancelled()
            state = status.get("status")
            if not sniffed and state in ("downloading", "finished") and _sniff(status):
                sniffed.append(True)
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
            ydl_class = _guarded(yt_dlp.YoutubeDL, self._guard)
            with ydl_class(self._options(stream, dest_dir, stem, hook, rate_limit, fragments)) as ydl:
                info = ydl.extract_info(stream.url, download=True)
        except _Cancelled:
            raise DownloadCancelled("download cancelled") from None
        except UpstreamRefused as ex:
            log.warning("%s: media URL refused by the SSRF guard: %s", stream.provider, ex.reason)
            raise DownloadFailed(f"{stream.provider}: media URL refused ({ex.reason})") from None
        except _TextBody as ex:
            raise MediaRejected(f"{stream.provider}: {ex}") from None
        except DownloadError as ex:
            if is_cancelled():
                raise DownloadCancelled("download cancelled") from None
            refused = _refusal_in(ex)
            if refused is not None:
                log.warning("%s: a media request was refused by the SSRF guard: %s", stream.provider, refused.reason)
                raise DownloadFailed(f"{stream.provider}: media URL refused ({refused.reason})") from None
            status = _http_status(ex)
            message = f"{stream.provider}: {_clean_message(ex)}"
            if _disk_full(ex):
                raise DiskFull(message) from ex
            if status == 429:
                raise DownloadThrottled(message) from ex
            raise DownloadFailed(message, expired=status in _EXPIRED_STATUSES) from ex
        except OSError as ex:
            if _disk_full(ex):
                raise DiskFull(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
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
        # Partials of any kind (yt-dlp's `.part`/`.part-FragN`/`.ytdl`, the own paths' `.part-Seg…`, `.part.hls`,
        # `.part.ranges`) are never the result.
        matches = [p for p in dest_dir.glob(f"{glob_escape(stem)}.*")
                   if p.is_file() and not p.name.endswith(".ytdl") and ".part" not in p.name[len(stem):]]
        return max(matches, key=lambda p: p.stat().st_size) if matches else None


def _is_hls(stream: DirectStream) -> bool:
    return stream.is_hls or ".m3u8" in stream.url.split("?", 1)[0]


def _drop_ranged_partial(dest_dir: Path, stem: str) -> None:
    """A ranged .part is preallocated to full size; yt-dlp would take it for a finished prefix."""
    partial = find_partial(dest_dir, stem)
    if partial is not None:
        partial.unlink(missing_ok=True)
        sidecar_of(partial).unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]])", r"[\1]", text)
