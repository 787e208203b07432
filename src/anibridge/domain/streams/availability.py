"""Availability and quality of one EpisodeRef: cached, probed once at a time, remembered briefly when it fails.

Why this exists (as the reference's own performance review found): live probing — hoster resolution plus a
quality probe (master playlist or ffprobe) — dominates Torznab latency. So:
- a fresh available row in the AvailabilityRepo (AVAILABILITY_TTL_HOURS) answers without any network;
- concurrent identical searches share one probe per EpisodeRef (single-flight);
- failures are remembered for a short time (negative cache) so a burst of searches does not hammer a hoster
  that just failed, but a negative result never outlives a few minutes;
- the provider that worked last time is tried first (`preferred`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from anibridge.domain.kit.single_flight import SingleFlight
from anibridge.domain.kit.ttl_map import ExpiringMap
from anibridge.domain.streams.records import Availability
from anibridge.ports.errors import NotFound, PortError
from anibridge.ports.streams import Quality

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.ports.repos import AvailabilityRepo
    from anibridge.ports.streams import QualityProbePort, StreamSource
    from anibridge.ports.system import Clock

log = logging.getLogger(__name__)


class AvailabilityService:
    """Keeps live probes off the Torznab hot path: cache first, one probe per episode at a time (see module)."""

    def __init__(
        self,
        repo: AvailabilityRepo,
        finder: StreamSource,
        probe: QualityProbePort,
        clock: Clock,
        *,
        ttl_hours: float = 24.0,
        not_found_ttl_seconds: float = 600.0,
        failure_ttl_seconds: float = 60.0,
    ) -> None:
        self._repo = repo
        self._finder = finder
        self._probe = probe
        self._clock = clock
        self._ttl = ttl_hours
        self._not_found_ttl = not_found_ttl_seconds
        self._failure_ttl = failure_ttl_seconds
        self._negative: ExpiringMap[EpisodeRef, Availability] = ExpiringMap(clock)
        self._probing: SingleFlight[EpisodeRef, Availability] = SingleFlight()
        self.probes = 0  # live probes started (observable by tests and the bench)

    def is_fresh(self, row: Availability) -> bool:
        if self._ttl <= 0:
            return True
        return self._clock.now() - row.checked_at <= timedelta(hours=self._ttl)

    async def warm_view(self, refs: Sequence[EpisodeRef]) -> tuple[dict[EpisodeRef, Availability], list[EpisodeRef]]:
        """(usable results, refs to probe again): a stored failure whose short negative TTL ran out is retried,
        so one flaky hoster does not hide a language for the whole AVAILABILITY_TTL while the others stay cached."""
        out: dict[EpisodeRef, Availability] = {}
        retry: list[EpisodeRef] = []
        try:
            rows = await self._repo.get_many(refs)
        except Exception:  # noqa: BLE001 - a broken cache must not break searches
            log.exception("availability cache read failed")
            rows = {}
        for ref in refs:
            neg = self._negative_hit(ref)
            if neg is not None:
                out[ref] = neg
                continue
            row = rows.get(ref)
            if row is None:
                continue
            if row.available and self.is_fresh(row):
                out[ref] = row
            else:
                retry.append(ref)
        return out, retry

    async def stale_many(self, refs: Sequence[EpisodeRef]) -> dict[EpisodeRef, Availability]:
        """Any available row regardless of age (fast listings use a stale quality rather than none)."""
        try:
            rows = await self._repo.get_many(refs)
        except Exception:  # noqa: BLE001
            log.exception("availability cache read failed")
            return {}
        return {ref: row for ref, row in rows.items() if row.available}

    def recently_unavailable(self, ref: EpisodeRef) -> bool:
        """A lookup found no hoster for `ref` within the short negative TTL (fast listings leave it out)."""
        neg = self._negative_hit(ref)
        return neg is not None and not neg.available

    def _negative_hit(self, ref: EpisodeRef) -> Availability | None:
        hit = self._negative.lookup(ref)
        return None if hit is None else hit[0]

    async def check(self, ref: EpisodeRef) -> Availability:
        """Availability with quality; never raises for site/hoster problems (they mean "not available now")."""
        neg = self._negative_hit(ref)
        if neg is not None:
            return neg
        try:
            row = await self._repo.get(ref)
        except Exception:  # noqa: BLE001
            log.exception("availability cache read failed for %s", ref)
            row = None
        if row is not None and row.available and self.is_fresh(row):
            return row
        preferred = row.provider if row is not None else None
        return await self._probing.do(ref, lambda: self._live(ref, preferred))

    async def _live(self, ref: EpisodeRef, preferred: str | None) -> Availability:
        self.probes += 1
        now = self._clock.now()
        try:
            stream = await self._finder.find(ref, preferred=preferred)
        except NotFound as ex:
            return await self._unavailable(ref, self._not_found_ttl, f"not offered: {ex}")
        except PortError as ex:
            return await self._unavailable(ref, self._failure_ttl, f"{type(ex).__name__}: {ex}")
        except Exception as ex:  # noqa: BLE001 - an adapter bug must cost one item, not the feed
            log.exception("stream lookup crashed for %s", ref)
            return await self._unavailable(ref, self._failure_ttl, f"{type(ex).__name__}: {ex}")
        try:
            quality = await self._probe.probe(stream)
        except Exception as ex:  # noqa: BLE001 - available with unknown quality, as in the reference
            log.info("quality probe failed for %s via %s: %s", ref, stream.provider, ex)
            quality = Quality()
        result = Availability(ref, True, now, quality.height, quality.vcodec, stream.provider)
        await self._store(result)
        return result

    async def _unavailable(self, ref: EpisodeRef, ttl: float, why: str) -> Availability:
        log.info("unavailable %s: %s", ref.label, why)
        result = Availability(ref, False, self._clock.now(), extra={"reason": why[:300]})
        self._negative.put(ref, result, ttl)
        await self._store(result)
        return result

    async def _store(self, row: Availability) -> None:
        try:
            await self._repo.put(row)
        except Exception:  # noqa: BLE001
            log.exception("availability cache write failed for %s", row.ref)
