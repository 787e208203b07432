"""What a catalogue adapter needs from the configuration, as plain values (adapters never read Settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """One site's origin and timings. `data_dir` None keeps the title index in memory only (tests, tools)."""

    base_url: str
    timeout: float = 15.0
    data_dir: Path | None = None
    index_ttl_seconds: float = 24 * 3600.0
    redirect_timeout: float = 10.0
    redirect_retries: int = 1
    mirrors_url: str = ""
    """Megakino only: an extra mirrors.txt for domain discovery (empty = BASE_URL/mirrors.txt)."""
