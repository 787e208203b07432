"""GET /health: liveness plus a real database round-trip, for Docker health checks and monitoring."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import falcon
import falcon.asgi

from anibridge import __version__

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 5.0


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
        site_status: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self._ping_database = ping_database
        self._timeout = timeout
        self._scheduler_problem = scheduler_problem
        self._site_status = site_status

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            # A hung database must not hang the health check (Docker would wait for its own timeout instead).
            await asyncio.wait_for(self._ping_database(), timeout=self._timeout)
        except Exception as ex:  # noqa: BLE001 - any failure means "database down" for a health check
            reason = _reason(ex, self._timeout)
            log.warning("health: database unreachable: %s", reason)
            resp.status = falcon.HTTP_503
            resp.media = {"status": "error", "version": __version__, "database": f"unreachable: {reason}"}
            return
        problem = self._scheduler_problem() if self._scheduler_problem is not None else None
        if problem is not None:
            log.warning("health: downloads stalled: %s", problem)
            resp.status = falcon.HTTP_503
            resp.media = {"status": "error", "version": __version__, "database": "ok", "downloads": problem}
            return
        media: dict[str, object] = {"status": "ok", "version": __version__, "database": "ok"}
        gated = self._site_status() if self._site_status is not None else {}
        if gated:
            # A gated site does not make this process unhealthy (restarting it would not help); it says which
            # site needs what, e.g. "serienstream.to: verification required (turnstile), retry at 14:05".
            media["sites"] = gated
        resp.media = media

    on_head = on_get
