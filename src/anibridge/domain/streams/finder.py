"""StreamFinder: from an episode reference to one playable direct stream, trying hosters in a useful order.

Why a use case of its own: downloads, STRM files, the STRM proxy and the CLI all need "the first hoster that
works right now" with the same ordering (preferred provider, then the one that worked last time for this
show, then PROVIDER_ORDER, then the rest) and the same error contract (NotFound when the episode or language
is not offered, HosterUnavailable naming every hoster's cause otherwise).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from anibridge.ports.errors import HosterUnavailable, NotFound, PortError

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import (
        EpisodeRef,
        Site,
    )
    from anibridge.ports.catalog import CatalogPort, HosterLink
    from anibridge.ports.streams import DirectStream, StreamResolverPort

log = logging.getLogger(__name__)


class StreamFinder:
    """One shared hoster order and error contract for downloads, STRM files, the proxy and the CLI (see module)."""

    def __init__(
        self,
        catalogs: Mapping[Site, CatalogPort],
        resolvers: Sequence[StreamResolverPort],
        provider_order: Sequence[str],
        attempt_timeout: float | None = None,
    ) -> None:
        self._catalogs = catalogs
        self._resolvers = list(resolvers)
        self._by_name = {r.provider.lower(): r for r in self._resolvers}
        self._order = [p.lower() for p in provider_order]
        self._attempt_timeout = attempt_timeout
        self._last_good: dict[tuple[str, str], str] = {}

    def _catalog(self, ref: EpisodeRef) -> CatalogPort:
        catalog = self._catalogs.get(ref.site)
        if catalog is None:
            raise NotFound(f"site {ref.site.value} is not enabled")
        return catalog

    async def candidates(self, ref: EpisodeRef, preferred: str | None = None) -> list[HosterLink]:
        """The episode's hoster links in `ref.language`, in the order `find` tries them."""
        detail = await self._catalog(ref).episode(ref.slug, ref.season, ref.episode)
        links = [h for h in detail.hosters if h.language == ref.language]
        if not links:
            offered = ", ".join(sorted({h.language.value for h in detail.hosters} | {lang.value for lang in detail.languages}))
            raise NotFound(
                f"{ref.site.value} {ref.slug} S{ref.season:02d}E{ref.episode:02d} is not offered in "
                f"{ref.language.value} (available: {offered or 'none'})"
            )
        return self.order(links, preferred, self._last_good.get((ref.site.value, ref.slug)))

    def order(self, links: Sequence[HosterLink], preferred: str | None, last_good: str | None) -> list[HosterLink]:
        first = [p.lower() for p in (preferred, last_good) if p]

        def rank(item: tuple[int, HosterLink]) -> tuple[int, int, int]:
            index, link = item
            name = link.provider.lower()
            head = first.index(name) if name in first else len(first)
            pos = self._order.index(name) if name in self._order else len(self._order)
            return (head, pos, index)

        return [link for _, link in sorted(enumerate(links), key=rank)]

    async def find(
        self, ref: EpisodeRef, preferred: str | None = None, exclude: frozenset[str] = frozenset()
    ) -> DirectStream:
        links = await self.candidates(ref, preferred)
        skip = {p.lower() for p in exclude}
        causes: list[str] = []
        for link in links:
            if link.provider.lower() in skip:
                causes.append(f"{link.provider}: excluded")
                continue
            try:
                stream = await self._attempt(ref, link)
            except PortError as ex:
                causes.append(f"{link.provider}: {ex}")
                log.info("hoster %s failed for %s/%s: %s", link.provider, ref.site.value, ref.slug, ex)
                continue
            except TimeoutError:
                causes.append(f"{link.provider}: no answer within {self._attempt_timeout:g}s")
                continue
            self._last_good[(ref.site.value, ref.slug)] = stream.provider
            return stream
        raise HosterUnavailable(f"no hoster yielded a stream for {ref.label}. Tried: " + "; ".join(causes))

    async def _attempt(self, ref: EpisodeRef, link: HosterLink) -> DirectStream:
        if self._attempt_timeout is None:
            return await self._resolve_link(ref, link)
        async with asyncio.timeout(self._attempt_timeout):
            return await self._resolve_link(ref, link)

    async def _resolve_link(self, ref: EpisodeRef, link: HosterLink) -> DirectStream:
        embed = await self._catalog(ref).embed_url(link)
        resolver = self._by_name.get(link.provider.lower())
        if resolver is None:  # placeholder labels ("Provider") or unnamed iframes: recognise the embed host
            resolver = next((r for r in self._resolvers if r.handles(embed)), None)
        if resolver is None:
            raise HosterUnavailable(f"no resolver knows this hoster ({embed})")
        return await resolver.resolve(embed)

