"""Falcon ASGI app factory: routes, error handling, lifespan of background services, disconnect guard.

The app is given its parts (`AppParts`) by the composition root; delivery never builds an adapter itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import falcon
import falcon.asgi

from anibridge.delivery.access_log import AccessLog
from anibridge.delivery.asgi import ASGIApp
from anibridge.delivery.body_limit import BodyLimit, BodyTooLarge
from anibridge.delivery.catalog.search_api import CatalogSearchResource, TitleSearch
from anibridge.delivery.dashboard import DashboardParts
from anibridge.delivery.dashboard import register as register_dashboard
from anibridge.delivery.disconnect import DisconnectGuard
from anibridge.delivery.health import HealthResource
from anibridge.delivery.jobs import resource as job_api
from anibridge.delivery.jobs.listing import JobListResource
from anibridge.delivery.qbittorrent import register as register_qbittorrent
from anibridge.delivery.qbittorrent.context import QbitContext
from anibridge.delivery.strm import add_strm_routes
from anibridge.delivery.torznab.routes import TorznabOptions, add_torznab_routes
from anibridge.domain.catalog.reachability import SiteReachability
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.strm.proxy import StrmProxy
from anibridge.domain.torznab.service import TorznabSearch
from anibridge.ports.repos import JobRepo

log = logging.getLogger(__name__)

App = falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response]
StartStop = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]


class Lifespan:
    """Starts background services in order on ASGI startup and stops them in reverse on shutdown."""

    def __init__(self, services: list[StartStop]) -> None:
        self._services = services
        self._started: list[StartStop] = []

    async def process_startup(self, scope: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        for service in self._services:
            await service[0]()
            self._started.append(service)

    async def process_shutdown(self, scope: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        while self._started:
            _start, stop = self._started.pop()
            try:
                await stop()
            except Exception:  # noqa: BLE001 - shutdown must reach every service
                log.exception("error while stopping a background service")


async def _unexpected_error(req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any) -> None:
    """Bad input never crashes the service: log it (with the traceback), answer 500 without the exception text,
    which can hold SQL, paths or secrets."""
    if isinstance(ex, falcon.HTTPError):
        raise ex
    if isinstance(ex, BodyTooLarge):  # the body limit already answered 413; nothing left to say
        raise ex
    log.exception("unhandled error on %s %s", req.method, req.path)
    resp.status = falcon.HTTP_500
    resp.media = {"title": "Internal Server Error", "description": "unexpected error; the server log has the details"}


@dataclass(frozen=True, slots=True)
class AppParts:
    """Everything the HTTP app serves, built by the composition root.

    `services` start in order on ASGI startup and stop in reverse on shutdown (list the shared outbound client
    first so it closes last).
    """

    services: list[StartStop]
    database_ping: Callable[[], Awaitable[None]]
    scheduler: JobScheduler
    job_repo: JobRepo
    strm_proxy: StrmProxy
    now: Callable[[], float]
    torznab_search: TorznabSearch
    torznab_options: TorznabOptions
    qbit: QbitContext
    title_search: TitleSearch
    dashboard: DashboardParts | None = None
    """The web dashboard at `/`; None serves no dashboard (tests of the APIs alone)."""
    disk: Callable[[], dict[str, Any]] | None = None  # /health: the download directory's state (blocking)
    sites: SiteReachability | None = None  # /health: each site's last contact and result
    skyhook: SiteReachability | None = None
    gates: Callable[[], dict[str, str]] | None = None  # /health: sites a gate holds back, and why
    browser_gate: Callable[[], dict[str, str]] | None = None  # /health: the optional browser pass of gates


def create_falcon_app(parts: AppParts) -> App:
    app: App = falcon.asgi.App()
    app.resp_options.secure_cookies_by_default = False
    app.req_options.strip_url_path_trailing_slash = True
    app.add_error_handler(Exception, _unexpected_error)
    app.add_middleware(Lifespan(list(parts.services)))

    app.add_route("/health", HealthResource(parts.database_ping, scheduler_problem=parts.scheduler.problem,
                                            disk=parts.disk, sites=parts.sites, skyhook=parts.skyhook,
                                            gates=parts.gates, browser_gate=parts.browser_gate))
    assert parts.qbit.access is not None  # filled in by QbitContext.__post_init__
    job_api.register(app, parts.job_repo, parts.scheduler, parts.qbit.access)  # one login for every state route
    add_strm_routes(app, parts.strm_proxy, parts.now)
    add_torznab_routes(app, parts.torznab_search, parts.torznab_options)
    register_qbittorrent(app, parts.qbit)
    # What `anibridge --server URL jobs/search` reads; behind the qBittorrent login like the API above.
    app.add_route("/jobs", JobListResource(parts.job_repo, parts.qbit.access))
    app.add_route("/catalog/search", CatalogSearchResource(parts.title_search, parts.qbit.access))
    if parts.dashboard is not None:
        register_dashboard(app, parts.dashboard)
    return app


def create_app(parts: AppParts) -> ASGIApp:
    """The ASGI callable uvicorn serves: the Falcon app behind the body limit and OPTIONS refusal, wrapped in the
    disconnect guard and anibridge's access log (uvicorn's is off: it printed secrets)."""
    # Falcon types its ASGI callable with dict/Mapping where the guard uses MutableMapping; same protocol.
    return AccessLog(DisconnectGuard(BodyLimit(cast(ASGIApp, create_falcon_app(parts)))))
