"""What a search asks for, already validated by the delivery layer (no HTTP types here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SearchKind(StrEnum):
    """The Torznab function; `tv-search`/`movie-search` are folded into TV/MOVIE by the parser."""

    SEARCH = "search"
    TV = "tvsearch"
    MOVIE = "movie"


@dataclass(frozen=True, slots=True)
class ExternalIds:
    """Ids Sonarr/Radarr send; `imdb` is digits only (with or without `tt` on the wire)."""

    tvdb: int | None = None
    imdb: str | None = None
    tmdb: int | None = None
    tvmaze: int | None = None
    rage: int | None = None

    def any(self) -> bool:
        return any(v is not None for v in (self.tvdb, self.imdb, self.tmdb, self.tvmaze, self.rage))


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A parsed Torznab search. `categories` empty = no filter. `daily` marks `ep=MM/DD` (never matches)."""

    kind: SearchKind
    q: str = ""
    season: int | None = None
    episode: int | None = None
    ids: ExternalIds = field(default_factory=ExternalIds)
    categories: frozenset[int] = frozenset()
    offset: int = 0
    limit: int = 100
    daily: bool = False

    @property
    def wanted(self) -> int:
        """How many items the use cases must produce so that the page `offset:offset+limit` is complete."""
        return self.offset + self.limit
