"""A STRM identity's resolved upstream, kept so a play does not re-resolve the hoster every time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from anibridge.domain.catalog.identity import EpisodeRef, require


@dataclass(frozen=True, slots=True)
class StrmMapping:
    """A resolved direct URL for an EpisodeRef (+ provider hint) so the STRM proxy does not re-resolve each play."""

    ref: EpisodeRef
    provider_hint: str
    resolved_url: str
    resolved_at: datetime
    provider_used: str | None = None
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    """Headers the hoster requires; left out of the hash so the frozen record stays hashable."""

    def __post_init__(self) -> None:
        require(self.ref, EpisodeRef, "ref")
        require(self.resolved_url, str, "resolved_url")
        require(self.resolved_at, datetime, "resolved_at")
