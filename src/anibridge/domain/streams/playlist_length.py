"""What an HLS source announces about its length: the sum of a media playlist's EXTINF durations.

A download verifier compares the file it got with this figure: a stream whose segments were replaced by error
pages, or that stopped early, is shorter (or has no media at all) although the download "succeeded".
"""

from __future__ import annotations

import math
import re

_EXTINF = re.compile(r"#EXTINF:\s*([0-9]+(?:\.[0-9]+)?)")


def media_playlist_seconds(text: str) -> float | None:
    """Total of the EXTINF durations, or None when `text` is not a media playlist (a master, or not HLS)."""
    if not text.lstrip("\ufeff").startswith("#EXTM3U"):
        return None
    durations = [float(m.group(1)) for m in _EXTINF.finditer(text)]
    total = sum(durations)
    # Hundreds of digits make float() infinite: no length worth comparing a file with.
    return total if durations and math.isfinite(total) else None
