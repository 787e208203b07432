"""Title resolution across catalogue sites (the reference's multi-site search and s.to suggest, gaps closed).

Order of work for a query:
1. **Primary pass** — one `TitleIndex` over the indexes of every enabled site except Megakino (site order kept
   for ties); titles and alternative titles get the reference's candidate score; accept at ≥ 3.5. A title whose compact
   form equals the query's (`911` vs "9-1-1") counts as exact although that score is 0 for sharing no token.
2. **Site-search fallbacks** when the pass finds nothing: s.to's suggest API (term variants `911` → `9-1-1`) and
   AniWorld's own JSON search (the reference has none) — also used when a site's index could not be loaded.
   Unlike the reference, a suggestion needs at least one shared token (or an equal compact form).
3. **Megakino**, only when Megakino is enabled (the reference evaluates its shortcuts even when disabled):
   a Megakino post URL in the query; a slug-shaped query only if that slug is in the sitemap (the reference
   accepts any single word); then the same scoring over the sitemap index; then the site's own search.

A site restriction (`site=`) runs the same steps for that one site only.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.titles import (
    ACCEPT_THRESHOLD,
    IndexEntry,
    TitleIndex,
    compact,
    match_tokens,
    score,
)
from anibridge.ports.errors import PortError

if TYPE_CHECKING:
    from anibridge.ports.catalog import CatalogPort, SeriesEntry

log = logging.getLogger(__name__)

_MEGAKINO_URL = re.compile(r"/(?:films|serials)/\d+-([^./?#\s]+)")
_SLUG_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXACT_SCORE = 16.5  # 8·exact + 1.5·contains + 3 + 2 + 1 + 1: the score of an identical title
_URL_SCORE = EXACT_SCORE  # a direct post URL is as certain as an exact title match


@dataclass(frozen=True, slots=True)
class _SiteIndexes:
    seqs: tuple[Sequence[SeriesEntry], ...]
    index: TitleIndex
    exact: dict[str, IndexEntry]


@dataclass(frozen=True, slots=True)
class CatalogMatch:
    """One resolved candidate: which site and slug, the title that matched, its candidate score and how it was found."""

    site: Site
    slug: str
    title: str
    score: float
    source: str = "index"


class TitleLookup:
    """Resolves free-text titles to catalogue slugs over the enabled sites (`catalogs` in CATALOG_SITES order)."""

    def __init__(self, catalogs: Mapping[Site, CatalogPort], *, threshold: float = ACCEPT_THRESHOLD) -> None:
        self._catalogs = dict(catalogs)
        self._threshold = threshold
        self._prepared_by_sites: dict[tuple[Site, ...], _SiteIndexes] = {}
        self._build_locks: dict[tuple[Site, ...], asyncio.Lock] = {}

    @property
    def sites(self) -> tuple[Site, ...]:
        return tuple(self._catalogs)

    async def resolve(self, query: str, *, site: Site | None = None) -> CatalogMatch | None:
        found = await self.search(query, site=site, limit=1)
        return found[0] if found else None

    async def search(self, query: str, *, site: Site | None = None, limit: int = 10, fallbacks: bool = True) -> list[CatalogMatch]:
        """Ranked matches (best first). Empty when nothing reaches the threshold on any fallback.

        `fallbacks=False` answers from the loaded indexes only (no site search requests): for extra titles of a
        show that is already located, where a network round trip per alias would cost more than it finds.
        """
        query = query.strip()
        if not query:
            return []
        if site is not None and site not in self._catalogs:
            return []
        sites = [site] if site is not None else list(self._catalogs)
        primary = [s for s in sites if s is not Site.MEGAKINO]
        if primary:
            found = await self._index_pass(query, primary, limit)
            if found:
                return found
            found = await self._search_fallbacks(query, primary, limit) if fallbacks else []
            if found:
                return found
        if Site.MEGAKINO in sites:
            return await self._megakino(query, limit, fallbacks)
        return []

    async def _load(self, site: Site) -> Sequence[SeriesEntry] | None:
        try:
            return await self._catalogs[site].index()
        except PortError as ex:
            log.warning("title resolution: %s index unavailable: %s", site.value, ex)
            return None

    async def _prepared(self, sites: Sequence[Site]) -> _SiteIndexes:
        """TitleIndex (+ compact-title map) over the sites' current indexes, rebuilt only when an index changed."""
        loaded = [await self._load(s) for s in sites]
        seqs = tuple(seq if seq is not None else () for seq in loaded)
        key = tuple(sites)
        cached = self._prepared_by_sites.get(key)
        if cached is not None and _same(cached.seqs, seqs):
            return cached
        lock = self._build_locks.setdefault(key, asyncio.Lock())
        async with lock:  # one build per index version, however many queries arrive meanwhile
            cached = self._prepared_by_sites.get(key)
            if cached is not None and _same(cached.seqs, seqs):
                return cached
            # A 20,000-title index takes a second or two to prepare: keep the event loop serving meanwhile.
            prepared = await asyncio.to_thread(_prepare, seqs, list(sites))
            self._prepared_by_sites[key] = prepared
            return prepared

    async def _index_pass(self, query: str, sites: Sequence[Site], limit: int) -> list[CatalogMatch]:
        prepared = await self._prepared(sites)
        found = [
            CatalogMatch(m.entry.site, m.entry.slug, m.entry.title, m.score)
            for m in prepared.index.ranked(query, limit=limit, threshold=self._threshold)
        ]
        # `911` vs "9-1-1": equal compact forms but no shared token, which the score rates 0. It is an exact title.
        twin = prepared.exact.get(compact(query))
        if twin is not None and not any(m.site is twin.site and m.slug == twin.slug for m in found):
            found.insert(0, CatalogMatch(twin.site, twin.slug, twin.title, EXACT_SCORE, "exact"))
            found = found[:limit]
        return found

    async def _search_fallbacks(self, query: str, sites: Sequence[Site], limit: int) -> list[CatalogMatch]:
        """The sites' own search endpoints, in site order; the first site with an acceptable hit wins."""
        for site in sites:
            terms = suggest_terms(query) if site is Site.STO else [query]
            found = await self._site_search(site, query, terms, "suggest" if site is Site.STO else "search")
            if found:
                return found[:limit]
        return []

    async def _site_search(self, site: Site, query: str, terms: Sequence[str], source: str) -> list[CatalogMatch]:
        best: dict[str, CatalogMatch] = {}
        q, qn = match_tokens(query), compact(query)
        for term in terms:
            try:
                entries = await self._catalogs[site].search(term)
            except PortError as ex:
                log.warning("title resolution: %s search for %r failed: %s", site.value, term, ex)
                continue
            for entry in entries:
                titles = (entry.title, *entry.alt_titles)
                if not any(q & match_tokens(t) or qn == compact(t) for t in titles):
                    continue  # the reference accepted any suggestion, even with nothing in common
                value = max(score(query, t) for t in titles)
                if any(qn == compact(t) for t in titles):
                    value = max(value, 8.0)
                previous = best.get(entry.slug)
                if previous is None or value > previous.score:
                    best[entry.slug] = CatalogMatch(site, entry.slug, entry.title, round(value, 4), source)
        return sorted(best.values(), key=lambda m: -m.score)

    async def _megakino(self, query: str, limit: int, fallbacks: bool = True) -> list[CatalogMatch]:
        url = _MEGAKINO_URL.search(query)
        if url:
            slug = url.group(1).lower()
            return [CatalogMatch(Site.MEGAKINO, slug, _slug_title(slug), _URL_SCORE, "shortcut")]
        entries = await self._load(Site.MEGAKINO)
        lowered = query.lower()
        if entries and _SLUG_SHAPE.match(lowered):
            for entry in entries:
                if entry.slug == lowered:
                    return [CatalogMatch(Site.MEGAKINO, entry.slug, entry.title, _URL_SCORE, "shortcut")]
        found = await self._index_pass(query, [Site.MEGAKINO], limit)
        if found or not fallbacks:
            return found
        return (await self._site_search(Site.MEGAKINO, query, [query], "search"))[:limit]


def _same(a: tuple[Sequence[SeriesEntry], ...], b: tuple[Sequence[SeriesEntry], ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _prepare(seqs: tuple[Sequence[SeriesEntry], ...], sites: list[Site]) -> _SiteIndexes:
    entries = [IndexEntry(e.site, e.slug, e.title, e.alt_titles) for seq in seqs for e in seq]
    exact: dict[str, IndexEntry] = {}
    for entry in entries:
        for title in entry.all_titles:
            exact.setdefault(compact(title), entry)
    return _SiteIndexes(seqs, TitleIndex(entries, site_order=sites), exact)


def suggest_terms(query: str) -> list[str]:
    """s.to suggest terms (the reference's): raw, compact if different, and digits dashed (`911` → `9-1-1`)."""
    raw = query.strip()
    terms = [raw]
    squeezed = compact(raw)
    if squeezed and squeezed != raw:
        terms.append(squeezed)
    if squeezed.isdigit() and len(squeezed) >= 3:
        terms.append("-".join(squeezed))
    return list(dict.fromkeys(t for t in terms if t))


def _slug_title(slug: str) -> str:
    return " ".join(w.capitalize() for w in slug.split("-") if w)
