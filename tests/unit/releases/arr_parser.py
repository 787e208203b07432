"""A small, independent model of how Sonarr and Radarr read a release title, written from their documented
behaviour (not from our naming code), so tests can check that every title we emit is read as intended.

Modelled rules:
- Series title: the text before `SxxEyy` (films: before the year), separators turned into spaces, then Sonarr's
  cleaning: a number's `%` becomes `percent`, the words a/an/the/and/or/of (not first) and every non-word
  character vanish, lower case, accents removed (canonical decomposition, non-spacing marks dropped).
- Release group: a known media extension (`.mkv`, `.mp4`, `.strm`, …) is stripped; a trailing `[token]` is the
  group; else the token after the last hyphen that is not part of `WEB-DL`.
- Quality: source WEB-DL when the title has `WEB-DL`/`WEBDL`, `.WEB.` next to H.264/H.265/x264/x265/AVC/HEVC,
  or (Sonarr) `720p/1080p/2160p` directly before `WEB`; Radarr's model lacks the 720p case (the issue saw Radarr
  read `720p.WEB.AV1` as HDTV-720p). Resolutions 480p/576p → 480, 720p, 1080p/1440p → 1080, 2160p. WEB-DL
  without a resolution is WEBDL-480p; no source: 480 → SDTV, 720/1080/2160 → HDTV-<res>p, nothing → Unknown.
- Language: `GER` (or `German`) as a token is German unless a subtitle marker follows (`GER.SUB` → unknown),
  likewise `ENG` → English; nothing → unknown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MEDIA_EXT = re.compile(r"\.(?:mkv|mp4|avi|m4v|webm|strm|ts)$", re.I)
_EPISODE = re.compile(r"^(?P<title>.+?)[. _-]+S(?P<season>\d{2,})E(?P<episode>\d{2,})(?:[. _-]|$)", re.I)
_MOVIE = re.compile(r"^(?P<title>.+?)[. _(]+(?P<year>(?:19|20)\d{2})(?:[. _)]|$)")
_BRACKET_GROUP = re.compile(r"[-._ ]\[(?P<group>[a-z0-9]+)\]$", re.I)
_HYPHEN_GROUP = re.compile(r"(?<!WEB)-(?P<group>[a-z0-9]+)(?=$|[-._ ])", re.I)
_ARTICLES = re.compile(r"((?:\b|_)(?<!^)(a(?!$)|an|the|and|or|of)(?:\b|_))|\W|_", re.I)
_PERCENT = re.compile(r"(?<=\d)%")
_WEBDL_ANY = re.compile(r"WEB[-_. ]DL|WEBDL|[. ]WEB[. ](?:[xh][ .]?26[45]|AVC|HEVC)", re.I)
_WEBDL_AFTER_RES_SONARR = re.compile(r"(?:720|1080|2160)p[-. ]WEB[-. ]", re.I)
_WEBDL_AFTER_RES_RADARR = re.compile(r"(?:1080|2160)p[-. ]WEB[-. ]", re.I)
_RESOLUTION = re.compile(r"(?<![a-z0-9])(?P<res>480p|576p|720p|1080p|1440p|2160p)(?![a-z0-9])", re.I)
_RES_VALUE = {"480p": 480, "576p": 480, "720p": 720, "1080p": 1080, "1440p": 1080, "2160p": 2160}


@dataclass(frozen=True)
class Parsed:
    clean_title: str
    season: int | None
    episode: int | None
    year: int | None
    quality: str
    language: str
    group: str | None


def clean_title(title: str) -> str:
    """Sonarr's series-title cleaning (the string release titles and series titles are compared by)."""
    if title.isdigit():
        return title
    text = _ARTICLES.sub("", _PERCENT.sub("percent", title)).lower()
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def release_group(title: str) -> str | None:
    title = _MEDIA_EXT.sub("", title.strip())
    bracket = _BRACKET_GROUP.search(title)
    if bracket:
        return bracket.group("group")
    found = _HYPHEN_GROUP.findall(title)
    return found[-1] if found else None


def quality(title: str, *, radarr: bool = False) -> str:
    res_match = _RESOLUTION.search(title)
    res = _RES_VALUE[res_match.group("res").lower()] if res_match else None
    after_res = _WEBDL_AFTER_RES_RADARR if radarr else _WEBDL_AFTER_RES_SONARR
    if _WEBDL_ANY.search(title) or after_res.search(title):
        return f"WEBDL-{res or 480}p"
    if res is None:
        return "Unknown"
    return "SDTV" if res == 480 else f"HDTV-{res}p"


def language(title: str) -> str:
    tokens = re.split(r"[-._ \[\]()]+", title.upper())
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in ("GER", "GERMAN"):
            return "Unknown" if nxt in ("SUB", "SUBBED") else "German"
        if token in ("ENG", "ENGLISH"):
            return "Unknown" if nxt in ("SUB", "SUBBED") else "English"
    return "Unknown"


def parse(title: str, *, movie: bool = False) -> Parsed:
    body = _MEDIA_EXT.sub("", title.strip())
    season = episode = year = None
    m = _MOVIE.match(body) if movie else _EPISODE.match(body)
    if m is None:
        raise ValueError(f"unparsable release title {title!r}")
    if movie:
        year = int(m.group("year"))
    else:
        season, episode = int(m.group("season")), int(m.group("episode"))
    series = re.sub(r"[._]", " ", m.group("title"))
    return Parsed(clean_title(series), season, episode, year, quality(body, radarr=movie), language(body),
                  release_group(body))
