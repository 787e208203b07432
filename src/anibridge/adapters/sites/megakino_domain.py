"""Megakino domain discovery: mirror lists, then a sitemap probe over every candidate.

Megakino rotates its domain every few weeks. A candidate is valid when `<origin>/sitemap.xml` answers < 400 with
an XML `urlset`/`sitemapindex` root; the origin of the *final* URL (after redirects) wins, so an old domain that
redirects to the new one resolves to the new one. Candidates keep their scheme and port (fakes live on loopback).
"""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import urlsplit

import httpx

from anibridge.adapters.sites.http import BROWSER_HEADERS

log = logging.getLogger(__name__)

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_mirrors(body: str) -> list[str]:
    """Lines of a mirrors.txt → origins. HTML bodies, comments and junk lines contribute nothing."""
    head = body.lstrip()[:200].lower()
    if head.startswith("<!doctype") or head.startswith("<html") or "<script" in body.lower():
        return []
    out: list[str] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "<" in line or ">" in line:
            continue
        if re.match(r"^https?://", line, re.I):
            found = origin(line)
        elif _HOSTNAME.match(line):
            found = f"https://{line.lower()}"
        else:
            continue
        if found not in out:
            out.append(found)
    return out


def is_cookie_gate(body: str) -> bool:
    """The ~230-byte DLE stub that fetches `/index.php?yg=token` and reloads (DLE's cookie gate)."""
    return "yg=token" in body and len(body) < 4096 and "<h1" not in body


def is_sitemap(body: bytes) -> bool:
    if b"<urlset" not in body and b"<sitemapindex" not in body:
        return False
    from lxml import etree

    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return False
    return etree.QName(root).localname in ("urlset", "sitemapindex")


async def fetch_mirrors(client: httpx.AsyncClient, sources: list[str], timeout: float) -> list[str]:
    """The first source (in order, not completion order) that yields a non-empty mirror list."""

    async def one(url: str) -> list[str]:
        try:
            response = await client.get(url, headers=BROWSER_HEADERS, follow_redirects=True, timeout=timeout)
        except httpx.HTTPError as ex:
            log.debug("mirror list %s failed: %s", url, ex)
            return []
        return parse_mirrors(response.text) if response.status_code < 400 else []

    results = await asyncio.gather(*(one(u) for u in sources))
    for found in results:
        if found:
            return found
    return []


async def probe(client: httpx.AsyncClient, base: str, timeout: float) -> str | None:
    """The final origin when `<base>/sitemap.xml` is a real sitemap, else None (passes the cookie gate once)."""
    url = base.rstrip("/") + "/sitemap.xml"
    try:
        response = await client.get(url, headers=BROWSER_HEADERS, follow_redirects=True, timeout=timeout)
        if is_cookie_gate(response.text):
            await client.get(origin(str(response.url)) + "/index.php?yg=token", headers=BROWSER_HEADERS, timeout=timeout)
            response = await client.get(url, headers=BROWSER_HEADERS, follow_redirects=True, timeout=timeout)
    except httpx.HTTPError as ex:
        log.debug("megakino probe %s failed: %s", base, ex)
        return None
    if response.status_code >= 400 or not is_sitemap(response.content):
        return None
    return origin(str(response.url))


async def discover(client: httpx.AsyncClient, configured: str, mirrors_url: str, timeout: float) -> str | None:
    """Mirror lists from `mirrors_url` and `<configured>/mirrors.txt`, then probe mirrors + configured in order."""
    sources = [u for u in (mirrors_url.strip(), configured.rstrip("/") + "/mirrors.txt") if u]
    mirrors = await fetch_mirrors(client, sources, timeout)
    candidates = list(dict.fromkeys([*mirrors, origin(configured)]))
    results = await asyncio.gather(*(probe(client, c, timeout) for c in candidates))
    for candidate, result in zip(candidates, results, strict=True):
        if result is not None:
            if result != candidate:
                log.info("megakino: %s redirects to %s", candidate, result)
            return result
    log.warning("megakino: no candidate domain answered a sitemap (%s)", ", ".join(candidates))
    return None
