""""New episodes" listings (AniWorld `/neue-episoden`, s.to `/serienkalender` or classic `/neue-episoden`): one entry per episode link.

sites.md does not pin this markup down, so the parser keys only on what every variant has: an anchor to an
episode URL. The series title, flags and date are taken from the anchor's row (nearest `li`/`tr`/`div`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from anibridge.adapters.sites.html import attr, first, text_of, xp
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.ports.catalog import NewEpisode

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

_DATE_DE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_FLAG_SRC = (
    ("japanese-english", Language.ENGLISH_SUB),
    ("japanese-german", Language.GERMAN_SUB),
    ("english-german", Language.GERMAN_SUB),
    ("german", Language.GERMAN_DUB),
    ("english", Language.ENGLISH_DUB),
)


def parse_new_episodes(doc: HtmlElement, site: Site, link: re.Pattern[str]) -> list[NewEpisode]:
    """Entries in page order, de-duplicated by (slug, season, episode)."""
    seen: set[tuple[str, int, int]] = set()
    out: list[NewEpisode] = []
    for a in xp(doc, "//a[@href]"):
        m = link.search(attr(a, "href"))
        if m is None:
            continue
        slug = m.group("slug")
        season = int(m.group("season")) if m.group("season") else 0
        episode = int(m.group("episode"))
        key = (slug, season, episode)
        if key in seen:
            continue
        seen.add(key)
        row = _row(a)
        out.append(
            NewEpisode(
                site=site,
                slug=slug,
                series_title=_series_title(a) or slug.replace("-", " ").title(),
                season=season,
                episode=episode,
                languages=_languages(row, site),
                released_at=_released(row),
            )
        )
    return out


def _row(a: HtmlElement) -> HtmlElement:
    from lxml.html import HtmlElement

    node: HtmlElement | None = a
    while node is not None:
        if node.tag in ("li", "tr", "article"):
            return node
        parent = node.getparent()
        node = parent if isinstance(parent, HtmlElement) else None
    return a


def _series_title(a: HtmlElement) -> str:
    for path in (".//*[contains(@class,'title')]", ".//strong", ".//h3", ".//span"):
        found = text_of(first(xp(a, path)))
        if found:
            return found
    text = text_of(a)
    return re.split(r"\s+(?:Staffel|S)\s*\d+", text, maxsplit=1)[0].strip()


def _languages(row: HtmlElement, site: Site) -> tuple[Language, ...]:
    out: list[Language] = []
    for node in xp(row, ".//*[@data-lang-key or @data-language-id]"):
        raw = attr(node, "data-lang-key") or attr(node, "data-language-id")
        try:
            lang = Language.from_site_id(site, raw)
        except ValueError:
            continue
        if lang not in out:
            out.append(lang)
    if out:
        return tuple(out)
    for node in xp(row, ".//img[@src] | .//*[contains(@class,'flag')]"):
        marker = (attr(node, "src") + " " + attr(node, "class")).lower()
        for needle, lang in _FLAG_SRC:
            if needle in marker:
                if lang not in out:
                    out.append(lang)
                break
    return tuple(out)


def _released(row: HtmlElement) -> datetime | None:
    stamp = first(xp(row, ".//time[@datetime]"))
    if stamp is not None:
        try:
            value = datetime.fromisoformat(attr(stamp, "datetime").replace("Z", "+00:00"))
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        except ValueError:
            pass
    m = _DATE_DE.search(" ".join(row.itertext()))
    if m:
        try:
            return datetime(int(m.group(3)), int(m.group(2)), int(m.group(1)), tzinfo=UTC)
        except ValueError:
            return None
    return None
