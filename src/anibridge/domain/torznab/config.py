"""Settings the search use cases need, as a plain dataclass (the domain does not import pydantic)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from anibridge.domain.catalog.identity import (
    Language,
    Site,
)

TV_PARENT = 5000
TV_SD = 5030
TV_HD = 5040
MOVIE_SD = 2030
MOVIE_HD = 2040

DEFAULT_LANGUAGES: Mapping[Site, tuple[Language, ...]] = {
    Site.ANIWORLD: (Language.GERMAN_DUB, Language.GERMAN_SUB, Language.ENGLISH_SUB),
    Site.STO: (Language.GERMAN_DUB, Language.ENGLISH_DUB),
    Site.MEGAKINO: (Language.GERMAN_DUB,),
}


@dataclass(frozen=True, slots=True)
class SearchConfig:
    cat_anime: int = 5070
    cat_movie: int = 2000
    source_tag: str = "WEB-DL"
    groups: Mapping[str, str] = field(default_factory=lambda: {"aniworld.to": "ANIWORLD", "s.to": "STO", "megakino": "MEGAKINO"})
    strm_mode: str = "no"  # no | both | only
    season_mode: str = "fast"  # fast | strict
    probe_concurrency: int = 8
    strict_max_episodes: int = 60
    strict_max_misses: int = 3
    return_test_result: bool = True
    test_title: str = "AniBridge Connectivity Test"
    test_slug: str = "connectivity-test"
    test_season: int = 1
    test_episode: int = 1
    test_language: Language = Language.GERMAN_DUB
    specials_enabled: bool = True
    specials_threshold: float = 0.5
    site_urls: Mapping[str, str] = field(default_factory=dict)
    """Base URL per site key, for the items' episode-page links (`<comments>`); a missing site gets no link."""
    stale_max_hours: float = 24.0
    """How old a search's last answer may be to be served again while the sites refuse; 0 = never."""

    def group(self, site: Site) -> str:
        return self.groups.get(site.value, "").strip().upper()

    @property
    def tv_categories(self) -> tuple[int, ...]:
        """Every TV id the caps list (the anime id is configurable)."""
        return tuple(dict.fromkeys((TV_PARENT, TV_SD, TV_HD, self.cat_anime)))

    @property
    def movie_categories(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys((self.cat_movie, MOVIE_SD, MOVIE_HD)))

    @property
    def all_categories(self) -> frozenset[int]:
        return frozenset(self.tv_categories + self.movie_categories)
