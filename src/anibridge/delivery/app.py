"""Falcon ASGI app factory: routes, error handling, lifespan of background services, disconnect guard."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

import falcon
import falcon.asgi

from anibridge.container import Container
from anibridge.delivery import legacy_jobs
from anibridge.delivery.access_log import AccessLog
from anibridge.delivery.body_limit import BodyLimit, BodyTooLarge
from anibridge.delivery.disconnect import ASGIApp, DisconnectGuard
from anibridge.delivery.health import HealthResource
from anibridge.delivery.qbittorrent import register as register_qbittorrent
from anibridge.delivery.strm import add_strm_routes
from anibridge.delivery.torznab.routes import add_torznab_routes

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


async def _nothing() -> None:
    return None


def create_falcon_app(container: Container) -> App:
    app: App = falcon.asgi.App()
    app.resp_options.secure_cookies_by_default = False
    app.req_options.strip_url_path_trailing_slash = True
    app.add_error_handler(Exception, _unexpected_error)

    database = container.database()
    http_client = container.http_client()  # shared outbound client; listed first so it closes last
    services: list[StartStop] = [(_nothing, http_client.aclose), (database.startup, database.shutdown)]
    scheduler = container.scheduler()
    services.append((scheduler.start, scheduler.stop))
    strm_upstream = container.strm_upstream()  # the proxy's own pooled media client
    services.append((_nothing, strm_upstream.aclose))
    app.add_middleware(Lifespan(services))

    app.add_route("/health", HealthResource(database.ping, scheduler_problem=scheduler.problem))
    qbit = container.qbit_context()
    assert qbit.access is not None
    legacy_jobs.register(app, container.job_repo(), scheduler, qbit.access)  # one login for every state route
    clock = container.clock()
    add_strm_routes(app, container.strm_proxy(), lambda: clock.now().timestamp())
    add_torznab_routes(app, container.torznab_search(), container.settings())
    register_qbittorrent(app, qbit)
    return app


def create_app(container: Container) -> ASGIApp:
    """The ASGI callable uvicorn serves: the Falcon app behind the body limit and OPTIONS refusal, wrapped in the
    disconnect guard and anibridge's access log (uvicorn's is off: it printed secrets)."""
    # Falcon types its ASGI callable with dict/Mapping where the guard uses MutableMapping; same protocol.
    return AccessLog(DisconnectGuard(BodyLimit(cast(ASGIApp, create_falcon_app(container)))))
