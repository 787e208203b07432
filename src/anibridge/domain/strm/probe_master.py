"""Master playlists that tell a media server the bitrate: synthetic masters and filled-in BANDWIDTH.

Why: in the playlist answer (`STRM_HLS_AS_FILE=playlist`, or a stream that cannot be one file) ffprobe
reports a variant's bitrate only from the master's `BANDWIDTH` (the `variant_bitrate` tag); a bare media
playlist, or a master whose variants lack `BANDWIDTH`, probes with no media bitrate at all. Players use
`BANDWIDTH` to choose variants; Jellyfin's direct-play decision does not read it (it reads `format.bit_rate`,
which is why the file answer in `hls_file` is the default). The proxy answers a bare media playlist with a
one-variant master of its own, and fills in `BANDWIDTH` where a hoster's master omits it. The figure comes from the segments themselves: their byte sizes (from
`EXT-X-BYTERANGE`, or the total a 1-byte ranged request reports) over their `EXTINF` durations.

Pure text work here; the proxy does the few upstream requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anibridge.domain.streams.hls_playlist import PlaylistError, Variant, decimal, is_master, parse_media

SAMPLE_SEGMENTS = 3  # segments measured per media playlist: enough for a peak estimate, cheap for a probe
_BANDWIDTH = re.compile(r"(?<![A-Z-])BANDWIDTH=[^,]*,?")


@dataclass(frozen=True, slots=True)
class Segment:
    url: str
    duration: float
    size: int | None  # known from EXT-X-BYTERANGE without asking the hoster


def is_media(text: str) -> bool:
    return "#EXTINF" in text and not is_master(text)


def segments(text: str, base_url: str) -> list[Segment]:
    """The media segments of a media playlist with a duration, and any byte-range lengths; none when a byte
    range or IV is unreadable (no figure then: the playlist goes out as it is)."""
    try:
        found = parse_media(text, base_url).segments
    except PlaylistError:
        return []
    return [Segment(s.url, s.duration, s.byte_range[1] if s.byte_range else None) for s in found if s.duration > 0]


def sample(segs: list[Segment], count: int = SAMPLE_SEGMENTS) -> list[Segment]:
    """A few segments spread over the playlist; the short last segment only when there is nothing else."""
    body = segs[:-1] if len(segs) > 1 else segs
    if len(body) <= count:
        return body
    step = (len(body) - 1) / (count - 1)
    return [body[round(i * step)] for i in range(count)]


@dataclass(frozen=True, slots=True)
class Rate:
    peak: int     # bits per second of the densest sampled segment: what BANDWIDTH means
    average: int  # bits per second over all sampled segments: AVERAGE-BANDWIDTH


def rate(measured: list[tuple[Segment, int]]) -> Rate | None:
    """Peak and average bitrate from (segment, byte size) pairs; None when nothing was measured."""
    usable = [(s, n) for s, n in measured if n > 0 and s.duration > 0]
    if not usable:
        return None
    peak = max(n * 8 / s.duration for s, n in usable)
    average = sum(n for _, n in usable) * 8 / sum(s.duration for s, _ in usable)
    return Rate(int(peak), int(average))


def synthetic_master(media_url: str, found: Rate, resolution: str = "", codecs: str = "") -> str:
    """A one-variant master pointing at the media playlist (absolute URL: the rewrite signs it)."""
    attrs = [f"BANDWIDTH={found.peak}", f"AVERAGE-BANDWIDTH={found.average}"]
    if resolution:
        attrs.append(f"RESOLUTION={resolution}")
    if codecs:
        attrs.append(f'CODECS="{codecs}"')
    return f"#EXTM3U\n#EXT-X-STREAM-INF:{','.join(attrs)}\n{media_url}\n"


def with_bandwidth(text: str, filled: dict[int, Rate]) -> str:
    """The master with `BANDWIDTH` (and `AVERAGE-BANDWIDTH`) added to the tag lines in `filled`.

    Other bytes stay as they were, line endings included.
    """
    lines = text.splitlines(keepends=True)
    for index, found in filled.items():
        body = lines[index].rstrip("\r\n")
        ending = lines[index][len(body):]
        extra = f"BANDWIDTH={found.peak}"
        if "AVERAGE-BANDWIDTH=" not in body:
            extra += f",AVERAGE-BANDWIDTH={found.average}"
        tag, _, rest = body.partition(":")
        rest = _BANDWIDTH.sub("", rest).strip(",")
        lines[index] = f"{tag}:{extra}{',' + rest if rest.strip() else ''}{ending}"
    return "".join(lines)


def lacks_bandwidth(variant: Variant) -> bool:
    return not decimal(variant.attributes.get("BANDWIDTH", ""))
