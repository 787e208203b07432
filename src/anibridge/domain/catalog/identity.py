"""Identity of a catalogue episode: the key of every cache, magnet, job and STRM mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Site(StrEnum):
    """Catalogue sites; the value is the key persisted in rows, magnets and STRM URLs (wire-compatible)."""

    ANIWORLD = "aniworld.to"
    STO = "s.to"
    MEGAKINO = "megakino"

    @classmethod
    def parse(cls, raw: str) -> Site:
        """Accept the site key and the spellings users and old configs use (`aniworld`, `sto`, `serienstream`)."""
        key = raw.strip().lower()
        found = _SITE_ALIASES.get(key)
        if found is None:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown site {raw!r} (allowed: {allowed})")
        return found

    @property
    def magnet_prefix(self) -> str:
        """Megakino shares AniWorld's `aw_` prefix (reference behaviour, kept for Sonarr's grab history)."""
        return "sto" if self is Site.STO else "aw"


_SITE_ALIASES: dict[str, Site] = {
    "aniworld.to": Site.ANIWORLD,
    "aniworld": Site.ANIWORLD,
    "aw": Site.ANIWORLD,
    "s.to": Site.STO,
    "sto": Site.STO,
    "serienstream": Site.STO,
    "serienstream.to": Site.STO,
    "megakino": Site.MEGAKINO,
    "megakino.to": Site.MEGAKINO,
}


class Language(StrEnum):
    """Audio/subtitle variants; values are the labels stored verbatim in the reference's rows and magnets."""

    GERMAN_DUB = "German Dub"
    GERMAN_SUB = "German Sub"
    ENGLISH_SUB = "English Sub"
    ENGLISH_DUB = "English Dub"

    @classmethod
    def parse(cls, raw: str | int) -> Language:
        """Normalise every label the sites use (titles, alt texts, data-lang-key ids, s.to language ids)."""
        key = re.sub(r"[\s_\-/]+", " ", str(raw)).strip().lower()
        found = _LANGUAGE_ALIASES.get(key)
        if found is None:
            raise ValueError(f"unknown language {raw!r} (allowed: {', '.join(lang.value for lang in cls)})")
        return found

    @classmethod
    def try_parse(cls, raw: str | int | None) -> Language | None:
        """Like parse, for scraped labels where an unknown one is skipped rather than fatal."""
        if raw is None:
            return None
        try:
            return cls.parse(raw)
        except ValueError:
            return None

    @classmethod
    def from_site_id(cls, site: Site, raw_id: str | int) -> Language:
        """Map a numeric language id; the numbering differs per site (AniWorld 2 = English Sub, s.to 2 = English Dub)."""
        table = _STO_IDS if site is Site.STO else _ANIWORLD_KEYS
        try:
            return table[int(str(raw_id).strip())]
        except (KeyError, ValueError):
            raise ValueError(f"unknown {site.value} language id {raw_id!r}") from None

    @property
    def is_german_audio(self) -> bool:
        return self is Language.GERMAN_DUB


_LANGUAGE_ALIASES: dict[str, Language] = {
    "german dub": Language.GERMAN_DUB,
    "german": Language.GERMAN_DUB,
    "deutsch": Language.GERMAN_DUB,
    "ger": Language.GERMAN_DUB,
    "de": Language.GERMAN_DUB,
    "deutsch dub": Language.GERMAN_DUB,
    "german dubbed": Language.GERMAN_DUB,
    "deutsch german": Language.GERMAN_DUB,
    "german sub": Language.GERMAN_SUB,
    "ger sub": Language.GERMAN_SUB,
    "gersub": Language.GERMAN_SUB,
    "deutsch sub": Language.GERMAN_SUB,
    "deutsche untertitel": Language.GERMAN_SUB,
    "mit deutschen untertiteln": Language.GERMAN_SUB,
    "german subtitles": Language.GERMAN_SUB,
    "japanisch mit deutschen untertiteln": Language.GERMAN_SUB,
    "mit untertitel deutsch": Language.GERMAN_SUB,
    "mit deutschem untertitel": Language.GERMAN_SUB,
    "english sub": Language.ENGLISH_SUB,
    "eng sub": Language.ENGLISH_SUB,
    "engsub": Language.ENGLISH_SUB,
    "englisch sub": Language.ENGLISH_SUB,
    "english subtitles": Language.ENGLISH_SUB,
    "englische untertitel": Language.ENGLISH_SUB,
    "mit englischen untertiteln": Language.ENGLISH_SUB,
    "japanisch mit englischen untertiteln": Language.ENGLISH_SUB,
    "mit untertitel englisch": Language.ENGLISH_SUB,
    "mit englischem untertitel": Language.ENGLISH_SUB,
    "english dub": Language.ENGLISH_DUB,
    "english": Language.ENGLISH_DUB,
    "englisch": Language.ENGLISH_DUB,
    "eng": Language.ENGLISH_DUB,
    "en": Language.ENGLISH_DUB,
    "english dubbed": Language.ENGLISH_DUB,
}


# AniWorld `data-lang-key`: 1 German dub, 2 English sub (Japanese audio), 3 German sub.
_ANIWORLD_KEYS: dict[int, Language] = {1: Language.GERMAN_DUB, 2: Language.ENGLISH_SUB, 3: Language.GERMAN_SUB}
# s.to v2 `data-language-id`: 1 "Deutsch", 2 "Englisch" (English audio), 3 "Ger-Sub".
_STO_IDS: dict[int, Language] = {1: Language.GERMAN_DUB, 2: Language.ENGLISH_DUB, 3: Language.GERMAN_SUB}


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,254}")
"""The characters catalogue slugs really use (AniWorld, s.to and Megakino paths): lowercase letters, digits and
hyphens. Anything else — `/`, `..`, `?`, `%`, whitespace — could steer a site URL to another page."""


def is_valid_slug(slug: str) -> bool:
    return _SLUG.fullmatch(slug) is not None


@dataclass(frozen=True, slots=True)
class EpisodeRef:
    """One language variant of one episode on one site.

    Season 0 on AniWorld is the `/filme` list (episode = film index); Megakino films use season 0, episode 0.
    """

    site: Site
    slug: str
    season: int
    episode: int
    language: Language

    def __post_init__(self) -> None:
        if not is_valid_slug(self.slug):
            raise ValueError(f"invalid slug {self.slug[:80]!r} (lowercase letters, digits and hyphens)")
        if self.season < 0 or self.episode < 0:
            raise ValueError(f"season/episode must be >= 0, got {self.season}/{self.episode}")

    def with_language(self, language: Language) -> EpisodeRef:
        return EpisodeRef(self.site, self.slug, self.season, self.episode, language)

    @property
    def label(self) -> str:
        """`s.to dark S01E02 German Dub`: how logs, job messages and the CLI name the episode, one spelling."""
        return f"{self.site.value} {self.slug} S{self.season:02d}E{self.episode:02d} {self.language.value}"
