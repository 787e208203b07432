"""Megakino page parsing: sitemap XML, post titles, movie tabs and season selects.

Pure functions over lxml trees, kept apart from the adapter's fetching, discovery and caching.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from anibridge.adapters.sites.html import (
    attr,
    canonical_provider,
    first,
    first_of,
    has_class,
    provider_from_url,
    text_of,
    xp,
)
from anibridge.domain.catalog.identity import Language
from anibridge.ports.catalog import HosterLink

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml import etree
    from lxml.html import HtmlElement

POST_PATH = re.compile(r"/(?P<cat>[^/]+)/(?P<id>\d+)-(?P<slug>[^/?#]+?)(?:\.html)?/?$")
_SEASON_IN_SLUG = re.compile(r"(?:^|-)(\d+)-staf+el(?:-|$)|staf+el-(\d+)(?:-|$)")


def slug_title(slug: str) -> str:
    return " ".join(w.capitalize() for w in slug.split("-") if w)


def season_of(slug: str) -> int:
    m = _SEASON_IN_SLUG.search(slug)
    return int(m.group(1) or m.group(2)) if m else 1


def meta_name(doc: HtmlElement) -> str:
    meta = first(xp(doc, "//meta[@itemprop='name']"))
    return attr(meta, "content") if meta is not None else ""


_IMDB_LINK = re.compile(r"imdb\.com/title/(tt\d{5,10})", re.I)
_TMDB_LINK = re.compile(r"themoviedb\.org/(?:movie|tv)/(\d{1,9})", re.I)


def external_ids(doc: HtmlElement) -> tuple[str | None, int | None]:
    """(IMDb `tt…`, TMDB id) from links in the post, when the page has any (most Megakino posts do not)."""
    imdb = tmdb = None
    for link in xp(doc, "//a[@href]"):
        text = attr(link, "href")
        if imdb is None and (m := _IMDB_LINK.search(text)):
            imdb = m.group(1).lower()
        if tmdb is None and (t := _TMDB_LINK.search(text)):
            tmdb = int(t.group(1))
    return imdb, tmdb


def episode_numbers(doc: HtmlElement) -> list[int]:
    out: list[int] = []
    for option in xp(doc, f"//select[{has_class('se-select')}]//option"):
        m = re.search(r"(\d+)", attr(option, "value") or text_of(option))
        if m and int(m.group(1)) not in out:
            out.append(int(m.group(1)))
    return out


def movie_tabs(doc: HtmlElement) -> list[tuple[str, str]]:
    """Tab names pair with `tabs-block__content` panes by position; only `data-src` iframes are hosters."""
    block = first_of(doc, f"//div[{has_class('pmovie__player')}]", f"//div[{has_class('tabs-block')}]")
    if block is None:
        return [("", attr(f, "data-src")) for f in xp(doc, "//iframe[@data-src]")]
    names = [text_of(s) for s in xp(block, f".//*[{has_class('tabs-block__select')}]/*")]
    panes = xp(block, f".//div[{has_class('tabs-block__content')}]")
    out: list[tuple[str, str]] = []
    for i, pane in enumerate(panes):
        frame = first(xp(pane, ".//iframe[@data-src]"))
        if frame is not None:
            out.append((names[i] if i < len(names) else "", attr(frame, "data-src")))
    return out


def hoster(name: str, url: str) -> HosterLink | None:
    if not url.startswith(("http://", "https://")) or "speedfiles" in url.lower():
        return None
    provider = canonical_provider(name) or provider_from_url(url)
    if provider is None:
        return None
    if provider == "VOE":
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) == 1:  # `https://voe.sx/<id>` → `/e/<id>` (Megakino embeds both forms)
            url = f"{parts.scheme}://{parts.netloc}/e/{segments[0]}"
    return HosterLink(provider, Language.GERMAN_DUB, url)


def parse_xml(body: str) -> etree._Element | None:
    from lxml import etree

    try:
        return etree.fromstring(body.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
    except etree.XMLSyntaxError:
        return None


def locs(root: etree._Element, item: str) -> list[tuple[str, str]]:
    from lxml import etree

    out: list[tuple[str, str]] = []
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node).localname != item:
            continue
        loc = lastmod = ""
        for child in node:
            if isinstance(child.tag, str):
                name = etree.QName(child).localname
                if name == "loc":
                    loc = (child.text or "").strip()
                elif name == "lastmod":
                    lastmod = (child.text or "").strip()
        if loc:
            out.append((loc, lastmod))
    return out


def parse_lastmod(value: str) -> datetime | None:
    """A sitemap `lastmod` (W3C datetime: a date, or a date-time with offset) as an aware UTC datetime."""
    text = value.strip().replace("Z", "+00:00")
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def path_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return parts.path + (f"?{parts.query}" if parts.query else "")
