"""Absolute episode numbers (anime) ↔ the site's season/episode, through SkyHook and the site's own listings.

Sonarr searches anime by absolute number (`q=<title> 105`, id search with `q=105`). AniWorld and s.to only
know seasons. We count the site's episodes across its numbered seasons (absolute numbering is cumulative by
definition, and it stays right when the site splits seasons differently from TVDB); SkyHook's
`absoluteEpisodeNumber` gives the TVDB season/episode used in the release title.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from anibridge.ports.errors import PortError

if TYPE_CHECKING:
    from anibridge.domain.torznab.context import SearchContext
    from anibridge.domain.torznab.locating import Located
    from anibridge.ports.metadata import MetaEpisode, Show

log = logging.getLogger(__name__)

_FLAT_TTL = 600.0


async def site_episodes(ctx: SearchContext, loc: Located) -> list[tuple[int, int]]:
    """All (season, episode) of the site's numbered seasons in order; cached for ten minutes per slug."""
    key = (loc.site.value, loc.slug)
    hit = ctx.flat_cache.lookup(key)
    if hit is not None:
        return hit[0]
    catalog = ctx.catalog(loc.site)
    if catalog is None:
        return []
    try:
        detail = await catalog.series(loc.slug)
    except PortError as ex:
        log.warning("series page %s/%s unavailable: %s", loc.site.value, loc.slug, ex)
        return []
    seasons = sorted(s for s in detail.seasons if s > 0)
    listings = await asyncio.gather(*(ctx.season_listing(loc.site, loc.slug, s) for s in seasons))
    flat = [(s, e.episode) for s, listing in zip(seasons, listings, strict=True) for e in (listing or []) if e.episode > 0]
    if flat:
        ctx.flat_cache.put(key, flat, _FLAT_TTL)
    return flat


def tvdb_episode(show: Show | None, absolute: int) -> MetaEpisode | None:
    if show is None:
        return None
    return next((e for e in show.episodes if e.absolute == absolute and e.season > 0), None)


async def absolute_target(ctx: SearchContext, loc: Located, absolute: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(source on the site, alias for the title) of an absolute number; None when it does not exist.

    The alias is TVDB's SxxEyy: Sonarr maps `SxxEyy` for standard *and* anime series types (anime series accept
    standard numbering when a release carries no absolute number), whereas a bare absolute number such as
    `Title - 105` is misread as S01E05 by a standard-type series. So the title always
    says the TVDB season/episode of that absolute number, and the magnet carries where the site has it.
    """
    if absolute < 1:
        return None
    show = await ctx.show_for(loc)
    meta = tvdb_episode(show, absolute)
    flat = await site_episodes(ctx, loc)
    if len(flat) >= absolute:
        source = flat[absolute - 1]
    elif meta is not None:
        source = (meta.season, meta.episode)
    elif not flat:
        source = (1, absolute)  # nothing known about the site's seasons: the common one-season layout
    else:
        return None
    alias = (meta.season, meta.episode) if meta is not None else source
    return source, alias


async def season_from_absolutes(
    ctx: SearchContext, loc: Located, season: int
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """A TVDB season the site does not have as such: its episodes located on the site by absolute number."""
    show = await ctx.show_for(loc)
    if show is None:
        return []
    metas = sorted((e for e in show.episodes if e.season == season and e.absolute), key=lambda e: e.episode)
    if not metas:
        return []
    flat = await site_episodes(ctx, loc)
    return [(flat[m.absolute - 1], (m.season, m.episode)) for m in metas if m.absolute and len(flat) >= m.absolute]
