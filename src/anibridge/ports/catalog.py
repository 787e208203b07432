"""CatalogPort: one catalogue site's index, pages and redirect tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from anibridge.domain.catalog.identity import (
    Language,
    Site,
)


@dataclass(frozen=True, slots=True)
class SeriesEntry:
    """An index entry: what title matching scores against. `kind` is "series" or "movie"."""

    site: Site
    slug: str
    title: str
    alt_titles: tuple[str, ...] = ()
    kind: str = "series"
    year: int | None = None


@dataclass(frozen=True, slots=True)
class SeriesDetail:
    """A series (or movie) page. `seasons` lists numbered seasons; 0 is present when `/filme` specials exist."""

    site: Site
    slug: str
    title: str
    alt_titles: tuple[str, ...] = ()
    seasons: tuple[int, ...] = ()
    kind: str = "series"
    year: int | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None


@dataclass(frozen=True, slots=True)
class EpisodeListing:
    """A row of a season page; `languages` is empty when the page does not show them."""

    season: int
    episode: int
    title_de: str | None = None
    title_en: str | None = None
    languages: tuple[Language, ...] = ()


@dataclass(frozen=True, slots=True)
class HosterLink:
    """One hoster offer of an episode. `url` is absolute: a site redirect token or the embed URL itself."""

    provider: str
    language: Language
    url: str


@dataclass(frozen=True, slots=True)
class EpisodeDetail:
    """An episode page: the languages offered and the hoster links per language."""

    site: Site
    slug: str
    season: int
    episode: int
    title_de: str | None
    title_en: str | None
    languages: tuple[Language, ...]
    hosters: tuple[HosterLink, ...]


@dataclass(frozen=True, slots=True)
class NewEpisode:
    """An entry of a site's "new episodes" listing (feeds Torznab RSS sync)."""

    site: Site
    slug: str
    series_title: str
    season: int
    episode: int
    languages: tuple[Language, ...] = ()
    released_at: datetime | None = None


class CatalogPort(Protocol):
    """A catalogue site. Raises NotFound, SiteUnavailable or ChallengeRequired (anibridge.ports.errors)."""

    @property
    def site(self) -> Site: ...

    async def index(self) -> Sequence[SeriesEntry]:
        """The cached title index (TTL, stale-while-revalidate); empty only when never loaded."""
        ...

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        """The site's own search (fallback when the index has no good match)."""
        ...

    async def series(self, slug: str) -> SeriesDetail: ...

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]: ...

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        """Megakino films use season 0, episode 0."""
        ...

    async def embed_url(self, link: HosterLink) -> str:
        """Follow a redirect token to the hoster's embed URL (identity when `link.url` already is one)."""
        ...

    async def new_episodes(self) -> Sequence[NewEpisode]: ...
