"""Parsers for the 2026 s.to "v2" template (live since 2026-01-29): series list items, season pills, episode rows and
`button[data-play-url]` provider buttons. AniWorld's episode parser also uses the button parser, because the
spec expects AniWorld to migrate to the same markup.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.adapters.sites.html import attr, canonical_provider, first, first_of, has_class, text_of, xp
from anibridge.adapters.sites.http import absolute
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.ports.catalog import EpisodeListing, HosterLink

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

_SEASON_HREF = re.compile(r"/staffel-(\d+)/?$")
_EPISODE_URL = re.compile(r"/staffel-(\d+)/episode-(\d+)")
_YEAR_HREF = re.compile(r"/jahr/((?:19|20)\d{2})")
_IMDB = re.compile(r"imdb\.com/title/(tt\d+)")
_TITLE_H2 = re.compile(r"^S\d+E\d+:\s*(?P<de>.*?)(?:\s*\((?P<en>.*)\))?\s*$")
_FLAG_LANGS = {
    "svg-flag-german": Language.GERMAN_DUB,
    "svg-flag-english": Language.ENGLISH_DUB,
    "svg-flag-english-german": Language.GERMAN_SUB,
    "svg-flag-german-sub": Language.GERMAN_SUB,
}


def is_v2(doc: HtmlElement) -> bool:
    """True when the page uses the v2 template (series items, season pills, episode rows or play buttons)."""
    return bool(
        xp(doc, f"//li[{has_class('series-item')}]")
        or xp(doc, "//*[@data-season-pill]")
        or xp(doc, f"//tr[{has_class('episode-row')}]")
        or xp(doc, "//*[@data-play-url]")
        or xp(doc, "//nav[@id='season-nav']")
    )


@dataclass(frozen=True)
class V2IndexItem:
    slug: str
    title: str
    alt_titles: tuple[str, ...]


def parse_index(doc: HtmlElement, slug_pattern: re.Pattern[str]) -> list[V2IndexItem]:
    """`li.series-item[data-search] > a` — alternatives come from the `|`-separated `data-search` pieces."""
    items: dict[str, V2IndexItem] = {}
    for li in xp(doc, f"//li[{has_class('series-item')}]"):
        a = first(xp(li, ".//a[@href]"))
        if a is None:
            continue
        m = slug_pattern.search(attr(a, "href"))
        title = text_of(a)
        if m is None or not title:
            continue
        alts: list[str] = []
        for piece in attr(li, "data-search").split("|"):
            piece = piece.strip()
            if piece and piece.lower() != title.lower() and piece not in alts:
                alts.append(piece)
        items.setdefault(m.group(1), V2IndexItem(m.group(1), title, tuple(alts)))
    return list(items.values())


@dataclass(frozen=True)
class V2Series:
    title: str
    seasons: tuple[int, ...]
    year: int | None
    imdb_id: str | None


def parse_series(doc: HtmlElement) -> V2Series | None:
    h1 = first_of(doc, f"//div[{has_class('show-header-wrapper')}]//h1", "//h1")
    if h1 is None:
        return None
    seasons: set[int] = set()
    for a in xp(doc, "//*[@data-season-pill]"):
        raw = attr(a, "data-season-pill")
        if raw.isdigit():
            seasons.add(int(raw))
    if not seasons:
        for a in xp(doc, "//nav[@id='season-nav']//a[@href]"):
            m = _SEASON_HREF.search(attr(a, "href"))
            if m:
                seasons.add(int(m.group(1)))
    year = imdb = None
    for a in xp(doc, "//a[@href]"):
        href = attr(a, "href")
        if year is None and (ym := _YEAR_HREF.search(href)):
            year = int(ym.group(1))
        if imdb is None and (im := _IMDB.search(href)):
            imdb = im.group(1)
    return V2Series(text_of(h1), tuple(sorted(seasons)), year, imdb)


def parse_season(doc: HtmlElement, season: int) -> list[EpisodeListing]:
    """`tr.episode-row` rows; the flags here are real per-episode availability (unlike AniWorld's legend)."""
    out: dict[int, EpisodeListing] = {}
    for row in xp(doc, f"//tr[{has_class('episode-row')}]"):
        number = None
        m = _EPISODE_URL.search(attr(row, "onclick"))
        if m:
            number = int(m.group(2))
        else:
            cell = text_of(first(xp(row, f".//*[{has_class('episode-number-cell')}]")))
            number = int(cell) if cell.isdigit() else None
        if number is None:
            continue
        title_de = text_of(first(xp(row, f".//*[{has_class('episode-title-ger')}]"))) or None
        title_en = text_of(first(xp(row, f".//*[{has_class('episode-title-eng')}]"))) or None
        langs: list[Language] = []
        for svg in xp(row, f".//*[{has_class('watch-language')}]"):
            for token in attr(svg, "class").split():
                lang = _FLAG_LANGS.get(token)
                if lang is not None and lang not in langs:
                    langs.append(lang)
        out.setdefault(number, EpisodeListing(season, number, title_de, title_en, tuple(langs)))
    return [out[k] for k in sorted(out)]


def parse_episode_titles(doc: HtmlElement) -> tuple[str | None, str | None]:
    """`article > h2` "S01E01: Deutscher Titel (English Title)"."""
    for h2 in xp(doc, "//article//h2") + xp(doc, "//h2"):
        m = _TITLE_H2.match(text_of(h2))
        if m:
            return (m.group("de") or None), (m.group("en") or None)
    return None, None


def parse_play_buttons(doc: HtmlElement, site: Site, page_url: str) -> list[HosterLink]:
    """Every `[data-play-url]` with a real provider name; s.to's "Provider" placeholders are dropped."""
    out: list[HosterLink] = []
    for node in xp(doc, "//*[@data-play-url]"):
        raw_name = attr(node, "data-provider-name")
        name = canonical_provider(raw_name)
        if name is None:
            log.debug("%s: skipping provider button %r (placeholder or unknown)", site.value, raw_name)
            continue
        language = _button_language(site, attr(node, "data-language-id"), attr(node, "data-language-label"))
        if language is None:
            continue
        out.append(HosterLink(name, language, absolute(page_url, attr(node, "data-play-url"))))
    return out


def button_languages(doc: HtmlElement, site: Site) -> tuple[Language, ...]:
    """Languages offered by any button, placeholders included (the language exists even if the hoster is unnamed)."""
    out: list[Language] = []
    for node in xp(doc, "//*[@data-play-url]"):
        lang = _button_language(site, attr(node, "data-language-id"), attr(node, "data-language-label"))
        if lang is not None and lang not in out:
            out.append(lang)
    return tuple(out)


def _button_language(site: Site, raw_id: str, label: str) -> Language | None:
    if raw_id:
        try:
            return Language.from_site_id(site, raw_id)
        except ValueError:
            pass
    return Language.try_parse(label) if label else None
