"""The HTTP app of one process: its parts taken from the container, in the order they must start."""

from __future__ import annotations

from functools import partial

from anibridge.adapters.disk import DiskCheck, disk_state
from anibridge.delivery.app import App, AppParts, StartStop, create_app, create_falcon_app
from anibridge.delivery.asgi import ASGIApp
from anibridge.wiring.browser_gate import health_state
from anibridge.wiring.catalog import site_status
from anibridge.wiring.container import Container
from anibridge.wiring.dashboard import build_dashboard_parts
from anibridge.wiring.torznab import torznab_options


async def _nothing() -> None:
    return None


def app_parts(container: Container) -> AppParts:
    database = container.database()
    http_client = container.http_client()  # shared outbound client; listed first so it closes last
    scheduler = container.scheduler()
    strm_upstream = container.strm_upstream()  # the proxy's own pooled media client
    services: list[StartStop] = [
        (_nothing, http_client.aclose),
        (database.startup, database.shutdown),
        (scheduler.start, scheduler.stop),
        (_nothing, strm_upstream.aclose),
    ]
    gate_browser = container.gate_browser()
    if gate_browser is not None:  # BROWSER_GATE=chromium: no Chromium outlives the service
        services.append((_nothing, gate_browser.aclose))
    dispatcher = container.alert_dispatcher()
    if dispatcher.enabled:  # without NOTIFY_URLS nothing polls the queue for alerts
        services += [(dispatcher.start, dispatcher.stop), (container.alert_watch().start, container.alert_watch().stop)]
    sweeper = container.media_sweeper()
    if sweeper is not None:  # DOWNLOADS_TTL_HOURS > 0
        services.append((sweeper.start, sweeper.stop))
    clock = container.clock()
    settings = container.settings()
    lookup = container.title_lookup()
    return AppParts(
        services=services,
        database_ping=database.ping,
        scheduler=scheduler,
        job_repo=container.job_repo(),
        strm_proxy=container.strm_proxy(),
        now=lambda: clock.now().timestamp(),
        torznab_search=container.torznab_search(),
        torznab_options=torznab_options(container.settings()),
        qbit=container.qbit_context(),
        title_search=lambda query, site, limit: lookup.search(query, site=site, limit=limit),
        dashboard=build_dashboard_parts(container),
        disk=partial(disk_state, DiskCheck(settings.downloads_path, settings.download_min_free_mb * 2**20)),
        sites=container.site_reachability(),
        skyhook=container.skyhook_reachability(),
        gates=site_status(container.catalogs()),
        browser_gate=health_state(settings),
    )


def build_falcon_app(container: Container) -> App:
    """The bare Falcon app (tests drive it in-process with falcon.testing)."""
    return create_falcon_app(app_parts(container))


def build_app(container: Container) -> ASGIApp:
    """The ASGI callable uvicorn serves."""
    return create_app(app_parts(container))
