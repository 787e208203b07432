"""GET /health: liveness plus a real database round-trip, for Docker health checks and monitoring.

The round-trip's verdict is reused for CACHE_SECONDS and concurrent probes share one round-trip: a probe storm
(16 monitoring clients, a load balancer per replica) costs one database query per second instead of a core,
and the answer is never more than a second old. The download-worker check is in memory and stays live.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import falcon
import falcon.asgi

from anibridge import __version__

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 5.0
CACHE_SECONDS = 1.0


def _reason(ex: BaseException, timeout: float) -> str:
    """First line of the driver's message (SQLAlchemy appends SQL and a docs link on later lines)."""
    if isinstance(ex, TimeoutError):
        return f"no answer within {timeout:g} s"
    text = str(ex).strip().splitlines()
    line = text[0] if text else type(ex).__name__
    return line[:300]


class HealthResource:
    def __init__(
        self,
        ping_database: Callable[[], Awaitable[None]],
        timeout: float = PING_TIMEOUT_SECONDS,
        scheduler_problem: Callable[[], str | None] | None = None,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ping_database = ping_database
        self._timeout = timeout
        self._scheduler_problem = scheduler_problem
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._checked_at: float | None = None
        self._database_problem: str | None = None
        self._ping: asyncio.Future[str | None] | None = None

    async def _database(self) -> str | None:
        """Why the database is unusable (None: it answered), at most `cache_seconds` old."""
        if self._checked_at is not None and self._clock() - self._checked_at < self._cache_seconds:
            return self._database_problem
        if self._ping is None or self._ping.done():
            self._ping = asyncio.ensure_future(self._round_trip())
        return await asyncio.shield(self._ping)  # a client hanging up must not cancel the shared round-trip

    async def _round_trip(self) -> str | None:
        try:
            # A hung database must not hang the health check (Docker would wait for its own timeout instead).
            await asyncio.wait_for(self._ping_database(), timeout=self._timeout)
            problem = None
        except Exception as ex:  # noqa: BLE001 - any failure means "database down" for a health check
            problem = _reason(ex, self._timeout)
            log.warning("health: database unreachable: %s", problem)
        self._database_problem, self._checked_at = problem, self._clock()
        return problem

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        reason = await self._database()
        if reason is not None:
            resp.status = falcon.HTTP_503
            resp.media = {"status": "error", "version": __version__, "database": f"unreachable: {reason}"}
            return
        problem = self._scheduler_problem() if self._scheduler_problem is not None else None
        if problem is not None:
            log.warning("health: downloads stalled: %s", problem)
            resp.status = falcon.HTTP_503
            resp.media = {"status": "error", "version": __version__, "database": "ok", "downloads": problem}
            return
        resp.media = {"status": "ok", "version": __version__, "database": "ok"}

    on_head = on_get
