"""Fake SkyHook (Sonarr's TVDB proxy): search (free text, `tvdb:`, `imdb:`, `tmdb:`) and shows.

Field names and types follow Sonarr's ShowResource/EpisodeResource (camelCase; nullable fields omitted when
null, list fields always arrays). Specials are season 0; AniWorld `/filme` entries appear here under the
TVDB numbering given in catalogue.json (`tvdb`), plus SkyHook-only specials — so specials mapping by title
has real work to do. Movies (no TVDB id) are not on SkyHook.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from anibridge_fakes.catalogue import Catalogue, Show
from anibridge_fakes.http import App, Request, Response


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _compact(text: str) -> str:
    return "".join(re.findall(r"[a-z0-9]+", text.lower()))


class SkyHookApp(App):
    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__("skyhook")
        self.catalogue = catalogue
        self.route(r"/v1/tvdb/search/(?P<lang>[a-z]{2})/?")(self.search)
        self.route(r"/v1/tvdb/shows/(?P<lang>[a-z]{2})/(?P<id>\d+)/?")(self.show)

    def _shows(self) -> list[Show]:
        return [s for s in self.catalogue.shows if s.tvdb_id is not None]

    def find(self, term: str) -> list[Show]:
        term = term.strip().lower()
        prefix, _, value = term.partition(":")
        if value and prefix in ("tvdb", "imdb", "tmdb"):
            for show in self._shows():
                ident = {"tvdb": show.tvdb_id, "imdb": show.imdb_id, "tmdb": show.tmdb_id}[prefix]
                if ident is not None and str(ident).lower() == value.strip():
                    return [show]
            return []
        query, compact = _tokens(term), _compact(term)
        scored: list[tuple[int, int, Show]] = []
        for index, show in enumerate(self._shows()):
            names = show.sky_names
            if any(_compact(n) == compact for n in names):
                scored.append((0, index, show))
            elif query and any(query <= _tokens(n) for n in names):
                scored.append((1, index, show))
            elif compact and any(compact in _compact(n) for n in names):
                scored.append((2, index, show))
        return [show for _, _, show in sorted(scored, key=lambda t: (t[0], t[1]))]

    def search(self, request: Request) -> Response:
        found = [self.resource(show, with_episodes=False) for show in self.find(request.query.get("term", ""))]
        return Response.json(json.dumps(found))

    def show(self, request: Request) -> Response:
        show = self.catalogue.by_tvdb(int(request.params["id"]))
        if show is None:
            return Response.json(json.dumps({"message": "NotFound"}), status=404)
        return Response.json(json.dumps(self.resource(show, with_episodes=True)))

    def resource(self, show: Show, with_episodes: bool) -> dict[str, Any]:
        assert show.tvdb_id is not None
        episodes = self.episodes(show)
        aired = sorted(e["airDate"] for e in episodes if e["seasonNumber"] > 0)
        seasons = sorted({e["seasonNumber"] for e in episodes})
        out: dict[str, Any] = {
            "tvdbId": show.tvdb_id, "title": show.title, "overview": show.overview,
            "slug": re.sub(r"[^a-z0-9]+", "-", show.title.lower()).strip("-"),
            "firstAired": aired[0] if aired else None, "lastAired": aired[-1] if aired and show.status == "ended" else None,
            "tvMazeId": show.tvdb_id % 100000, "tmdbId": show.tmdb_id, "imdbId": show.imdb_id,
            "status": show.status, "runtime": 24 if show.kind == "anime" else 45,
            "timeOfDay": {"hours": 20, "minutes": 0}, "network": "Tokyo MX" if show.kind == "anime" else "Netflix",
            "originalLanguage": "ja" if show.kind == "anime" else "en", "contentRating": "TV-14",
            "rating": {"count": 1200, "value": "8.4"}, "genres": ["Animation", "Action"] if show.kind == "anime" else ["Drama"],
            "alternateTitles": [{"title": t} for t in show.sky_names if t != show.title],
            "actors": [], "images": [{"coverType": "poster", "url": f"https://artworks.example/{show.tvdb_id}/poster.jpg"}],
            "seasons": [{"seasonNumber": n, "images": []} for n in seasons],
            "episodes": episodes if with_episodes else [],
        }
        return {k: v for k, v in out.items() if v is not None}

    def episodes(self, show: Show) -> list[dict[str, Any]]:
        assert show.tvdb_id is not None
        out: list[dict[str, Any]] = []
        for ep in show.all_episodes():
            if ep.season == 0:
                continue
            out.append(self._episode(show, len(out), ep.season, ep.number, ep.absolute, ep.title_en, ep.air_date))
        specials = sorted(((ep.tvdb_special, ep) for ep in show.specials if ep.tvdb_special), key=lambda t: t[0] or 0)
        for number, sp in specials:
            item = self._episode(show, len(out), 0, number or 0, None, sp.sky_title or sp.title_en, sp.air_date)
            item["airedAfterSeasonNumber"] = 1
            out.append(item)
        last = max((n or 0 for n, _ in specials), default=0)
        for k, title in enumerate(show.sky_specials, start=1):
            base = show.seasons[1][-1].air_date if 1 in show.seasons else None
            out.append(self._episode(show, len(out), 0, last + k, None, title, base + timedelta(days=k) if base else None))
        return out

    @staticmethod
    def _episode(show: Show, index: int, season: int, number: int, absolute: int | None, title: str, aired: Any) -> dict[str, Any]:
        assert show.tvdb_id is not None
        item: dict[str, Any] = {"tvdbId": show.tvdb_id * 1000 + index, "seasonNumber": season, "episodeNumber": number}
        if absolute is not None:
            item["absoluteEpisodeNumber"] = absolute
        item["title"] = title or "TBA"
        if aired is not None:
            item["airDate"] = aired.isoformat()
            item["airDateUtc"] = f"{aired.isoformat()}T11:00:00Z"
        item["overview"] = f"{title}."
        item["rating"] = {"count": 40, "value": "8.0"}
        return item
