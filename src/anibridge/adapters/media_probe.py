"""QualityProbePort without yt-dlp: an HLS master playlist's own attributes, otherwise ffprobe in its own process.

Why: the probe sits on Torznab's hot path (every variant of an episode search, every episode of a strict season
search). yt-dlp's metadata extraction cost about 0.1 s of CPU per probe inside our process, under the GIL, so a
72-variant strict season needed 8.6 s on an idle machine just for that. A master playlist states RESOLUTION and
CODECS per variant (one small GET); a direct file or a media playlist is read by ffprobe, which fetches only the
header (or the first segment) and runs in parallel on every core. Failures mean "quality unknown", never an error:
the episode is still available.
"""

from __future__ import annotations

import json
import logging
import shutil

import httpx

from anibridge.adapters.media_reads import FfprobeNotStarted, fetch_playlist, run_ffprobe
from anibridge.domain.streams.hls import is_hls
from anibridge.domain.streams.quality import master_quality
from anibridge.ports.streams import DirectStream, Quality

log = logging.getLogger(__name__)


class MediaQualityProbe:
    """Height and codec of a DirectStream: master playlist attributes first, then ffprobe."""

    def __init__(self, client: httpx.AsyncClient, timeout: float = 15.0, ffprobe: str | None = None) -> None:
        self._client = client
        self._timeout = timeout
        self._ffprobe = ffprobe or shutil.which("ffprobe")

    async def probe(self, stream: DirectStream) -> Quality:
        if stream.is_hls or is_hls(None, stream.url):
            text = await self._playlist(stream)
            height, vcodec = master_quality(text) if text else (None, None)
            if height is not None and vcodec is not None:
                return Quality(height, vcodec)
            probed = await self._ffprobe_quality(stream)  # a media playlist, or a master that omits attributes
            return Quality(height or probed.height, vcodec or probed.vcodec)
        return await self._ffprobe_quality(stream)

    async def _playlist(self, stream: DirectStream) -> str | None:
        try:
            return await fetch_playlist(self._client, stream.url, stream.headers, self._timeout, _success)
        except httpx.HTTPError as ex:
            log.info("quality probe of %s: playlist unavailable: %s", stream.provider, ex)
            return None

    async def _ffprobe_quality(self, stream: DirectStream) -> Quality:
        if not self._ffprobe:
            return Quality()
        args = ["-rw_timeout", str(int(self._timeout * 1_000_000))]
        if stream.headers:
            args += ["-headers", "".join(f"{k}: {v}\r\n" for k, v in stream.headers.items())]
        args += ["-select_streams", "v:0", "-show_entries", "stream=height,codec_name", "-of", "json", stream.url]
        try:
            out = await run_ffprobe(self._ffprobe, args, self._timeout)  # killed if the search goes away
        except FfprobeNotStarted as ex:
            log.warning("quality probe: cannot run ffprobe: %s", ex)
            return Quality()
        except TimeoutError:
            log.info("quality probe of %s: ffprobe timed out", stream.provider)
            return Quality()
        try:
            streams = json.loads(out or b"{}").get("streams") or []
        except ValueError:
            return Quality()
        first = streams[0] if streams and isinstance(streams[0], dict) else {}
        height, codec = first.get("height"), first.get("codec_name")
        return Quality(height if isinstance(height, int) and height > 0 else None,
                       codec if isinstance(codec, str) and codec else None)


def _success(resp: httpx.Response) -> bool:
    """Any 2xx is a playlist; anything else fails like a transport error (logged as unavailable)."""
    resp.raise_for_status()
    return True
