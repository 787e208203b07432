"""Specials: AniWorld `/filme` entries (season 0, film index) ↔ Sonarr's S00Exx via SkyHook.

Improvement over the reference: for AniWorld season 0 the metadata mapping is used first, not only
when `film-E` happens to be missing — otherwise an existing but different film would be served for S00E<E>.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import Site
from anibridge.domain.torznab.shows import similarity

if TYPE_CHECKING:
    from anibridge.domain.torznab.context import SearchContext
    from anibridge.domain.torznab.locating import Located
    from anibridge.ports.catalog import EpisodeListing
    from anibridge.ports.metadata import MetaEpisode


def _entry_score(meta_title: str, entry: EpisodeListing, meta_number: int) -> float:
    titles = [t for t in (entry.title_de, entry.title_en) if t]
    if not titles:
        return 0.0
    combined = " ".join(titles)
    value = max(similarity(meta_title, t) for t in (*titles, combined))
    return value + (0.10 if entry.episode == meta_number else 0.0)


def best_film(films: list[EpisodeListing], meta: MetaEpisode, threshold: float) -> EpisodeListing | None:
    if not meta.title:
        return None
    scored = [(_entry_score(meta.title, f, meta.episode), f) for f in films]
    scored = [s for s in scored if s[0] >= max(0.25, threshold - 0.15)]
    return max(scored, key=lambda s: s[0])[1] if scored else None


async def films(ctx: SearchContext, loc: Located) -> list[EpisodeListing]:
    return await ctx.season_listing(loc.site, loc.slug, 0) or []


async def special_for_episode(ctx: SearchContext, loc: Located, episode: int) -> tuple[int, int] | None:
    """Source (0, film index) for Sonarr's S00E<episode>; direct `film-<episode>` without usable metadata."""
    if loc.site is not Site.ANIWORLD or not ctx.config.specials_enabled:
        return (0, episode)
    show = await ctx.show_for(loc)
    meta = next((e for e in show.episodes if e.season == 0 and e.episode == episode), None) if show else None
    if meta is None or not meta.title or meta.title.upper() == "TBA":
        return (0, episode)
    found = best_film(await films(ctx, loc), meta, ctx.config.specials_threshold)
    return (0, found.episode) if found is not None else None


async def special_for_text(ctx: SearchContext, loc: Located, text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """`t=search&q=<series> <episode title>`: (source, alias) of the best-matching special, if confident."""
    if loc.site is not Site.ANIWORLD or not ctx.config.specials_enabled or not text.strip():
        return None
    show = await ctx.show_for(loc)
    if show is None:
        return None
    specials = [e for e in show.episodes if e.season == 0 and e.title and e.title.upper() != "TBA"]
    if not specials:
        return None
    threshold = ctx.config.specials_threshold
    score, meta = max(((similarity(text, e.title or ""), e) for e in specials), key=lambda s: s[0])
    if score < max(0.25, threshold - 0.10):
        return None
    found = best_film(await films(ctx, loc), meta, threshold)
    if found is None:
        return None
    return (0, found.episode), (0, meta.episode)


async def season_zero(ctx: SearchContext, loc: Located) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Every film of `/filme` with the S00 number Sonarr knows it by (the film index when no metadata matches)."""
    listing = await films(ctx, loc)
    show = await ctx.show_for(loc) if loc.site is Site.ANIWORLD and ctx.config.specials_enabled else None
    metas = [e for e in show.episodes if e.season == 0 and e.title] if show else []
    out = []
    for film in listing:
        alias = (0, film.episode)
        best = 0.0
        for meta in metas:
            value = _entry_score(meta.title or "", film, meta.episode)
            if value >= max(0.25, ctx.config.specials_threshold - 0.15) and value > best:
                best, alias = value, (0, meta.episode)
        out.append(((0, film.episode), alias))
    return out
