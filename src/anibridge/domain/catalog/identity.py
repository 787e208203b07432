"""Identity of a catalogue episode: the key of every cache, magnet, job and STRM mapping.

The library's rule for its public types: a value must already have the library's type. A plain string where a
`Site` or `Language` is expected raises TypeError at construction (convert with `Site.parse`/`Language.parse`,
which accept every known spelling); a value of the right type but out of range raises ValueError.
"""

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
MAX_NUMBER_DIGITS = 6
"""Season/episode numbers have at most this many digits: no show has a million episodes, and the job tables'
INTEGER columns are 32-bit."""
MAX_SLUG_LEN = 255
MAX_PROVIDER_LEN = 32
"""Column widths of the job tables (PostgreSQL refuses longer values; SQLite would store them)."""
_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def require(value: object, kind: type | tuple[type, ...], what: str, hint: str = "") -> None:
    """TypeError naming the argument when `value` is not of `kind` (bool is never accepted as an int)."""
    if isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, (int,))):
        return
    names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
    raise TypeError(f"{what} must be {names}, got {type(value).__name__} {value!r}{hint}")


def parse_number(raw: str, what: str) -> int:
    """Season/episode text from a URL, form or magnet: ASCII digits only (`str.isdigit` accepts "²"), at most
    MAX_NUMBER_DIGITS significant digits; ValueError naming `what` otherwise."""
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"non-integer {what}: {text[:32]!r}")
    if len(text.lstrip("0")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"{what} out of range: {text[:32]!r}")
    return int(text)


def check_text(value: str, what: str, limit: int | None = None) -> str:
    """A stored or hashed text field: no control characters (PostgreSQL text and file names refuse NUL), and
    at most `limit` characters (the column width); ValueError naming `what` otherwise."""
    if _CONTROL.search(value) or (limit is not None and len(value) > limit):
        raise ValueError(f"unusable {what}: {value[:40]!r}")
    return value


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
        require(self.site, Site, "site", " (use Site.parse)")
        require(self.slug, str, "slug")
        require(self.season, int, "season")
        require(self.episode, int, "episode")
        require(self.language, Language, "language", " (use Language.parse)")
        if not is_valid_slug(self.slug):  # also bounds it to MAX_SLUG_LEN and keeps NUL out
            raise ValueError(f"invalid slug {self.slug[:80]!r} (lowercase letters, digits and hyphens)")
        limit = 10**MAX_NUMBER_DIGITS
        if not (0 <= self.season < limit and 0 <= self.episode < limit):
            raise ValueError(f"season/episode must be 0..{limit - 1}, got {self.season}/{self.episode}")

    def with_language(self, language: Language) -> EpisodeRef:
        return EpisodeRef(self.site, self.slug, self.season, self.episode, language)

    @property
    def label(self) -> str:
        """`s.to dark S01E02 German Dub`: how logs, job messages and the CLI name the episode, one spelling."""
        return f"{self.site.value} {self.slug} S{self.season:02d}E{self.episode:02d} {self.language.value}"
