"""MediaVerifierPort with ffprobe: a finished download is real, whole media before anyone calls it complete.

Why: yt-dlp reports success for whatever bytes arrived. A hoster that answers HLS segments with an HTML "File
not found" page yields a few hundred bytes; a page served as `video/mp4` is saved as-is; an MP4 cut off on a
response without Content-Length still carries the full duration in its header. So the check reads the file
itself: the first bytes must not be text, ffprobe must find a video stream (and audio for episodes), and the
video packets actually present must cover the duration the container declares and the source announced (the
HLS playlist's EXTINF total), with at least `min_seconds`. Only the last TAIL_SECONDS of packets are read
when they reach the end (the usual case); the whole file is demuxed (no decoding) only to measure a file that
falls short, or one whose container declares no duration.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path

import httpx

from anibridge.adapters.media_reads import FfprobeNotStarted, fetch_playlist, run_ffprobe
from anibridge.domain.streams.hls import is_hls
from anibridge.domain.streams.hls_playlist import best_variant
from anibridge.domain.streams.playlist_length import media_playlist_seconds
from anibridge.domain.streams.sniff import HEAD_BYTES, text_body_reason
from anibridge.ports.errors import MediaRejected
from anibridge.ports.streams import DirectStream

log = logging.getLogger(__name__)

TAIL_SECONDS = 30.0


def duration_tolerance(announced: float) -> float:
    """How much shorter than announced a file may be: rounding of segment and container durations, not more."""
    return max(0.5, announced * 0.03)


class FfprobeMediaVerifier:
    """Rejects a downloaded file that is not whole, playable media (see the module docstring)."""

    def __init__(self, client: httpx.AsyncClient | None = None, *, ffprobe: str | None = None,
                 min_seconds: float = 1.0, timeout: float = 300.0, playlist_timeout: float = 15.0) -> None:
        self._client = client
        self._ffprobe = ffprobe or shutil.which("ffprobe")
        self._min_seconds = min_seconds
        self._timeout = timeout
        self._playlist_timeout = playlist_timeout
        self._warned = False

    async def verify(self, path: Path, stream: DirectStream, *, needs_audio: bool = True) -> None:
        head, size = await asyncio.to_thread(_head, path)
        if size == 0:
            raise MediaRejected(f"{stream.provider}: the download is empty")
        reason = text_body_reason(head, complete=True)
        if reason:
            raise MediaRejected(f"{stream.provider}: {reason}")
        if not self._ffprobe:
            if not self._warned:
                log.warning("ffprobe not found: downloads are checked only for text pages, not for whole video")
                self._warned = True
            return
        header = await self._run("-show_entries", "format=duration,start_time:stream=codec_type", "-of", "json",
                                 str(path))
        try:
            info = json.loads(header or b"{}")
        except ValueError:
            info = {}
        kinds = {s.get("codec_type") for s in info.get("streams") or [] if isinstance(s, dict)}
        if "video" not in kinds:
            raise MediaRejected(f"{stream.provider}: not a video file ({size} bytes, no video stream)")
        if needs_audio and "audio" not in kinds:
            raise MediaRejected(f"{stream.provider}: the video has no audio stream")
        fmt = info.get("format") or {}
        declared = _float(fmt.get("duration"))
        announced = await self._announced_seconds(stream)
        expectations = (("announced by the source", announced), ("declared by the file", declared))
        needed = max([self._min_seconds] + [e - duration_tolerance(e) for _, e in expectations if e is not None])
        covered = 0.0
        start = _float(fmt.get("start_time")) or 0.0
        if declared is not None and declared > TAIL_SECONDS:
            _first, end = await self._packet_span(path, from_seconds=start + declared - TAIL_SECONDS)
            covered = end - start
        if covered < needed:  # no tail, or it falls short: measure what really is in the file
            first, end = await self._packet_span(path)
            covered = max(0.0, end - first) if first is not None else 0.0
        for what, expected in expectations:
            if expected is not None and covered < expected - duration_tolerance(expected):
                raise MediaRejected(f"{stream.provider}: the video is cut short: {covered:.1f} s of the "
                                    f"{expected:.1f} s {what}")
        if covered < self._min_seconds:
            raise MediaRejected(f"{stream.provider}: the video is only {covered:.1f} s long")

    async def _packet_span(self, path: Path, from_seconds: float | None = None) -> tuple[float | None, float]:
        """(first packet time, end of the last video packet) that is really in the file, from `from_seconds` on."""
        interval = ["-read_intervals", f"{from_seconds:.3f}%"] if from_seconds is not None else []
        out = await self._run("-select_streams", "v:0", *interval, "-show_entries", "packet=pts_time,duration_time",
                              "-of", "csv=p=0", str(path))
        first: float | None = None
        end = 0.0
        for line in (out or b"").decode("ascii", "replace").splitlines():
            pts_text, _, dur_text = line.partition(",")
            pts = _float(pts_text)
            if pts is None:
                continue
            first = pts if first is None else min(first, pts)
            end = max(end, pts + (_float(dur_text.split(",", 1)[0]) or 0.0))
        return first, end

    async def _run(self, *args: str) -> bytes | None:
        assert self._ffprobe is not None
        try:
            return await run_ffprobe(self._ffprobe, list(args), self._timeout)
        except FfprobeNotStarted as ex:
            log.warning("cannot run ffprobe: %s", ex)
            return None
        except TimeoutError:
            raise MediaRejected(f"ffprobe could not read the file within {self._timeout:g} s") from None

    async def _announced_seconds(self, stream: DirectStream) -> float | None:
        """The HLS playlist's total duration; None for direct files (their Content-Length is checked by the
        downloader) or when the playlist cannot be read again (an expired URL is no reason to reject)."""
        if self._client is None or not (stream.is_hls or is_hls(None, stream.url)):
            return None
        text = await self._get_text(stream.url, stream)
        if text is None:
            return None
        seconds = media_playlist_seconds(text)
        if seconds is None:
            variant = best_variant(text, stream.url)
            text = await self._get_text(variant.url, stream) if variant else None
            seconds = media_playlist_seconds(text) if text else None
        return seconds

    async def _get_text(self, url: str, stream: DirectStream) -> str | None:
        assert self._client is not None
        try:
            return await fetch_playlist(self._client, url, stream.headers, self._playlist_timeout,
                                        lambda resp: resp.status_code == 200)
        except httpx.HTTPError as ex:
            log.info("verify %s: playlist not readable again: %s", stream.provider, ex)
            return None


def _head(path: Path) -> tuple[bytes, int]:
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES), path.stat().st_size


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None
