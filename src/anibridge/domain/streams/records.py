"""The remembered result of probing an episode: offered or not, its quality and the hoster that worked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from anibridge.domain.catalog.identity import EpisodeRef


@dataclass(frozen=True, slots=True)
class Availability:
    """Last known result of probing one EpisodeRef: offered or not, quality and the provider that worked."""

    ref: EpisodeRef
    available: bool
    checked_at: datetime
    height: int | None = None
    vcodec: str | None = None
    provider: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
