"""What an HLS source announces about its length: the sum of a media playlist's EXTINF durations.

A download verifier compares the file it got with this figure: a stream whose segments were replaced by error
pages, or that stopped early, is shorter (or has no media at all) although the download "succeeded".
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

_EXTINF = re.compile(r"#EXTINF:\s*([0-9]+(?:\.[0-9]+)?)")
_BANDWIDTH = re.compile(r"[:,]BANDWIDTH=(\d+)")


def media_playlist_seconds(text: str) -> float | None:
    """Total of the EXTINF durations, or None when `text` is not a media playlist (a master, or not HLS)."""
    if not text.lstrip("\ufeff").startswith("#EXTM3U"):
        return None
    durations = [float(m.group(1)) for m in _EXTINF.finditer(text)]
    return sum(durations) if durations else None


def best_variant_url(text: str, base_url: str) -> str | None:
    """The highest-bandwidth variant of a master playlist (what a downloader picks), resolved against its URL."""
    best: tuple[int, str] | None = None
    lines = [line.strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if not line.startswith("#EXT-X-STREAM-INF"):
            continue
        uri = next((nxt for nxt in lines[index + 1 :] if nxt and not nxt.startswith("#")), None)
        if uri is None:
            continue
        match = _BANDWIDTH.search(line)
        bandwidth = int(match.group(1)) if match else 0
        if best is None or bandwidth > best[0]:
            best = (bandwidth, uri)
    return urljoin(base_url, best[1]) if best else None
