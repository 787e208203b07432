"""Pace requests to a catalogue site and cool down after it pushed back, so a run of grabs does not get us blocked.

Users report SerienStream's verification gate or a DDoS-Guard 403 after 2–10 episodes resolved in a row, then a
30–60 minute wait; no site sends 429 or Retry-After. So:
- a sliding-window budget for page requests and a tighter one for hoster-token resolutions (`/r?t=`,
  `/redirect/<id>`), whose defaults keep bursts below the reported sizes (see `RESOLVES`); a request over budget
  waits its turn;
- a gate or a burst of 403s starts a cool-down until the gate's retry time (Retry-After when the site names one).
  While it runs, requests of that kind are not sent at all: they fail at once with the same SiteGated, so the
  caller (a job, a search) waits or answers from cache instead of deepening the block.
A front gate (DDoS-Guard, Cloudflare, 429) cools down the whole site; the redirect gate only resolutions — pages
still load, so searches keep working.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anibridge.ports.errors import GateKind, SiteGated

log = logging.getLogger(__name__)

PAGE = "page"
RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class Budget:
    """At most `limit` requests per `window` seconds (limit 0: unlimited)."""

    limit: int
    window: float


RESOLVES = Budget(4, 180.0)
"""Default budget of hoster-token resolutions per site: at most 4 in any 3 minutes.

What is known (Sept 2026; no site names a limit, none sends 429): SerienStream downloaders "work for 5–10
episodes, then wait half an hour to an hour"; VOE answered 403 after 4–10 (sometimes 20–50) episodes; an old
scraper's default was batches of 4 episodes with a 60 s pause; a TV app met the gate after 2–3 episodes, but a TV
app plays episodes one after another, minutes apart, so no pace would have avoided that gate.
How long the site counts is not known, so no budget can promise to stay under its threshold, and a budget slow
enough to try (4 per half hour) would also hold back searches and STRM plays, which resolve through it too.
Hence: bursts of at most 4, below the smallest downloader burst (5) and no bigger than the scraper's batches, and
about 1.3 per minute sustained, slower than the former 2 per minute. A 12-episode season spends 6 minutes on
resolutions where a gate costs 30–60; if the gate comes anyway, jobs wait for it (GATE_WAIT_MAX_MINUTES) instead
of failing. With 3 download workers, a grab's first three episodes start at once and one hoster fallback fits."""


@dataclass(frozen=True, slots=True)
class PacingOptions:
    pages: Budget = Budget(40, 60.0)
    resolves: Budget = RESOLVES
    forbidden_burst: int = 3
    """This many 403s within `forbidden_window` seconds start a cool-down (a single 403 is just a refused page)."""
    forbidden_window: float = 120.0
    cooldown_seconds: float = 900.0
    """Cool-down after a 403 burst or a gate that names no retry time."""
    max_wait: float = 20.0
    """A request waits at most this long for its budget; longer, and it fails with BudgetSpent (a search must
    answer Sonarr within its timeout; a job waits and asks again at the named time)."""


class BudgetSpent(SiteGated):
    """Our own budget for the site is spent for longer than a caller should wait: the site was not asked."""


class _Window:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.stamps: deque[float] = deque()

    def wait_for(self, now: float) -> float:
        """Seconds until a request may go (0: now; the slot is then taken)."""
        if self.budget.limit <= 0:
            return 0.0
        while self.stamps and now - self.stamps[0] >= self.budget.window:
            self.stamps.popleft()
        if len(self.stamps) < self.budget.limit:
            self.stamps.append(now)
            return 0.0
        return self.stamps[0] + self.budget.window - now


class SitePacer:
    """Budgets and cool-downs of one site (shared by all its origins: they are one operator)."""

    def __init__(self, site: str, options: PacingOptions | None = None, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.site = site
        self.options = options or PacingOptions()
        self._monotonic = monotonic
        self._now = now
        self._sleep = sleep
        self._lock = threading.Lock()
        self._windows = {PAGE: _Window(self.options.pages), RESOLVE: _Window(self.options.resolves)}
        self._cooling: dict[str, SiteGated] = {}  # kind (PAGE = whole site, RESOLVE) → the gate that started it
        self._forbidden: deque[float] = deque()
        self._blocked: SiteGated | None = None  # a DNS block seen and not yet followed by a good page

    def status(self) -> str | None:
        """What holds this site back right now, in words for /health (None: nothing known)."""
        gate = self.cooling(RESOLVE)
        if gate is not None:
            return str(gate)
        with self._lock:
            blocked = self._blocked
        return str(blocked) if blocked is not None else None

    def succeeded(self) -> None:
        """A page arrived: a DNS block seen earlier is gone (another origin, resolver or address helped)."""
        self._blocked = None

    def cooling(self, kind: str = PAGE) -> SiteGated | None:
        """The gate whose cool-down still holds for requests of `kind` (None: go ahead)."""
        with self._lock:
            for key in (PAGE, RESOLVE) if kind == RESOLVE else (PAGE,):
                gate = self._cooling.get(key)
                if gate is None:
                    continue
                if gate.retry_at is not None and gate.retry_at <= self._now():
                    del self._cooling[key]
                    continue
                return gate
        return None

    async def admit(self, kind: str = PAGE) -> None:
        """Wait for a slot of `kind`'s budget; SiteGated at once while a cool-down holds."""
        while True:
            gate = self.cooling(kind)
            if gate is not None:
                raise SiteGated(gate.site, gate.kind, detail=_cooling_detail(gate.detail), retry_at=gate.retry_at,
                                url=gate.url)
            with self._lock:
                wait = self._windows[kind].wait_for(self._monotonic())
            if wait <= 0:
                return
            if wait > self.options.max_wait:
                raise BudgetSpent(self.site, GateKind.RATE_LIMIT, detail=f"anibridge's {kind} budget for this site",
                                  retry_at=self._now() + timedelta(seconds=wait))
            log.debug("%s: %s budget spent; waiting %.1fs", self.site, kind, wait)
            await self._sleep(wait)

    def gated(self, error: SiteGated, kind: str = PAGE) -> None:
        """A gate answered: cool down until its retry time (DNS blocks do not pass with time; no cool-down)."""
        if error.kind is GateKind.DNS_BLOCK:
            self._blocked = error
            return
        scope = RESOLVE if kind == RESOLVE and error.kind is GateKind.VERIFICATION else PAGE
        retry_at = error.retry_at or self._now() + timedelta(seconds=self.options.cooldown_seconds)
        with self._lock:
            current = self._cooling.get(scope)
            if current is not None and current.retry_at is not None and current.retry_at >= retry_at:
                return
            self._cooling[scope] = SiteGated(error.site, error.kind, detail=error.detail, retry_at=retry_at,
                                             url=error.url)
        log.warning("%s: cooling down %s requests until %s (%s)", self.site,
                    "redirect" if scope == RESOLVE else "all", retry_at.isoformat(timespec="seconds"), error)

    def forbidden(self, url: str) -> None:
        """A plain 403 (no known gate page): a burst of them is a block; cool down the whole site."""
        now = self._monotonic()
        with self._lock:
            self._forbidden.append(now)
            while self._forbidden and now - self._forbidden[0] > self.options.forbidden_window:
                self._forbidden.popleft()
            burst = len(self._forbidden) >= self.options.forbidden_burst
            if burst:
                self._forbidden.clear()
        if burst:
            self.gated(SiteGated(self.site, GateKind.RATE_LIMIT, detail="HTTP 403 burst", url=url,
                                 retry_at=self._now() + timedelta(seconds=self.options.cooldown_seconds)))


def _cooling_detail(detail: str) -> str:
    return detail if "cooling down" in detail else (f"{detail}; cooling down" if detail else "cooling down")
