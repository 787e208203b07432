"""Which catalogue sites answer: every real request's outcome, recorded as it passes, with no extra traffic.

`ObservedCatalog` (domain.catalog.observed) wraps each `CatalogPort` and tells the `SiteBoard` how each call
ended; the board decides whether the call reached the site. The board is what the dashboard shows (last
contact, failing since, the last error) and what the alert watch reads to say "s.to unreachable for 10
minutes" and, later, "s.to is back".
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.observed import Outcome
from anibridge.ports.errors import ChallengeRequired, NotFound, SiteUnavailable

if TYPE_CHECKING:
    from anibridge.domain.catalog.observed import SiteCall
    from anibridge.ports.system import Clock


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """One site as last seen. `failing_since` is monotonic seconds (None while the site answers)."""

    site: Site
    last_contact: datetime | None = None
    last_failure: datetime | None = None
    failing_since: float | None = None
    last_error: str | None = None
    challenged: bool = False

    @property
    def state(self) -> str:
        """ok / down / unknown (never asked yet), the words the dashboard and /health use."""
        if self.failing_since is not None:
            return "down"
        return "ok" if self.last_contact is not None else "unknown"


class SiteBoard:
    """Thread-safe record of each site's outcomes (requests run on the event loop and in worker threads)."""

    def __init__(self, clock: Clock, sites: Sequence[Site] = ()) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._status: dict[Site, SiteStatus] = {site: SiteStatus(site) for site in sites}

    def reached(self, site: Site) -> None:
        with self._lock:
            current = self._status.get(site, SiteStatus(site))
            self._status[site] = replace(current, last_contact=self._clock.now(), failing_since=None,
                                         challenged=False)

    def failed(self, site: Site, error: str, challenged: bool = False) -> None:
        with self._lock:
            current = self._status.get(site, SiteStatus(site))
            since = current.failing_since if current.failing_since is not None else self._clock.monotonic()
            self._status[site] = replace(current, last_failure=self._clock.now(), failing_since=since,
                                         last_error=error[:300], challenged=challenged)

    def observe(self, call: SiteCall) -> None:
        """NotFound means the site answered (it is up); SiteUnavailable (a call the circuit breaker refused
        included) and ChallengeRequired mean it did not. A successful `index()` says nothing (it may be served
        from the cache while the site is down), a failed one does."""
        error = call.error
        if call.outcome is Outcome.ANSWERED:
            if call.proves_contact:
                self.reached(call.site)
        elif isinstance(error, NotFound):
            self.reached(call.site)
        elif isinstance(error, ChallengeRequired):
            self.failed(call.site, f"challenge: {error}", challenged=True)
        elif isinstance(error, SiteUnavailable):
            self.failed(call.site, str(error) or type(error).__name__)

    def snapshot(self) -> list[SiteStatus]:
        with self._lock:
            return list(self._status.values())

    def down_for(self, status: SiteStatus) -> float:
        """Seconds the site has been failing (0 when it answers)."""
        if status.failing_since is None:
            return 0.0
        return max(0.0, self._clock.monotonic() - status.failing_since)
