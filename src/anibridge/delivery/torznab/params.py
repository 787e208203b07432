"""Torznab query parameters → SearchRequest, or a Torznab error (code 201/202) — never an HTTP 4xx.

Parameter names are case-insensitive (Torznab spec). `cat` is split by hand: Falcon's csv option would also split
free text (`q=a,b` would come back as `b`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from anibridge.domain.torznab.request import (
    ExternalIds,
    SearchKind,
    SearchRequest,
)

MAX_LIMIT = 100
DEFAULT_LIMIT = 100

FUNCTIONS = {
    "search": SearchKind.SEARCH,
    "tvsearch": SearchKind.TV,
    "tv-search": SearchKind.TV,
    "movie": SearchKind.MOVIE,
    "movie-search": SearchKind.MOVIE,
}

_SEASON = re.compile(r"^[sS]?([0-9]{1,4})$")
_EPISODE = re.compile(r"^[eE]?([0-9]{1,5})$")
_DAILY = re.compile(r"^[0-9]{1,2}/[0-9]{1,2}$")
_IMDB = re.compile(r"^(?:tt)?([0-9]{1,10})$", re.I)


class TorznabError(Exception):
    """Answered as `<error code=".." description=".."/>` with HTTP 200."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def lower_params(params: Mapping[str, str | list[str]]) -> dict[str, str]:
    """Case-insensitive names; a repeated parameter counts with its last value (cat values are joined)."""
    out: dict[str, str] = {}
    for name, value in params.items():
        key = name.lower()
        if isinstance(value, list):
            out[key] = ",".join(value) if key == "cat" else (value[-1] if value else "")
        else:
            out[key] = value
    return out


def function_of(params: Mapping[str, str]) -> str:
    t = params.get("t", "").strip().lower()
    if not t:
        raise TorznabError(200, "Missing parameter: t")
    if t != "caps" and t not in FUNCTIONS:
        raise TorznabError(202, f"No such function ({t[:40]})")
    return t


MAX_DIGITS = 18
"""Longer numbers are no id anyone has (and int() refuses more than 4,300 digits outright)."""


def _plain_number(raw: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts `²` and `①`, which int() then refuses."""
    return raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS


def _int(params: Mapping[str, str], name: str, *, minimum: int = 0) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not _plain_number(raw) or int(raw) < minimum:
        raise TorznabError(201, f"Incorrect parameter: {name}")
    return int(raw)


def parse_search(params: Mapping[str, str]) -> SearchRequest:
    kind = FUNCTIONS[function_of(params)]
    season_raw = params.get("season", "").strip()
    ep_raw = params.get("ep", "").strip()
    season: int | None = None
    episode: int | None = None
    daily = False
    if season_raw:
        m = _SEASON.match(season_raw)
        if not m:
            raise TorznabError(201, "Incorrect parameter: season")
        season = int(m.group(1))
    if ep_raw:
        if _DAILY.match(ep_raw):
            daily = True
        else:
            m = _EPISODE.match(ep_raw)
            if not m:
                raise TorznabError(201, "Incorrect parameter: ep")
            episode = int(m.group(1))
            if episode == 0:
                episode = None  # `ep=0` means "whole season" for the reference; keep that
    imdb = params.get("imdbid", "").strip()
    imdb_digits: str | None = None
    if imdb:
        m = _IMDB.match(imdb)
        if not m:
            raise TorznabError(201, "Incorrect parameter: imdbid")
        imdb_digits = m.group(1).zfill(7)
    ids = ExternalIds(
        tvdb=_int(params, "tvdbid", minimum=1),
        imdb=imdb_digits,
        tmdb=_int(params, "tmdbid", minimum=1),
        tvmaze=_int(params, "tvmazeid", minimum=1),
        rage=_int(params, "rid", minimum=1),
    )
    limit = _int(params, "limit")
    offset = _int(params, "offset") or 0
    return SearchRequest(
        kind=kind,
        q=_clean_text(params.get("q", "")),
        season=season,
        episode=episode,
        ids=ids,
        categories=parse_categories(params.get("cat", "")),
        offset=offset,
        limit=max(1, min(MAX_LIMIT, limit if limit is not None else DEFAULT_LIMIT)),
        daily=daily,
    )


def parse_categories(raw: str) -> frozenset[int]:
    """`5030,5040` (also with spaces or a trailing comma); a non-number is a bad parameter (201)."""
    out: set[int] = set()
    for token in raw.split(","):
        token = token.strip()
        if not token:
            continue
        if not _plain_number(token):
            raise TorznabError(201, "Incorrect parameter: cat")
        out.add(int(token))
    return frozenset(out)


def _clean_text(text: str) -> str:
    """Trim and drop control characters; long garbage is cut (no title is 300 characters long)."""
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f").strip()[:300]
