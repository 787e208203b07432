"""The best variant's height and video codec, read from an HLS master playlist's own attributes (RFC 8216 §4.4.6.2).

A master playlist states `RESOLUTION=<w>x<h>` and `CODECS="<video>,<audio>"` for each `#EXT-X-STREAM-INF`, which is
all a quality probe needs; reading them costs nothing compared with extracting the stream with yt-dlp. Audio
codecs are skipped when picking the video codec. A media playlist (no variants) yields (None, None).
"""

from __future__ import annotations

import re

from anibridge.domain.streams.hls_playlist import attributes

_RESOLUTION = re.compile(r"^\s*([0-9]{1,9})\s*[xX]\s*([0-9]{1,9})\s*$")  # ASCII: int() refuses "²" and 5000 digits
_AUDIO_PREFIXES = ("mp4a", "ac-3", "ec-3", "ac-4", "opus", "flac", "alac", "mp3", "dts", "vorbis")


def _video_codec(codecs: str) -> str | None:
    for codec in (c.strip() for c in codecs.split(",")):
        if codec and not codec.lower().startswith(_AUDIO_PREFIXES):
            return codec
    return None


def master_quality(text: str) -> tuple[int | None, str | None]:
    """(height, video codec) of the highest variant; either is None when no variant states it."""
    best: tuple[int, str | None] | None = None
    codec_only: str | None = None
    for line in text.splitlines():
        if not line.startswith("#EXT-X-STREAM-INF:"):
            continue
        attrs = attributes(line)
        codec = _video_codec(attrs.get("CODECS", ""))
        size = _RESOLUTION.match(attrs.get("RESOLUTION", ""))
        if size is None:
            codec_only = codec_only or codec
            continue
        height = int(size.group(2))
        if best is None or height > best[0]:
            best = (height, codec or (best[1] if best else None))
    if best is None:
        return None, codec_only
    return best[0], best[1] or codec_only
