"""Quality of an unprobed episode, borrowed from one probed sibling (fast season search and RSS sync).

Why: fast listings do not probe every episode, and an item without a quality was titled `SD` and listed under
both SD (5030) and HD (5040). Sonarr with an HD-only profile then rejected season/RSS results, and the same
episode carried a different title than in an episode search (`1080p`).

Heuristic: a hoster serves a show's season in one language at one quality (the site uploads a season as one
batch of encodes), so ONE representative episode per (site, slug, season, language) is probed — the first one
the listing asks about — and its height/codec is applied to the unprobed siblings. A hoster may have lost a
single file, so when the first candidate gives no quality the next one is tried, up to `MAX_CANDIDATES`. The
probe goes through `AvailabilityService.check` (cached, single-flight, negatively cached) and is additionally
single-flight and remembered here per group, with at most `width` representative probes at a time. When no
candidate can be probed (or the quality stays unknown) the siblings keep today's behaviour: no quality (SD
title, SD+HD categories).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from anibridge.domain.kit.single_flight import SingleFlight
from anibridge.domain.kit.ttl_map import ExpiringMap
from anibridge.domain.streams.records import Availability

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import (
        EpisodeRef,
        Language,
        Site,
    )
    from anibridge.domain.streams.availability import AvailabilityService
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)

GroupKey = tuple["Site", str, int, "Language"]

MAX_CANDIDATES = 3
"""Siblings tried in turn before a group is given up (each failure is a hoster lookup, so keep it small)."""


def group_of(ref: EpisodeRef) -> GroupKey:
    return (ref.site, ref.slug, ref.season, ref.language)


class RepresentativeQuality:
    """Per (site, slug, season, language): the quality of one probed episode, shared by its siblings."""

    def __init__(
        self, availability: AvailabilityService, clock: Clock, width: int, *, ttl: float = 3600.0, failure_ttl: float = 60.0
    ) -> None:
        self._availability = availability
        self._clock = clock
        self._width = max(1, width)
        self._slots: asyncio.Semaphore | None = None
        self._ttl = ttl
        self._failure_ttl = failure_ttl
        self._known: ExpiringMap[GroupKey, Availability | None] = ExpiringMap(clock)
        self._probing: SingleFlight[GroupKey, Availability | None] = SingleFlight()
        self.probed = 0  # representative probes started (observable by tests)

    def remember(self, row: Availability) -> None:
        """A row that has a quality (cached or just probed) speaks for its siblings too."""
        if row.available and row.height:
            self._known.put(group_of(row.ref), row, self._ttl)

    def known(self, key: GroupKey) -> Availability | None | bool:
        """The group's row, None when the last attempt failed recently, False when nothing is known."""
        hit = self._known.lookup(key)
        return False if hit is None else hit[0]

    async def quality(self, candidates: Sequence[EpisodeRef]) -> Availability | None:
        """The group's quality row, probing the candidates (siblings, in listing order) in turn when the group has
        none yet."""
        key = group_of(candidates[0])
        hit = self.known(key)
        if hit is not False:
            return hit if isinstance(hit, Availability) else None
        return await self._probing.do(key, lambda: self._probe(key, candidates))

    async def _probe(self, key: GroupKey, candidates: Sequence[EpisodeRef]) -> Availability | None:
        result: Availability | None = None
        try:
            if self._slots is None:
                self._slots = asyncio.Semaphore(self._width)
            async with self._slots:
                for ref in candidates[:MAX_CANDIDATES]:
                    self.probed += 1
                    row = await self._availability.check(ref)
                    if row.available and row.height:
                        result = row
                        break
        except Exception:  # noqa: BLE001 - no representative quality = today's behaviour, never a failed search
            log.exception("representative probe of %s failed", candidates[0].label)
        self._known.put(key, result, self._ttl if result is not None else self._failure_ttl)
        return result
