"""GET /health: every component's state as JSON with an overall `ok` / `degraded` / `down`, for Docker and people.

Why per component: "ok" used to mean "the database answers", so a host with 0 bytes free or with every site
blocked by DNS looked healthy while nothing could work. HTTP 503 is kept for `down` only (the database does not
answer, a download worker died, the download directory is not writable): what a restart can fix or a human must,
so Docker's restart policy does not loop on an outage outside the container. Sites, SkyHook and a nearly full disk
are `degraded` (HTTP 200): the service still answers and catches up by itself.

The database round-trip's and the download directory's verdicts (a query; a thread hop for mkdir, statvfs and a
test file written and removed) are each reused for CACHE_SECONDS, and concurrent probes share one run: a probe
storm (16 monitoring clients, a load balancer per replica) costs one query and one test file per second instead of
a core, and the answer is never more than a second old. Workers and sites are read from memory and stay live.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import falcon
import falcon.asgi

from anibridge import __version__

if TYPE_CHECKING:
    from anibridge.domain.catalog.reachability import SiteReachability

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 5.0
CACHE_SECONDS = 1.0
OK, DEGRADED, DOWN = "ok", "degraded", "down"
_RANK = {OK: 0, DEGRADED: 1, DOWN: 2}


def _reason(ex: BaseException, timeout: float) -> str:
    """First line of the driver's message (SQLAlchemy appends SQL and a docs link on later lines)."""
    if isinstance(ex, TimeoutError):
        return f"no answer within {timeout:g} s"
    text = str(ex).strip().splitlines()
    line = text[0] if text else type(ex).__name__
    return line[:300]


T = TypeVar("T")


class _Fresh(Generic[T]):
    """A check's verdict, at most `seconds` old; probes arriving while it runs share the one run."""

    def __init__(self, run: Callable[[], Awaitable[T]], seconds: float, clock: Callable[[], float]) -> None:
        self._run = run
        self._seconds = seconds
        self._clock = clock
        self._verdict: tuple[float, T] | None = None  # when it was taken, and what it said
        self._running: asyncio.Future[T] | None = None

    async def get(self) -> T:
        if self._verdict is not None and self._clock() - self._verdict[0] < self._seconds:
            return self._verdict[1]
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(self._remember())
        return await asyncio.shield(self._running)  # a client hanging up must not cancel the shared run

    async def _remember(self) -> T:
        value = await self._run()
        self._verdict = (self._clock(), value)
        return value


def sites_state(reach: SiteReachability) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for s in reach.statuses():
        entry: dict[str, Any] = {
            "status": OK if s.up else ("unknown" if s.up is None else DEGRADED),
            "last_contact": s.last_contact.isoformat() if s.last_contact else None,
            "last_result": s.last_result,
        }
        if s.up is False:
            entry["next_try_in_seconds"] = round(s.retry_in)
        out[s.site] = entry
    return out


class HealthResource:
    def __init__(
        self,
        ping_database: Callable[[], Awaitable[None]],
        timeout: float = PING_TIMEOUT_SECONDS,
        scheduler_problem: Callable[[], str | None] | None = None,
        *,
        disk: Callable[[], dict[str, Any]] | None = None,
        sites: SiteReachability | None = None,
        skyhook: SiteReachability | None = None,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        gates: Callable[[], dict[str, str]] | None = None,
        browser_gate: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self._gates = gates
        self._browser_gate = browser_gate
        self._ping_database = ping_database
        self._timeout = timeout
        self._scheduler_problem = scheduler_problem
        self._sites = sites
        self._skyhook = skyhook
        self._database = _Fresh(self._round_trip, cache_seconds, clock)  # why it is unusable; None: it answered
        # The download directory's state (blocking: mkdir, statvfs, a test file), from the composition root.
        check = disk
        self._disk_state = (None if check is None else _Fresh(lambda: asyncio.to_thread(check), cache_seconds, clock))

    async def _round_trip(self) -> str | None:
        try:
            # A hung database must not hang the health check (Docker would wait for its own timeout instead).
            await asyncio.wait_for(self._ping_database(), timeout=self._timeout)
            problem = None
        except Exception as ex:  # noqa: BLE001 - any failure means "database down" for a health check
            problem = _reason(ex, self._timeout)
            log.warning("health: database unreachable: %s", problem)
        return problem

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        components: dict[str, Any] = {}
        reason = await self._database.get()
        components["database"] = {"status": OK} if reason is None else {"status": DOWN, "detail": f"unreachable: {reason}"}
        problem = self._scheduler_problem() if self._scheduler_problem is not None else None
        if problem is not None:
            log.warning("health: downloads stalled: %s", problem)
        components["workers"] = {"status": DOWN, "detail": problem} if problem else {"status": OK}
        if self._disk_state is not None:
            components["download_dir"] = dict(await self._disk_state.get())  # a copy: the verdict is shared
        overall = max((c["status"] for c in components.values()), key=_RANK.__getitem__)
        if self._sites is not None:
            sites = sites_state(self._sites)
            components["sites"] = sites
            if any(s["status"] == DEGRADED for s in sites.values()):  # searches still answer what is reachable
                overall = max(overall, DEGRADED, key=_RANK.__getitem__)
        if self._skyhook is not None:
            [sky] = sites_state(self._skyhook).values() or [{"status": "unknown"}]
            components["skyhook"] = sky
            if sky["status"] == DEGRADED:
                overall = max(overall, DEGRADED, key=_RANK.__getitem__)
        if self._browser_gate is not None:
            # BROWSER_GATE: "off", "ok", or "degraded" when asked for but not installed (gated grabs then wait).
            browser = self._browser_gate()
            components["browser_gate"] = browser
            if browser.get("status") == DEGRADED:
                overall = max(overall, DEGRADED, key=_RANK.__getitem__)
        body: dict[str, Any] = {"status": overall, "version": __version__, "components": components}
        # Flat fields older monitors read.
        body["database"] = OK if components["database"]["status"] == OK else components["database"]["detail"]
        if problem:
            body["downloads"] = problem
        gated = self._gates() if self._gates is not None else {}
        if gated:
            # Which site needs what right now, e.g. "serienstream.to: verification required (turnstile), retry at
            # 14:05": a gate on hoster links leaves searches working, so it is named here rather than marking
            # the site down.
            body["gates"] = gated
        if overall == DOWN:
            resp.status = falcon.HTTP_503
        resp.media = body

    on_head = on_get
