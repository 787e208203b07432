"""A search result ("release") and how it is built: title, guid, magnet, size, categories, language attrs.

Wire rules kept from the reference: release name `Series.SxxEyy.Quality.SOURCE.Codec.Lang-GROUP` with the *alias*
numbering (what Sonarr asked for) while the magnet carries the *source* (site) numbering; guid
`<p>:<slug>:s<S>e<E>:<lang>` plus `:alias-s..e..` when they differ and `:strm` for STRM twins; size from the quality in
the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, quote_plus

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import JobMode
from anibridge.domain.releases.magnets import (
    build_magnet,
    release_infohash,
)
from anibridge.domain.releases.names import (
    build_release_name,
    mark_strm,
)
from anibridge.domain.torznab.config import (
    MOVIE_HD,
    MOVIE_SD,
    TV_HD,
    TV_PARENT,
    TV_SD,
    SearchConfig,
)

MIB = 1024 * 1024
_SIZES = ((re.compile(r"(?:^|[.\s_-])(?:2160p|4k)(?:$|[.\s_-])", re.I), 8 * 1024 * MIB), (re.compile(r"1080p", re.I), 1500 * MIB), (re.compile(r"720p", re.I), 700 * MIB), (re.compile(r"480p", re.I), 350 * MIB))


@dataclass(frozen=True, slots=True)
class Release:
    title: str
    guid: str
    magnet: str
    infohash: str
    size: int
    categories: tuple[int, ...]
    published_at: datetime
    language: str | None = None
    subs: str | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    season: int | None = None
    episode: int | None = None
    page_url: str | None = None
    """The episode (or film) page on the site: the item's `<comments>` (Sonarr's info link)."""
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    """One probed (or listed) episode variant ready to be turned into releases."""

    ref: EpisodeRef  # source coordinates on the site
    display_title: str
    alias: tuple[int, int] | None  # (season, episode) for the title; None for movies
    height: int | None = None
    vcodec: str | None = None
    provider: str | None = None
    year: int | None = None
    movie: bool = False
    force_alias_guid: bool = False
    tvdb_id: int | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    aired: datetime | None = None
    """When the episode aired (SkyHook) or the film was uploaded, if known: the item's pubDate."""


def size_for(title: str) -> int:
    """Reference size heuristic, but `4k` only as a token (the reference matched the substring anywhere)."""
    for pattern, size in _SIZES:
        if pattern.search(title):
            return size
    return 500 * MIB


def language_attrs(ref: EpisodeRef) -> tuple[str | None, str | None]:
    """English language names Sonarr maps (IsoLanguages.FindByName).

    Improvement over the reference (which said `German` for German Sub): a sub variant's *audio* is the original
    language, so Sonarr must not count it as a German dub. AniWorld is anime → Japanese audio; elsewhere the
    original is unknown and the attr is omitted (Sonarr then falls back to the series' original language).
    """
    lang = ref.language
    if lang is Language.GERMAN_DUB:
        return "German", None
    if lang is Language.ENGLISH_DUB:
        return "English", None
    subs = "German" if lang is Language.GERMAN_SUB else "English"
    return ("Japanese" if ref.site is Site.ANIWORLD else None), subs


def natural_categories(config: SearchConfig, *, movie: bool, anime: bool, height: int | None) -> tuple[int, ...]:
    """Categories an item truly belongs to; unknown quality (fast listings) fits both SD and HD."""
    if movie:
        quality = (MOVIE_HD,) if height and height >= 720 else (MOVIE_SD,) if height else (MOVIE_SD, MOVIE_HD)
        return tuple(dict.fromkeys((config.cat_movie, *quality)))
    quality = (TV_HD,) if height and height >= 720 else (TV_SD,) if height else (TV_SD, TV_HD)
    extra = (config.cat_anime,) if anime else ()
    return tuple(dict.fromkeys((TV_PARENT, *quality, *extra)))


def expand_requested(config: SearchConfig, requested: Iterable[int]) -> frozenset[int]:
    """A parent id (`5000`) stands for all its subcats; ids we don't list are ignored (Torznab: unknown cats)."""
    known = config.all_categories
    out: set[int] = set()
    for cat in requested:
        if cat % 1000 == 0:
            out.update(c for c in known if cat <= c < cat + 1000)
        elif cat in known:
            out.add(cat)
    return frozenset(out)


def select_categories(config: SearchConfig, natural: tuple[int, ...], requested: frozenset[int]) -> tuple[int, ...]:
    """The categories to emit: all natural ones without a filter, else only those the request asked for."""
    if not requested:
        return natural
    wanted = expand_requested(config, requested)
    return tuple(c for c in natural if c in wanted)


def guid_for(ref: EpisodeRef, alias: tuple[int, int] | None, *, force_alias: bool, strm: bool) -> str:
    """The item's guid. Megakino gets its own `megakino:` prefix: its magnet keeps AniWorld's `aw_` keys and
    infohash (wire compatibility with grabs in flight), but the guid only tells feed items apart, so it can
    name the source (an `aw:` guid read as an AniWorld episode)."""
    prefix = "megakino" if ref.site is Site.MEGAKINO else ref.site.magnet_prefix
    guid = f"{prefix}:{ref.slug}:s{ref.season}e{ref.episode}:{ref.language.value}"
    if alias is not None and (force_alias or alias != (ref.season, ref.episode)):
        guid += f":alias-s{alias[0]}e{alias[1]}"
    return guid + (":strm" if strm else "")


def page_url(config: SearchConfig, ref: EpisodeRef, title: str) -> str | None:
    """The site's page of the episode (film: a site search for it); None when the site's base URL is unknown."""
    base = config.site_urls.get(ref.site.value, "").rstrip("/")
    if not base:
        return None
    slug = quote(ref.slug, safe="")
    if ref.site is Site.ANIWORLD:
        tail = f"/filme/film-{ref.episode}" if ref.season == 0 else f"/staffel-{ref.season}/episode-{ref.episode}"
        return f"{base}/anime/stream/{slug}{tail}"
    if ref.site is Site.STO:
        return f"{base}/serie/{slug}/staffel-{ref.season}/episode-{ref.episode}"
    return f"{base}/index.php?do=search&subaction=search&story={quote_plus(title)}"


def describe(variant: Variant, season: int | None, episode: int | None) -> str:
    """One human line for `<description>`: what, which episode, language, site, quality."""
    what = variant.display_title + (f" ({variant.year})" if variant.year else "")
    if season is not None and episode is not None:
        what += f" S{season:02d}E{episode:02d}"
    quality = f"{variant.height}p" if variant.height else "quality unknown"
    return f"{what} · {variant.ref.language.value} · {variant.ref.site.value} · {quality}"


def build_releases(
    config: SearchConfig,
    variant: Variant,
    published_at: datetime,
    requested: frozenset[int],
    *,
    dated: bool = False,
) -> list[Release]:
    """Normal and/or STRM release of one variant per STRM_FILES_MODE; empty when no category fits the request.

    `dated`: `published_at` is a real publication time (not "now"), so the magnet carries it for `creation_date`.
    """
    cats = select_categories(
        config,
        natural_categories(config, movie=variant.movie, anime=variant.ref.site is Site.ANIWORLD, height=variant.height),
        requested,
    )
    if not cats:
        return []
    modes = {"no": (False,), "only": (True,), "both": (False, True)}.get(config.strm_mode, (False,))
    language, subs = language_attrs(variant.ref)
    season, episode = variant.alias if variant.alias is not None else (None, None)
    ref = variant.ref
    out: list[Release] = []
    for strm in modes:
        title = build_release_name(
            variant.display_title,
            season,
            episode,
            variant.height,
            variant.vcodec,
            ref.language,
            config.group(ref.site),
            config.source_tag,
            year=variant.year,
            strm=strm,
        )
        mode = JobMode.STRM if strm else None
        out.append(
            Release(
                title=title,
                guid=guid_for(ref, variant.alias, force_alias=variant.force_alias_guid, strm=strm),
                magnet=build_magnet(ref, title, variant.provider, mode, published_at if dated else None),
                infohash=release_infohash(ref, mode),
                size=size_for(title),
                categories=cats,
                published_at=published_at,
                language=language,
                subs=subs,
                tvdb_id=variant.tvdb_id,
                imdb_id=variant.imdb_id,
                tmdb_id=variant.tmdb_id,
                season=season,
                episode=episode,
                page_url=page_url(config, ref, variant.display_title),
                description=describe(variant, season, episode),
            )
        )
    return out


def connectivity_releases(config: SearchConfig, published_at: datetime, *, movie: bool, requested: frozenset[int]) -> list[Release]:
    """The synthetic connectivity item (what Prowlarr's Test gets): magnet byte-identical to the reference's."""
    ref = EpisodeRef(Site.ANIWORLD, config.test_slug, config.test_season, config.test_episode, config.test_language)
    natural = config.movie_categories if movie else config.tv_categories
    cats = select_categories(config, natural, requested)
    if not cats:
        return []
    modes = {"no": (False,), "only": (True,), "both": (False, True)}.get(config.strm_mode, (False,))
    language, subs = language_attrs(ref)
    out = []
    for strm in modes:
        title = mark_strm(config.test_title) if strm else config.test_title
        mode = JobMode.STRM if strm else None
        out.append(
            Release(
                title=title,
                guid=guid_for(ref, None, force_alias=False, strm=strm),
                magnet=build_magnet(ref, title, None, mode),
                infohash=release_infohash(ref, mode),
                size=size_for(title),
                categories=cats,
                published_at=published_at,
                language=language,
                subs=subs,
            )
        )
    return out
