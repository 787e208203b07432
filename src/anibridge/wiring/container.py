"""The providers of one anibridge process, built lazily; `create_container(settings)` is the entry point.

Every builder takes explicit arguments (no builder receives the container), so what a part depends on is
visible here, in one list.
"""

from __future__ import annotations

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.files import LocalFileStore, load_instance_id
from anibridge.adapters.media_probe import MediaQualityProbe
from anibridge.adapters.resolving import parse_pairs
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.repos import (
    SqlAvailabilityRepo,
    SqlClientTaskRepo,
    SqlJobRepo,
    SqlRegrabRepo,
    SqlStrmMappingRepo,
)
from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.domain.catalog.lookup import TitleLookup
from anibridge.settings import Settings
from anibridge.wiring.alerts import build_alert_watch, build_dispatcher, build_site_board
from anibridge.wiring.browser_gate import build_gate_browser
from anibridge.wiring.catalog import (
    build_http_client,
    build_metadata,
    build_observed_catalogs,
    build_reachability,
    build_skyhook_reachability,
)
from anibridge.wiring.di import containers, providers
from anibridge.wiring.guard import build_outbound_guard
from anibridge.wiring.jobs import build_job_runner, build_media_sweeper, build_scheduler
from anibridge.wiring.qbittorrent import build_qbit_context
from anibridge.wiring.streams import build_resolvers, build_stream_finder
from anibridge.wiring.strm import build_strm_proxy, build_strm_upstream
from anibridge.wiring.torznab import build_availability, build_torznab_search


def _database_url(settings: Settings) -> str:
    return settings.effective_database_url


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)

    # Persistence: one database, one repository per record kind.
    database = providers.Singleton(Database, url=providers.Callable(_database_url, settings))
    job_repo = providers.Singleton(SqlJobRepo, database, clock)
    client_task_repo = providers.Singleton(SqlClientTaskRepo, database)
    availability_repo = providers.Singleton(SqlAvailabilityRepo, database)
    strm_mapping_repo = providers.Singleton(SqlStrmMappingRepo, database, clock)
    regrab_repo = providers.Singleton(SqlRegrabRepo, database)

    # Catalogue: one shared outbound HTTP client, the enabled sites, SkyHook, title lookup.
    outbound_guard = providers.Singleton(build_outbound_guard, settings)  # SSRF guard for URLs pages name
    http_client = providers.Singleton(build_http_client, settings, guard=outbound_guard)
    # Each site's last contact and result, and the circuit breaker for sites known to be down (also /health).
    site_reachability = providers.Singleton(build_reachability, settings)
    # Every site call also reports to the board (the dashboard's site health, the site-down alerts); one wrapper
    # per site tells both (breaker first) and lets the breaker refuse calls to a site known down.
    site_board = providers.Singleton(build_site_board, clock, settings)
    # BROWSER_GATE=chromium: a headless Chromium passes SerienStream's Turnstile gate (None: off).
    gate_browser = providers.Singleton(build_gate_browser, settings)
    catalogs = providers.Singleton(build_observed_catalogs, http_client, settings, site_reachability, site_board,
                                   gate_browser)
    skyhook_reachability = providers.Singleton(build_skyhook_reachability)
    metadata = providers.Singleton(build_metadata, http_client, settings, skyhook_reachability)
    title_lookup = providers.Singleton(TitleLookup, catalogs)

    # Streams: one resolver per video hoster and the finder that tries them in order.
    resolvers = providers.Singleton(build_resolvers, http_client, settings)
    stream_finder = providers.Singleton(build_stream_finder, catalogs, resolvers, settings)

    # Jobs: the download directory, yt-dlp, the runner and the durable scheduler.
    quality_probe = providers.Singleton(
        MediaQualityProbe, http_client, timeout=providers.Callable(lambda s: s.http_timeout_seconds, settings)
    )
    media_downloader = providers.Singleton(
        YtDlpDownloader,
        connections_per_download=providers.Callable(lambda s: s.download_connections, settings),
        connections_total=providers.Callable(lambda s: s.download_connections_total, settings),
        proxies=providers.Callable(lambda s: parse_pairs(s.site_proxies), settings),
        guard=outbound_guard,
    )
    file_store = providers.Singleton(LocalFileStore, providers.Callable(lambda s: s.downloads_path, settings))
    instance_id = providers.Singleton(load_instance_id, providers.Callable(lambda s: s.data_dir, settings))
    job_runner = providers.Singleton(
        build_job_runner, settings, clock, job_repo, client_task_repo, strm_mapping_repo, media_downloader,
        file_store, stream_finder.provider, http_client=http_client,
    )
    # `anibridge download` runs one job in the foreground with its own progress callback (`on_sample=`).
    foreground_job_runner = providers.Factory(
        build_job_runner, settings, clock, job_repo, client_task_repo, strm_mapping_repo, media_downloader,
        file_store, stream_finder.provider, http_client=http_client,
    )
    scheduler = providers.Singleton(build_scheduler, settings, clock, job_repo, job_runner, instance_id)
    # DOWNLOADS_TTL_HOURS: removes finished media and its task after the TTL (None when the TTL is 0).
    media_sweeper = providers.Singleton(build_media_sweeper, settings, clock, job_repo, client_task_repo, file_store)

    # Alerts: collapsed, sent off the request path by one thread; the watch polls queue and site board.
    alert_dispatcher = providers.Singleton(build_dispatcher, settings, clock)
    alert_watch = providers.Singleton(
        build_alert_watch, settings, clock, job_repo, site_board, alert_dispatcher,
        providers.Callable(lambda s: s.problem, scheduler),
    )

    # qBittorrent API: client-task use cases, cached listing, login sessions.
    qbit_context = providers.Singleton(
        build_qbit_context, settings, clock, client_task_repo, job_repo, scheduler, file_store, regrab_repo
    )

    # STRM proxy: pooled, SSRF-guarded upstream client and the resolve/refresh/rewrite use case.
    strm_upstream = providers.Singleton(build_strm_upstream, settings)
    strm_proxy = providers.Singleton(
        build_strm_proxy, stream_finder, strm_mapping_repo, strm_upstream, clock, settings
    )

    # Torznab: availability/quality cache with single-flight probes, and the search use cases.
    availability = providers.Singleton(
        build_availability, availability_repo, stream_finder, quality_probe, clock, settings
    )
    torznab_search = providers.Singleton(
        build_torznab_search, catalogs, title_lookup, metadata, availability, clock, settings, regrab_repo,
        site_reachability,
    )


def create_container(settings: Settings) -> Container:
    return Container(settings=settings)
