"""The fake sites' shared catalogue: typed shows, seasons, episodes and hoster offers built from catalogue.json.

The JSON stays compact (per-season episode counts, offer patterns, a few overrides); everything else —
episode titles, absolute numbers, air dates, page ids, redirect link ids, hoster video ids — is derived here
deterministically, so every fake (AniWorld, s.to, Megakino, SkyHook) tells the same story about the same show.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from anibridge.domain.catalog.identity import (
    Language,
    Site,
)

LANG_CODES: dict[str, Language] = {
    "DE": Language.GERMAN_DUB,
    "DS": Language.GERMAN_SUB,
    "ES": Language.ENGLISH_SUB,
    "EN": Language.ENGLISH_DUB,
}
# What kind of media each hoster serves unless an offer says otherwise.
DEFAULT_KIND: dict[str, str] = {
    "VOE": "hls",
    "Filemoon": "hls",
    "Vidmoly": "hls-aes",
    "Luluvdo": "hls-fmp4",
    "LoadX": "hls",
    "GXPlayer": "hls",
    "Doodstream": "mp4",
    "Streamtape": "mp4",
    "Vidoza": "mp4",
}
KINDS = ("mp4", "hls", "hls-aes", "hls-fmp4")

# (German, English) episode title pieces; combined deterministically per episode.
_TITLE_PAIRS: tuple[tuple[str, str], ...] = (
    ("Der Anfang", "The Beginning"), ("Ein neuer Morgen", "A New Morning"), ("Das Versprechen", "The Promise"),
    ("Verborgene Wahrheit", "Hidden Truth"), ("Die Prüfung", "The Trial"), ("Schatten der Vergangenheit", "Shadows of the Past"),
    ("Der Verrat", "The Betrayal"), ("Aufbruch", "Departure"), ("Das letzte Gefecht", "The Last Stand"),
    ("Unerwarteter Besuch", "An Unexpected Visitor"), ("Die Entscheidung", "The Decision"), ("Heimkehr", "Homecoming"),
    ("Im Sturm", "Into the Storm"), ("Das Geheimnis", "The Secret"), ("Zwei Wege", "Two Paths"),
    ("Der Schwur", "The Oath"), ("Die Flucht", "The Escape"), ("Erwachen", "Awakening"),
    ("Feuer und Eis", "Fire and Ice"), ("Der Abschied", "Farewell"), ("Neue Verbündete", "New Allies"),
    ("Die Falle", "The Trap"), ("Spuren im Schnee", "Tracks in the Snow"), ("Der Wendepunkt", "The Turning Point"),
)


@dataclass(frozen=True, slots=True)
class Offer:
    """One hoster offer of one episode in one language; `link_id` is the site's redirect id."""

    provider: str
    language: Language
    kind: str
    video_id: str
    link_id: int
    protected: bool = False  # s.to: the /r?t= token answers with a Turnstile page
    placeholder: bool = False  # s.to: the button says "Provider" / "Anbieter" instead of the hoster


@dataclass(frozen=True, slots=True)
class Episode:
    """Season 0 holds AniWorld `/filme` entries (number = film index) and Megakino films (number 0)."""

    season: int
    number: int
    title_de: str
    title_en: str
    absolute: int | None
    air_date: date
    episode_id: int
    offers: tuple[Offer, ...]
    tvdb_special: int | None = None  # SkyHook S00 episode number this AniWorld film maps to
    sky_title: str | None = None  # SkyHook's title (specials: without AniWorld's [tags])

    @property
    def languages(self) -> tuple[Language, ...]:
        seen: list[Language] = []
        for offer in self.offers:
            if offer.language not in seen:
                seen.append(offer.language)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Show:
    key: str
    title: str
    title_de: str
    alt_titles: tuple[str, ...]
    kind: str  # anime | series | movie
    year: int
    end_year: int | None
    status: str
    tvdb_id: int | None
    imdb_id: str | None
    tmdb_id: int | None
    slugs: dict[Site, str]
    seasons: dict[int, tuple[Episode, ...]]
    sto_layout: str = "v2"
    megakino_category: str = ""
    megakino_ids: tuple[int, ...] = ()
    sky_specials: tuple[str, ...] = ()
    absolute_in_titles: bool = False
    overview: str = ""
    sky_alt: tuple[str, ...] | None = None  # SkyHook's alternate titles when not title_de + alt_titles

    @property
    def sky_names(self) -> tuple[str, ...]:
        """Every name SkyHook knows the show by (its title first)."""
        alts = self.sky_alt if self.sky_alt is not None else (self.title_de, *self.alt_titles)
        return tuple(dict.fromkeys((self.title, *alts)))

    def slug(self, site: Site) -> str | None:
        return self.slugs.get(site)

    @property
    def numbered_seasons(self) -> list[int]:
        return sorted(s for s in self.seasons if s > 0)

    @property
    def specials(self) -> tuple[Episode, ...]:
        return self.seasons.get(0, ())

    def episode(self, season: int, number: int) -> Episode | None:
        for ep in self.seasons.get(season, ()):
            if ep.number == number:
                return ep
        return None

    def all_episodes(self) -> list[Episode]:
        return [ep for s in sorted(self.seasons) for ep in self.seasons[s]]

    def megakino_posts(self) -> list[tuple[int, str, int]]:
        """(post id, post slug, season) per Megakino post: one per film, one per series season."""
        base = self.slugs.get(Site.MEGAKINO)
        if base is None:
            return []
        if self.kind == "movie":
            return [(self.megakino_ids[0], base, 0)]
        return [(pid, f"{base}-{n}-staffel", n) for pid, n in zip(self.megakino_ids, self.numbered_seasons)]


@dataclass
class Catalogue:
    shows: list[Show]
    offers_by_link: dict[int, Offer] = field(default_factory=dict)

    def by_slug(self, site: Site, slug: str) -> Show | None:
        for show in self.shows:
            if show.slugs.get(site) == slug:
                return show
        return None

    def on(self, site: Site) -> list[Show]:
        return [s for s in self.shows if site in s.slugs]

    def by_tvdb(self, tvdb_id: int) -> Show | None:
        return next((s for s in self.shows if s.tvdb_id == tvdb_id), None)


def _video_id(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:12]


def _parse_offers(spec: str) -> list[tuple[str, Language, str]]:
    out = []
    for item in spec.split(","):
        bits = item.strip().split(":")
        provider, lang = bits[0], LANG_CODES[bits[1]]
        kind = bits[2] if len(bits) > 2 else DEFAULT_KIND[provider]
        if kind not in KINDS:
            raise ValueError(f"unknown media kind {kind!r} in {item!r}")
        out.append((provider, lang, kind))
    return out


class _Builder:
    def __init__(self) -> None:
        self.next_link = 1000
        self.next_episode = 2300
        self.offers_by_link: dict[int, Offer] = {}

    def offers(self, raw: dict[str, Any], season: int, number: int) -> tuple[Offer, ...]:
        missing = raw.get("missing", {})
        dropped = {LANG_CODES[c] for key in (str(season), f"{season}x{number}") for c in missing.get(key, "").split(",") if c}
        protected = set(raw.get("protected", []))
        placeholder = set(raw.get("placeholder", []))
        out = []
        for provider, lang, kind in _parse_offers(raw["offers"]):
            if lang in dropped:
                continue
            code = next(c for c, v in LANG_CODES.items() if v is lang)
            offer = Offer(
                provider=provider,
                language=lang,
                kind=kind,
                video_id=_video_id(raw["key"], season, number, lang.value, provider),
                link_id=self.next_link,
                protected=f"{season}x{number}:{provider}:{code}" in protected,
                placeholder=provider in placeholder,
            )
            self.offers_by_link[offer.link_id] = offer
            self.next_link += 1
            out.append(offer)
        return tuple(out)

    def episode(self, raw: dict[str, Any], season: int, number: int, absolute: int | None, aired: date) -> Episode:
        seed = int(hashlib.md5(raw["key"].encode()).hexdigest()[:6], 16)
        de, en = _TITLE_PAIRS[(seed + (absolute or number) * 7 + season) % len(_TITLE_PAIRS)]
        self.next_episode += 1
        return Episode(season, number, de, en, absolute, aired, self.next_episode, self.offers(raw, season, number))

    def show(self, raw: dict[str, Any]) -> Show:
        seasons: dict[int, tuple[Episode, ...]] = {}
        start = date(int(raw["year"]), 4, 1)
        if raw["kind"] == "movie":
            seasons[0] = (self.episode(raw, 0, 0, None, start),)
        absolute = 0
        for index, count in enumerate(raw.get("seasons", [])):
            season = index + 1
            first = start + timedelta(days=365 * index)
            eps = []
            for number in range(1, count + 1):
                absolute += 1
                eps.append(self.episode(raw, season, number, absolute, first + timedelta(days=7 * (number - 1))))
            seasons[season] = tuple(eps)
        specials = []
        for k, sp in enumerate(raw.get("specials", []), start=1):
            self.next_episode += 1
            sky = sp.get("sky") or _strip_tags(sp["en"])
            specials.append(
                Episode(0, k, sp["de"], sp["en"], None, start + timedelta(days=200 + 30 * k), self.next_episode,
                        self.offers(raw, 0, k), tvdb_special=sp.get("tvdb"), sky_title=sky)
            )
        if specials:
            seasons[0] = tuple(specials)
        mk = raw.get("megakino", {})
        return Show(
            key=raw["key"],
            title=raw["title"],
            title_de=raw.get("title_de") or raw["title"],
            alt_titles=tuple(raw.get("alt", [])),
            kind=raw["kind"],
            year=int(raw["year"]),
            end_year=raw.get("end"),
            status=raw.get("status", "ended"),
            tvdb_id=raw.get("tvdb"),
            imdb_id=raw.get("imdb"),
            tmdb_id=raw.get("tmdb"),
            slugs={Site(k): v for k, v in raw["sites"].items()},
            seasons=seasons,
            sto_layout=raw.get("sto_layout", "v2"),
            megakino_category=mk.get("category", ""),
            megakino_ids=tuple(mk.get("ids", [])),
            sky_specials=tuple(raw.get("sky_specials", [])),
            absolute_in_titles=bool(raw.get("absolute_in_titles")),
            sky_alt=tuple(raw["sky_alt"]) if "sky_alt" in raw else None,
            overview=f"{raw['title']} ({raw['year']}) – eine Beschreibung für die Fake-Seite.",
        )


def _strip_tags(title: str) -> str:
    return re.sub(r"\s*\[[^\]]*\]", "", title).strip()


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    builder = _Builder()
    shows = [builder.show(raw) for raw in data["shows"]]
    return Catalogue(shows, builder.offers_by_link)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The packaged catalogue (cached: it is immutable and every fake shares it)."""
    text = resources.files("anibridge_fakes").joinpath("catalogue.json").read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))
