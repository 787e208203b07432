"""The last answer each search got, served again while the sites refuse (stale-if-error).

Why: during a site's cool-down (a gate, a DDoS front, a 403 burst) every search that needs a page or a probe
comes back empty, and Sonarr then marks the indexer failing or misses episodes it had already found. Releases
found before are still what the site offers (it was gated, not changed), so they are answered again, up to a
bounded age. Only searches are served this way: a grab resolves its hoster fresh and waits for the site, and
an RSS sync or Test without a query keeps reporting the outage (it would gain no new items from old ones).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.domain.kit.ttl_map import ExpiringMap

if TYPE_CHECKING:
    from datetime import datetime

    from anibridge.domain.torznab.release import Release
    from anibridge.domain.torznab.request import ExternalIds, SearchKind, SearchRequest
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Key:
    kind: SearchKind
    q: str
    season: int | None
    episode: int | None
    ids: ExternalIds
    categories: frozenset[int]


@dataclass(frozen=True, slots=True)
class _Answer:
    releases: tuple[Release, ...]
    found_at: datetime


def _key(req: SearchRequest) -> _Key | None:
    """Paging is not part of the key (the whole answer is kept); queries without a title or id are not kept."""
    q = " ".join(req.q.lower().split())
    if not q and not req.ids.any():
        return None
    return _Key(req.kind, q, req.season, req.episode, req.ids, req.categories)


class LastAnswers:
    def __init__(self, clock: Clock, max_age_hours: float, max_entries: int = 2000) -> None:
        self._clock = clock
        self._max_age = max(0.0, max_age_hours) * 3600.0
        self._answers: ExpiringMap[_Key, _Answer] = ExpiringMap(clock, max_entries=max_entries)

    def remember(self, req: SearchRequest, releases: list[Release]) -> None:
        key = _key(req)
        if key is None or not releases or self._max_age <= 0:
            return
        self._answers.put(key, _Answer(tuple(releases), self._clock.now()), self._max_age)

    def recall(self, req: SearchRequest, why: str) -> list[Release] | None:
        """The releases this search last found (not older than the bound), logged with why the site failed."""
        key = _key(req)
        hit = self._answers.lookup(key) if key is not None else None
        if hit is None:
            return None
        answer = hit[0]
        age_min = max(0.0, (self._clock.now() - answer.found_at).total_seconds()) / 60
        log.info("torznab search %r answered from cache (%d releases found %.0f min ago): %s",
                 req.q or req.ids, len(answer.releases), age_min, why)
        return list(answer.releases)
