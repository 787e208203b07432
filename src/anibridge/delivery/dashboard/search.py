"""Search: a title → matching shows per site → a show's seasons and episodes with their languages → download
or STRM per episode or per season. A grab goes through the qBittorrent use case with the same magnet a
Torznab result would carry, so it is one task in the queue at once (and the same release Sonarr would see)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import falcon
import falcon.asgi

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.jobs.records import JobMode
from anibridge.domain.qbittorrent.service import AddRequest
from anibridge.domain.releases.magnets import build_magnet
from anibridge.ports.errors import NotFound, PortError

if TYPE_CHECKING:
    from anibridge.delivery.dashboard.routes import Pages

log = logging.getLogger(__name__)

MAX_QUERY = 200
PER_SITE = 8


def _site(raw: str | None) -> Site | None:
    try:
        return Site.parse(raw or "")
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 6 else None


class SearchPages:
    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_get_titles(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        query = (req.get_param("q") or "").strip()[:MAX_QUERY]
        groups: list[dict[str, Any]] = []
        if query:
            lookup = self._p.parts.lookup

            async def one(site: Site) -> dict[str, Any]:
                try:
                    found = await lookup.search(query, site=site, limit=PER_SITE)
                    return {"site": site.value, "matches": found, "error": ""}
                except PortError as ex:
                    return {"site": site.value, "matches": [], "error": str(ex)[:200]}

            groups = list(await asyncio.gather(*(one(s) for s in lookup.sites)))
        self._p.render(req, resp, "search.html", query=query, groups=groups)

    async def on_get_show(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        site = _site(req.get_param("site"))
        slug = (req.get_param("slug") or "").strip()[:255]
        catalog = self._p.parts.catalogs.get(site) if site is not None else None
        context: dict[str, Any] = {"site": site.value if site else "", "slug": slug, "show": None, "season": None,
                                   "episodes": [], "error": "", "languages": [lang.value for lang in Language]}
        if catalog is None or not slug:
            context["error"] = "Unknown site or show."
            self._p.render(req, resp, "show.html", status=404, **context)
            return
        try:
            show = await catalog.series(slug)
            context["show"] = show
            season = _int(req.get_param("season"))
            if season is None or season not in show.seasons:
                season = next((s for s in show.seasons if s > 0), show.seasons[0] if show.seasons else None)
            context["season"] = season
            if season is not None:
                context["episodes"] = list(await catalog.season(slug, season))
        except NotFound:
            context["error"] = f"{site.value if site else ''} has no show {slug!r}."
        except PortError as ex:
            context["error"] = f"{site.value if site else ''} did not answer: {ex}"[:300]
        self._p.render(req, resp, "show.html", **context)

    async def on_post_grab(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """One episode (`episode=N`) or a whole season (`episode=all`) in one language, as download or STRM."""
        self._p.require_login(req)
        form = await self._p.form(req)
        site = _site(form.get("site"))
        slug = form.get("slug", "").strip()[:255]
        season = _int(form.get("season"))
        title = form.get("title", "").strip()[:300] or slug
        mode = JobMode.STRM if form.get("mode") == "strm" else JobMode.DOWNLOAD
        language = Language.try_parse(form.get("language"))
        back = f"/search/show?site={quote(form.get('site', ''), safe='')}&slug={quote(slug, safe='')}"
        catalog = self._p.parts.catalogs.get(site) if site is not None else None
        if catalog is None or site is None or not slug or season is None or language is None:
            raise falcon.HTTPSeeOther(f"/queue?error={quote('That grab was incomplete; pick it again.')}")
        try:
            if form.get("episode") == "all":
                listing = await catalog.season(slug, season)
                numbers = [e.episode for e in listing if not e.languages or language in e.languages]
            else:
                number = _int(form.get("episode"))
                numbers = [number] if number is not None else []
        except PortError as ex:
            raise falcon.HTTPSeeOther(f"{back}&season={season}") from ex
        if not numbers:
            raise falcon.HTTPSeeOther(f"/queue?error={quote('No episode of that season has this language.')}")
        urls = []
        for number in numbers:
            try:
                ref = EpisodeRef(site, slug, season, number, language)
            except ValueError:  # a slug outside [a-z0-9-] or an absurd number: never a catalogue entry
                raise falcon.HTTPSeeOther(f"/queue?error={quote('Not a catalogue episode.')}") from None
            urls.append(build_magnet(ref, self._p.parts.release_name(title, ref, mode), mode=mode))
        result = await self._p.parts.torrents.add(AddRequest(urls=urls))
        log.info("dashboard grab: %s %s S%02d %s (%s): %d added, %d known", site.value, slug, season,
                 language.value, mode.value, len(result.added), len(result.existing))
        raise falcon.HTTPSeeOther("/queue?msg=" + ("added" if result.added else "exists"))
