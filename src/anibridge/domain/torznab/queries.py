"""Reading intent out of free-text queries: `Title S01E03`, `Title 105` (anime absolute), `Title 2019` (year)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SXXEYY = re.compile(r"^(?P<title>.*?)[\s._-]*\bS(?P<s>\d{1,2})(?:E(?P<e>\d{1,4}))?\s*$", re.I)
_TRAILING_NUMBER = re.compile(r"^(?P<title>.*?)(?:^|[\s._-]+)(?:e|ep|episode|#)?\s*(?P<n>\d{1,4})$", re.I)
# `… Part 3`, `Teil 2`, `Vol. 4`: a numbered part of a title (specials, films), not an absolute episode.
_NOT_EPISODE = re.compile(r"\b(?:part|teil|vol|volume|season|staffel|chapter|kapitel)\.?$", re.I)
_YEAR = re.compile(r"(?:^|\s|\()((?:19|20)\d{2})\)?\s*$")


@dataclass(frozen=True, slots=True)
class QueryIntent:
    title: str
    season: int | None = None
    episode: int | None = None
    absolute: int | None = None


def read_query(q: str) -> QueryIntent:
    """SxxEyy wins over a trailing number; a trailing 1900–2099 is a year, never an absolute number."""
    text = q.strip()
    m = _SXXEYY.match(text)
    if m and (m.group("title").strip() or text[:1] in "sS"):
        return QueryIntent(m.group("title").strip(), int(m.group("s")), int(m.group("e")) if m.group("e") else None)
    m = _TRAILING_NUMBER.match(text)
    if m and not _NOT_EPISODE.search(m.group("title")):
        n = int(m.group("n"))
        if not (len(m.group("n")) == 4 and 1900 <= n <= 2099) and n > 0:
            return QueryIntent(m.group("title").strip(), absolute=n)
    return QueryIntent(text)


def split_year(q: str) -> tuple[str, int | None]:
    """`Avengers Endgame 2019` → (`Avengers Endgame`, 2019); the last standalone year counts."""
    m = _YEAR.search(q.strip())
    if not m:
        return q.strip(), None
    return q.strip()[: m.start()].strip(" (") or q.strip(), int(m.group(1))
