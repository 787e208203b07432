"""MetadataPort: SkyHook (Sonarr's TVDB proxy) for ids → titles, specials and absolute numbering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MetaEpisode:
    season: int
    episode: int
    absolute: int | None = None
    title: str | None = None
    air_date: date | None = None
    aired_at: datetime | None = None
    """SkyHook's `airDateUtc` (aware UTC) when given: the release's publication time."""


@dataclass(frozen=True, slots=True)
class Show:
    """A show as SkyHook describes it; `episodes` is empty in search results."""

    tvdb_id: int
    title: str
    year: int | None = None
    aliases: tuple[str, ...] = ()
    imdb_id: str | None = None
    tmdb_id: int | None = None
    tvmaze_id: int | None = None
    episodes: tuple[MetaEpisode, ...] = ()


class MetadataPort(Protocol):
    """Raises MetadataUnavailable on transport errors; unknown ids give None / empty results."""

    async def search(self, term: str) -> Sequence[Show]:
        """Free text, or `tvdb:<id>`, `imdb:tt…`, `tmdb:<id>` forms."""
        ...

    async def show(self, tvdb_id: int) -> Show | None: ...
