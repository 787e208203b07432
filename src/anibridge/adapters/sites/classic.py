"""Parsers for the "classic" page template shared by AniWorld and pre-2026 s.to (index, series, season, episode pages).

Kept separate from the site adapters because both sites use it: AniWorld today, s.to for shows still served
in the old layout. Everything is keyed on tags and attributes from the spec, never on document order alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.adapters.sites.html import attr, canonical_provider, first, first_of, has_class, text_of, xp
from anibridge.adapters.sites.http import absolute
from anibridge.adapters.sites.v2 import parse_play_buttons
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.ports.catalog import EpisodeListing, HosterLink

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_SEASON_HREF = re.compile(r"/staffel-(\d+)/?$")
_FILME_HREF = re.compile(r"/filme/?$")
_EPISODE_HREF = re.compile(r"/(?:staffel-\d+/episode-|filme/film-)(\d+)/?$")


@dataclass(frozen=True)
class IndexItem:
    slug: str
    title: str
    alt_titles: tuple[str, ...]


def split_alternatives(raw: str) -> tuple[str, ...]:
    """`data-alternative-title` → pieces, trimmed and stripped of quotes; empty pieces dropped."""
    if not raw:
        return ()
    out: list[str] = []
    for piece in raw.split(","):
        cleaned = piece.strip().strip("'\"").strip()
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return tuple(out)


def parse_index(doc: HtmlElement, slug_pattern: re.Pattern[str]) -> list[IndexItem]:
    """Every anchor whose href is a series URL; later anchors with the same slug are merged (first title wins).

    Written for 20,000-title pages: a plain element walk and str.split instead of XPath/regex per anchor.
    """
    items: dict[str, IndexItem] = {}
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        m = slug_pattern.search(href)
        if m is None:
            continue
        slug = m.group(1)
        title = " ".join("".join(a.itertext()).split())
        alts = split_alternatives(a.get("data-alternative-title") or "")
        previous = items.get(slug)
        if previous is not None:
            title = previous.title or title
            alts = tuple(dict.fromkeys(previous.alt_titles + alts))
        if not title and not alts:
            continue
        items[slug] = IndexItem(slug, title, tuple(x for x in alts if x != title) if alts else ())
    return [item for item in items.values() if item.title]


@dataclass(frozen=True)
class SeriesPage:
    title: str
    alt_titles: tuple[str, ...]
    seasons: tuple[int, ...]
    year: int | None
    imdb_id: str | None


def parse_series(doc: HtmlElement) -> SeriesPage | None:
    """Series page: title, alternatives, seasons (0 when a `/filme` link exists), start year, IMDb id."""
    h1 = first_of(doc, f"//div[{has_class('series-title')}]//h1", "//h1[@itemprop='name']")
    if h1 is None:
        return None
    title = text_of(first(xp(h1, ".//span"))) or text_of(h1)
    alts = split_alternatives(attr(h1, "data-alternativetitles"))
    seasons: set[int] = set()
    nav = first_of(doc, "//div[@id='stream']", f"//div[{has_class('hosterSiteDirectNav')}]")
    if nav is not None:
        lists = xp(nav, "./ul")
        for a in xp(lists[0] if lists else nav, ".//a[@href]"):
            href = attr(a, "href")
            m = _SEASON_HREF.search(href)
            if m:
                seasons.add(int(m.group(1)))
            elif _FILME_HREF.search(href):
                seasons.add(0)
    year = None
    start = first(xp(doc, "//span[@itemprop='startDate']"))
    if start is not None and (ym := _YEAR.search(text_of(start))):
        year = int(ym.group(0))
    imdb = first(xp(doc, "//a[@data-imdb]"))
    return SeriesPage(
        title=title,
        alt_titles=tuple(a for a in alts if a != title),
        seasons=tuple(sorted(seasons)),
        year=year,
        imdb_id=attr(imdb, "data-imdb") or None if imdb is not None else None,
    )


def parse_season(doc: HtmlElement, season: int) -> list[EpisodeListing]:
    """`table.seasonEpisodesList` rows; languages stay empty because the flags there are a static legend."""
    out: dict[int, EpisodeListing] = {}
    rows = xp(doc, f"//table[{has_class('seasonEpisodesList')}]//tr[@data-episode-season-id or @itemprop='episode']")
    for row in rows:
        number = _row_number(row)
        if number is None:
            continue
        cell = first(xp(row, f".//td[{has_class('seasonEpisodeTitle')}]"))
        title_de = text_of(first(xp(cell, ".//strong"))) if cell is not None else ""
        title_en = text_of(first(xp(cell, ".//span"))) if cell is not None else ""
        out.setdefault(number, EpisodeListing(season, number, title_de or None, title_en or None))
    return [out[k] for k in sorted(out)]


def _row_number(row: HtmlElement) -> int | None:
    meta = first(xp(row, ".//meta[@itemprop='episodeNumber']"))
    for raw in (attr(meta, "content") if meta is not None else "", attr(row, "data-episode-season-id")):
        if raw.isdigit():
            return int(raw)
    for a in xp(row, ".//a[@href]"):
        m = _EPISODE_HREF.search(attr(a, "href"))
        if m:
            return int(m.group(1))
    return None


@dataclass(frozen=True)
class EpisodePage:
    title_de: str | None
    title_en: str | None
    languages: tuple[Language, ...]
    hosters: tuple[HosterLink, ...]


def parse_episode(doc: HtmlElement, site: Site, page_url: str) -> EpisodePage:
    """Language box + `li[data-lang-key]` hosters; tolerates the v2 `button[data-play-url]` shape too."""
    title_de = text_of(first(xp(doc, "//span[contains(@class,'episodeGermanTitle')]"))) or None
    title_en = text_of(first(xp(doc, "//small[contains(@class,'episodeEnglishTitle')]"))) or None
    box = f"//div[{has_class('changeLanguageBox')}]//*[@data-lang-key]"
    box_langs = [_lang(site, attr(img, "data-lang-key")) for img in xp(doc, box)]
    hosters: list[HosterLink] = []
    for li in xp(doc, "//li[@data-lang-key]"):
        language = _lang(site, attr(li, "data-lang-key"))
        name = canonical_provider(text_of(first(xp(li, ".//h4"))))
        anchor = first(xp(li, ".//a[@href]"))
        href = attr(li, "data-link-target") or (attr(anchor, "href") if anchor is not None else "")
        if language is None or name is None or not href:
            continue
        hosters.append(HosterLink(name, language, absolute(page_url, href)))
    hosters.extend(parse_play_buttons(doc, site, page_url))
    languages = _ordered(lang for lang in box_langs if lang is not None) or _ordered(h.language for h in hosters)
    return EpisodePage(title_de, title_en, languages, tuple(dict.fromkeys(hosters)))


def _lang(site: Site, key: str) -> Language | None:
    if site is Site.ANIWORLD and key == "4":  # the rare English dub key (AniWorld only)
        return Language.ENGLISH_DUB
    try:
        return Language.from_site_id(site, key)
    except ValueError:
        return None


def _ordered(languages: Iterable[Language]) -> tuple[Language, ...]:
    return tuple(dict.fromkeys(languages))
