"""SkyHook (Sonarr's TVDB proxy) behind MetadataPort: search by term and show by TVDB id, cached with a TTL.

`tvdb:<id>` is answered from the shows endpoint (as Sonarr does); `imdb:`/`tmdb:` and free text go to the search
endpoint (free text lower-cased, like Sonarr). Results are cached in memory (TTL, bounded, oldest evicted) so a
Torznab burst for one show costs one request; concurrent identical lookups (Sonarr fires several searches at once,
before anything is cached) share one in-flight request. Transport errors and 5xx raise MetadataUnavailable (to every
waiter, never cached).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import httpx

from anibridge.adapters.clock import SystemClock
from anibridge.domain.kit.single_flight import SingleFlight
from anibridge.domain.kit.ttl_map import ExpiringMap
from anibridge.ports.errors import MetadataUnavailable
from anibridge.ports.metadata import MetaEpisode, Show

log = logging.getLogger(__name__)

T = TypeVar("T")
_ID_TERM = re.compile(r"^\s*(tvdb|imdb|tmdb)\s*:\s*(\S+)\s*$", re.I)


class SkyHookMetadata:
    """MetadataPort over `<base>/v1/tvdb/{search,shows}/en/`."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, *, timeout: float = 8.0, ttl_seconds: float = 300.0) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._ttl = ttl_seconds
        self._searches: ExpiringMap[str, tuple[Show, ...]] = ExpiringMap(SystemClock(), max_entries=512)
        self._shows: ExpiringMap[str, Show | None] = ExpiringMap(SystemClock(), max_entries=512)
        self._search_flight: SingleFlight[str, tuple[Show, ...]] = SingleFlight()
        self._show_flight: SingleFlight[str, Show | None] = SingleFlight()

    async def search(self, term: str) -> Sequence[Show]:
        m = _ID_TERM.match(term)
        if m and m.group(1).lower() == "tvdb":
            if not m.group(2).isdigit():
                return []
            show = await self.show(int(m.group(2)))
            return [] if show is None else [show]
        key = f"{m.group(1).lower()}:{m.group(2)}" if m else term.strip().lower()
        if not key:
            return []
        cached = self._searches.lookup(key)
        if cached is not None:
            return cached[0]
        return await self._search_flight.do(key, lambda: self._fetch_search(key))

    async def _fetch_search(self, key: str) -> tuple[Show, ...]:
        data = await self._get_json(f"{self._base}/v1/tvdb/search/en/", {"term": key})
        shows = tuple(parse_show(item) for item in data if isinstance(item, dict) and _int(item.get("tvdbId"))) if isinstance(data, list) else ()
        self._searches.put(key, shows, self._ttl)
        return shows

    async def show(self, tvdb_id: int) -> Show | None:
        key = str(tvdb_id)
        cached_show = self._shows.lookup(key)
        if cached_show is not None:
            return cached_show[0]
        return await self._show_flight.do(key, lambda: self._fetch_show(tvdb_id))

    async def _fetch_show(self, tvdb_id: int) -> Show | None:
        key = str(tvdb_id)
        data = await self._get_json(f"{self._base}/v1/tvdb/shows/en/{tvdb_id}", None)
        show = parse_show(data) if isinstance(data, dict) and _int(data.get("tvdbId")) else None
        self._shows.put(key, show, self._ttl)
        return show

    async def _get_json(self, url: str, params: Mapping[str, str] | None) -> Any:
        """JSON body; None on 404 (unknown id); MetadataUnavailable on anything else that is not 2xx JSON."""
        try:
            response = await self._client.get(
                url, params=params, timeout=self._timeout, headers={"Accept": "application/json"}, follow_redirects=True
            )
        except httpx.HTTPError as ex:
            raise MetadataUnavailable(f"SkyHook {url}: {type(ex).__name__}: {ex}") from None
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise MetadataUnavailable(f"SkyHook {url} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as ex:
            raise MetadataUnavailable(f"SkyHook {url} answered non-JSON: {ex}") from None


def parse_show(raw: Mapping[str, Any]) -> Show:
    """ShowResource → Show (episodes only when the payload has them, i.e. the shows endpoint)."""
    aliases: list[str] = []
    for alt in raw.get("alternativeTitles") or raw.get("aliases") or []:
        name = alt.get("title") if isinstance(alt, dict) else alt
        if isinstance(name, str) and name.strip() and name.strip() not in aliases:
            aliases.append(name.strip())
    episodes = tuple(
        MetaEpisode(
            season=_int(ep.get("seasonNumber")) or 0,
            episode=_int(ep.get("episodeNumber")) or 0,
            absolute=_int(ep.get("absoluteEpisodeNumber")),
            title=str(ep["title"]) if ep.get("title") else None,
            air_date=_date(ep.get("airDate")),
            aired_at=_utc_time(ep.get("airDateUtc")),
        )
        for ep in raw.get("episodes") or []
        if isinstance(ep, dict) and _int(ep.get("episodeNumber")) is not None
    )
    first = _date(raw.get("firstAired"))
    year = first.year if first else _int(raw.get("year"))
    imdb = raw.get("imdbId")
    return Show(
        tvdb_id=_int(raw.get("tvdbId")) or 0,
        title=str(raw.get("title") or "").strip(),
        year=year,
        aliases=tuple(aliases),
        imdb_id=str(imdb) if imdb else None,
        tmdb_id=_int(raw.get("tmdbId")),
        tvmaze_id=_int(raw.get("tvMazeId")),
        episodes=episodes,
    )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _utc_time(value: Any) -> datetime | None:
    """`2011-04-18T01:00:00Z` → aware UTC; anything unparsable is no time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
