"""Small lxml helpers shared by the site parsers (XPath only; no cssselect dependency)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from anibridge.domain.streams.providers import KNOWN_PROVIDERS

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

_WS = re.compile(r"\s+")


def parse(text: str) -> HtmlElement:
    """Parse an HTML document; an empty body gives an empty <html> (never raises)."""
    from lxml import html as lxml_html

    if not text.strip():
        return lxml_html.fromstring("<html></html>")
    return lxml_html.fromstring(text)


def has_class(name: str) -> str:
    """XPath predicate body for `@class` containing the whole token `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def text_of(node: HtmlElement | None) -> str:
    """Whitespace-collapsed text content of a node ('' for None)."""
    if node is None:
        return ""
    return _WS.sub(" ", node.text_content()).strip()


def first(nodes: list[HtmlElement]) -> HtmlElement | None:
    return nodes[0] if nodes else None


def first_of(node: HtmlElement, *paths: str) -> HtmlElement | None:
    """The first match of the first XPath that matches (elements are falsy when childless: never use `or`)."""
    for path in paths:
        found = xp(node, path)
        if found:
            return found[0]
    return None


def xp(node: HtmlElement, path: str) -> list[HtmlElement]:
    """Elements matched by an XPath (attribute/text results are filtered out)."""
    from lxml.html import HtmlElement

    return [n for n in node.xpath(path) if isinstance(n, HtmlElement)]


def attr(node: HtmlElement, name: str) -> str:
    return (node.get(name) or "").strip()


_CANON = {p.lower(): p for p in KNOWN_PROVIDERS}
_HOST_HINTS: tuple[tuple[str, str], ...] = (
    ("voe", "VOE"),
    ("dood", "Doodstream"),
    ("d0000d", "Doodstream"),
    ("filemoon", "Filemoon"),
    ("streamtape", "Streamtape"),
    ("streamta.pe", "Streamtape"),
    ("vidmoly", "Vidmoly"),
    ("loadx", "LoadX"),
    ("luluvdo", "Luluvdo"),
    ("vidoza", "Vidoza"),
    ("gxplayer", "GXPlayer"),
)


def canonical_provider(name: str) -> str | None:
    """Canonical hoster name for a display name (`voe`, `Voe`, `VOE`); None for placeholders/unknown."""
    key = name.strip().lower()
    if key in _CANON:
        return _CANON[key]
    if key in ("dood", "doodstream", "dood stream"):
        return "Doodstream"
    return None


def provider_from_url(url: str) -> str | None:
    """Guess the hoster from an embed URL's hostname: the first hint it contains (`voe`, `dood`, …)."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    for hint, name in _HOST_HINTS:
        if hint in host:
            return name
    return None
