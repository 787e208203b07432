"""yt-dlp behind the QualityProbePort and MediaDownloaderPort.

yt-dlp is blocking and untyped, so every call runs in a worker thread and only typed values leave this module.
Cancellation works by raising from the progress hook (yt-dlp lets any exception through unchanged); the
`.part` file stays so a later attempt with the same stem resumes (`continuedl`). ffmpeg is used only where
yt-dlp needs it: merging separate audio/video and remuxing HLS MPEG-TS into the MP4 container.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import DownloadError

from anibridge.ports.errors import DownloadCancelled, DownloadFailed
from anibridge.ports.streams import DirectStream, DownloadProgress, Quality

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


def _clean_message(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.removeprefix("ERROR: ").strip()


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) and value and value != "none" else None


def _quality_from_info(info: Mapping[str, Any]) -> Quality:
    """Top-level height/vcodec, then the chosen format(s), then the best format that names both."""
    height = _as_int(info.get("height"))
    vcodec = _as_str(info.get("vcodec"))
    requested = info.get("requested_formats") or info.get("requested_downloads") or []
    for fmt in requested if isinstance(requested, list) else []:
        if isinstance(fmt, Mapping):
            height = height or _as_int(fmt.get("height"))
            vcodec = vcodec or _as_str(fmt.get("vcodec"))
    if height is None or vcodec is None:
        best: tuple[int, str | None] | None = None
        for fmt in info.get("formats") or []:
            if not isinstance(fmt, Mapping):
                continue
            h = _as_int(fmt.get("height"))
            if h is not None and (best is None or h > best[0]):
                best = (h, _as_str(fmt.get("vcodec")))
        if best is not None:
            height = height or best[0]
            vcodec = vcodec or best[1]
    return Quality(height=height, vcodec=vcodec)


class YtDlpQualityProbe:
    """Height and codec from yt-dlp's metadata (HLS masters carry them); ffprobe fills in for direct files."""

    def __init__(self, socket_timeout: float = 15.0, use_ffprobe: bool = True) -> None:
        self._timeout = socket_timeout
        self._ffprobe = shutil.which("ffprobe") if use_ffprobe else None

    async def probe(self, stream: DirectStream) -> Quality:
        try:
            quality = await asyncio.to_thread(self._extract, stream)
        except DownloadError as ex:
            log.info("quality probe of %s failed: %s", stream.provider, _clean_message(ex))
            quality = Quality()
        if (quality.height is None or quality.vcodec is None) and self._ffprobe:
            probed = await self._ffprobe_quality(stream)
            quality = Quality(height=quality.height or probed.height, vcodec=quality.vcodec or probed.vcodec)
        return quality

    def _extract(self, stream: DirectStream) -> Quality:
        opts = _base_options(stream, self._timeout)
        opts["skip_download"] = True
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(stream.url, download=False)
        return _quality_from_info(info) if isinstance(info, Mapping) else Quality()

    async def _ffprobe_quality(self, stream: DirectStream) -> Quality:
        assert self._ffprobe is not None
        args = [self._ffprobe, "-v", "error", "-rw_timeout", str(int(self._timeout * 1_000_000))]
        if stream.headers:
            args += ["-headers", "".join(f"{k}: {v}\r\n" for k, v in stream.headers.items())]
        args += ["-select_streams", "v:0", "-show_entries", "stream=height,codec_name", "-of", "json", stream.url]
        try:
            proc = await asyncio.create_subprocess_exec(
                *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
            )
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), timeout=self._timeout)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                return Quality()
            streams = json.loads(out or b"{}").get("streams") or []
        except (OSError, ValueError):
            return Quality()
        first = streams[0] if streams and isinstance(streams[0], dict) else {}
        return Quality(height=_as_int(first.get("height")), vcodec=_as_str(first.get("codec_name")))


ProgressCallback = Callable[[DownloadProgress], None]


class YtDlpDownloader:
    """Downloads one DirectStream to `dest_dir/<stem>.<ext>` with progress, rate limit, cancel and resume."""

    def __init__(self, socket_timeout: float = 20.0, merge_format: str = "mkv") -> None:
        self._timeout = socket_timeout
        self._merge_format = merge_format

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
            with yt_dlp.YoutubeDL(self._options(stream, dest_dir, stem, hook, rate_limit)) as ydl:
                info = ydl.extract_info(stream.url, download=True)
        except _Cancelled:
            raise DownloadCancelled("download cancelled") from None
        except DownloadError as ex:
            if is_cancelled():
                raise DownloadCancelled("download cancelled") from None
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
