"""RSS 2.0 + Torznab attrs with lxml: always well-formed UTF-8, control characters stripped, attrs in the
`http://torznab.com/schemas/2015/feed` namespace (the only one Sonarr and Prowlarr read attrs from)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from anibridge.domain.torznab.release import Release

TORZNAB_NS = "http://torznab.com/schemas/2015/feed"
ATOM_NS = "http://www.w3.org/2005/Atom"
_ATTR = f"{{{TORZNAB_NS}}}attr"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Characters XML 1.0 forbids (and DEL) removed: one stray byte in a scraped title must not lose the page."""
    return _XML_INVALID.sub("", text)


def rss_xml(releases: Sequence[Release], *, title: str, seeders: int, leechers: int, link: str = "https://localhost/") -> bytes:
    root = etree.Element("rss", version="2.0", nsmap={"atom": ATOM_NS, "torznab": TORZNAB_NS})
    channel = etree.SubElement(root, "channel")
    etree.SubElement(channel, "title").text = clean(title)
    etree.SubElement(channel, "description").text = "anibridge Torznab feed"
    etree.SubElement(channel, "link").text = link
    etree.SubElement(channel, "language").text = "de-de"
    for release in releases:
        _item(channel, release, seeders, leechers)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _item(channel: etree._Element, r: Release, seeders: int, leechers: int) -> None:
    item = etree.SubElement(channel, "item")
    etree.SubElement(item, "title").text = clean(r.title)
    etree.SubElement(item, "guid", isPermaLink="false").text = clean(r.guid)
    # `link` is the download link (as Jackett writes it), `comments` the episode page (Sonarr's info link).
    etree.SubElement(item, "link").text = clean(r.magnet)
    if r.page_url:
        etree.SubElement(item, "comments").text = clean(r.page_url)
    if r.description:
        etree.SubElement(item, "description").text = clean(r.description)
    etree.SubElement(item, "pubDate").text = rfc822(r.published_at)
    etree.SubElement(item, "size").text = str(r.size)
    for cat in r.categories:
        etree.SubElement(item, "category").text = str(cat)
    etree.SubElement(item, "enclosure", url=clean(r.magnet), length=str(r.size), type="application/x-bittorrent")
    attrs: list[tuple[str, str]] = [(("category"), str(c)) for c in r.categories]
    attrs += [
        ("size", str(r.size)),
        ("magneturl", clean(r.magnet)),
        ("infohash", r.infohash),
        ("seeders", str(max(1, seeders))),
        ("leechers", str(max(0, leechers))),
        ("peers", str(max(1, seeders) + max(0, leechers))),
    ]
    if r.language:
        attrs.append(("language", r.language))
    if r.subs:
        attrs.append(("subs", r.subs))
    if r.season is not None and r.episode is not None:
        attrs += [("season", str(r.season)), ("episode", str(r.episode))]
    if r.tvdb_id:
        attrs.append(("tvdbid", str(r.tvdb_id)))
    if r.imdb_id:
        # Sonarr/Radarr read `imdb` as digits; Prowlarr and others also read `imdbid` as `tt…`.
        attrs += [("imdb", r.imdb_id), ("imdbid", f"tt{r.imdb_id}")]
    if r.tmdb_id:
        attrs.append(("tmdbid", str(r.tmdb_id)))
    for name, value in attrs:
        etree.SubElement(item, _ATTR, name=name, value=value)


def rfc822(when: datetime) -> str:
    """`Sat, 14 Mar 2015 17:10:42 +0000`; a naive time is UTC (the repositories store UTC)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC))


def error_xml(code: int, description: str) -> bytes:
    root = etree.Element("error", code=str(code), description=clean(description))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
