"""Episode and season searches (the reference's tvsearch, made concurrent, bounded and TVDB-aware)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import Site
from anibridge.domain.torznab import (
    numbering,
    specials,
)

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import Language
    from anibridge.domain.torznab.context import SearchContext
    from anibridge.domain.torznab.locating import Located
    from anibridge.domain.torznab.release import Variant

log = logging.getLogger(__name__)

Pair = tuple[tuple[int, int], tuple[int, int]]  # (source on the site, alias in the title)


async def episode(ctx: SearchContext, loc: Located, season: int, number: int) -> list[Variant]:
    """One episode in every offered language, probed (quality known) or from a fresh cache."""
    if season == 0 and loc.site is Site.ANIWORLD:
        source = await specials.special_for_episode(ctx, loc, number)
        if source is None:
            return []
        return await ctx.probed(loc, source, (0, number))
    found = await ctx.probed(loc, (season, number), (season, number))
    if found:
        return found
    # TVDB numbering the site does not share (e.g. TVDB S03E05 = the site's S01E29): go through the absolute number.
    show = await ctx.show_for(loc)
    meta = next((e for e in show.episodes if e.season == season and e.episode == number), None) if show else None
    if meta is None:
        return []
    if meta.absolute:
        target = await numbering.absolute_target(ctx, loc, meta.absolute)
        if target is not None and target[0] != (season, number):
            found = await ctx.probed(loc, target[0], (season, number))
            if found:
                return found
    # Scene/metadata numbering of a special that AniWorld keeps under /filme (its metadata title picks the `film-N`).
    if loc.site is Site.ANIWORLD and ctx.config.specials_enabled and meta.title:
        film = specials.best_film(await specials.films(ctx, loc), meta, ctx.config.specials_threshold)
        if film is not None:
            return await ctx.probed(loc, (0, film.episode), (season, number))
    return []


async def absolute(ctx: SearchContext, loc: Located, number: int) -> list[Variant]:
    target = await numbering.absolute_target(ctx, loc, number)
    if target is None:
        return []
    return await ctx.probed(loc, *target)


async def season_pairs(ctx: SearchContext, loc: Located, season: int) -> tuple[list[Pair], dict[tuple[int, int], tuple[Language, ...]]]:
    """The season's episodes as (source, alias) pairs plus the languages the listing shows per source."""
    if season == 0 and loc.site is Site.ANIWORLD:
        return await specials.season_zero(ctx, loc), {}
    listing = await ctx.season_listing(loc.site, loc.slug, season)
    if listing:
        pairs = [((season, e.episode), (season, e.episode)) for e in listing if e.episode > 0 or season == 0]
        return pairs, {(season, e.episode): e.languages for e in listing if e.languages}
    pairs = await numbering.season_from_absolutes(ctx, loc, season)
    if pairs:
        return pairs, {}
    show = await ctx.show_for(loc)
    numbers = sorted({e.episode for e in show.episodes if e.season == season and e.episode > 0}) if show else []
    return [((season, n), (season, n)) for n in numbers], {}


async def season(ctx: SearchContext, loc: Located, number: int, wanted: int, *, strict: bool) -> list[Variant]:
    """Every episode of a season, stopping once `wanted` variants exist.

    fast: no quality probes — the languages come from the season page (or the episode pages, fetched with
    bounded concurrency), quality from the cache when known. strict: each episode probed like an episode search,
    TORZNAB_PROBE_CONCURRENCY probes at a time (the reference probed sequentially: ~117 s for 18 episodes).
    """
    pairs, listed = await season_pairs(ctx, loc, number)
    width = max(1, ctx.config.probe_concurrency)
    slots = asyncio.Semaphore(width)
    out: list[Variant] = []
    if not pairs and strict:
        return await _strict_discovery(ctx, loc, number, wanted, slots)
    for start in range(0, len(pairs), width):
        window = pairs[start : start + width]
        if strict:
            warm = await ctx.warm_variants(loc, window)
            cold = [pair for pair, hit in zip(window, warm, strict=True) if hit is None]
            probed = iter(await asyncio.gather(*(ctx.probed(loc, src, alias, slots) for src, alias in cold)))
            batches = [hit if hit is not None else next(probed) for hit in warm]
        else:
            langs = await asyncio.gather(
                *(_languages(ctx, loc, src, listed.get(src)) for src, _alias in window)
            )
            entries = [(src, alias, ls) for (src, alias), ls in zip(window, langs, strict=True) if ls]
            batches = await ctx.listed_many(loc, entries)
        for batch in batches:
            out.extend(batch)
        if len(out) >= wanted:
            break
    return out


async def _languages(
    ctx: SearchContext, loc: Located, source: tuple[int, int], listed: tuple[Language, ...] | None
) -> tuple[Language, ...]:
    return listed or await ctx.offered_languages(loc.site, loc.slug, *source)


async def _strict_discovery(ctx: SearchContext, loc: Located, number: int, wanted: int, slots: asyncio.Semaphore) -> list[Variant]:
    """No listing and no metadata: probe episode 1, 2, … until STRICT_MAX_MISSES misses in a row (strict mode)."""
    out: list[Variant] = []
    misses = 0
    for ep in range(1, ctx.config.strict_max_episodes + 1):
        found = await ctx.probed(loc, (number, ep), (number, ep), slots)
        out.extend(found)
        misses = 0 if found else misses + 1
        if misses >= ctx.config.strict_max_misses or len(out) >= wanted:
            break
    return out
