"""The remembered result of probing an episode: offered or not, its quality and the hoster that worked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from anibridge.domain.catalog.identity import EpisodeRef, require


@dataclass(frozen=True, slots=True)
class Availability:
    """Last known result of probing one EpisodeRef: offered or not, quality and the provider that worked."""

    ref: EpisodeRef
    available: bool
    checked_at: datetime
    height: int | None = None
    vcodec: str | None = None
    provider: str | None = None
    extra: dict[str, str] = field(default_factory=dict, hash=False)
    """Free-form probe details; left out of the hash so the frozen record stays hashable."""

    def __post_init__(self) -> None:
        require(self.ref, EpisodeRef, "ref")
        require(self.available, bool, "available")
        require(self.checked_at, datetime, "checked_at")
