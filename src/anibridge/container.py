"""The composition root: the only place that builds adapters and wires them into use cases."""

from __future__ import annotations

from dependency_injector import containers, providers

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.files import LocalFileStore, load_instance_id
from anibridge.adapters.hosters.registry import build_resolvers
from anibridge.adapters.http_client import build_http_client
from anibridge.adapters.media_probe import MediaQualityProbe
from anibridge.adapters.sites import build_catalogs
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.repos import (
    SqlAvailabilityRepo,
    SqlClientTaskRepo,
    SqlJobRepo,
    SqlRegrabRepo,
    SqlStrmMappingRepo,
)
from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.catalog_wiring import build_metadata
from anibridge.domain.catalog.lookup import TitleResolver
from anibridge.domain.streams.finder import StreamFinder
from anibridge.download_wiring import build_job_runner, build_scheduler
from anibridge.guard_wiring import build_outbound_guard
from anibridge.qbittorrent_wiring import build_qbit_context
from anibridge.settings import Settings
from anibridge.strm_wiring import build_strm_proxy, build_strm_upstream
from anibridge.torznab_wiring import build_availability, build_torznab_search


class Container(containers.DeclarativeContainer):
    """Providers are built lazily; `create_container(settings)` is the entry point."""

    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    database = providers.Singleton(
        Database, url=providers.Callable(lambda s: s.effective_database_url, settings)
    )
    job_repo = providers.Singleton(SqlJobRepo, database, clock)
    client_task_repo = providers.Singleton(SqlClientTaskRepo, database)
    availability_repo = providers.Singleton(SqlAvailabilityRepo, database)
    strm_mapping_repo = providers.Singleton(SqlStrmMappingRepo, database, clock)
    regrab_repo = providers.Singleton(SqlRegrabRepo, database)

    # Catalogue side: one shared HTTP client, the enabled sites, SkyHook, title resolution (site-adapter helper).
    outbound_guard = providers.Singleton(build_outbound_guard, settings)  # SSRF guard for URLs pages name
    http_client = providers.Singleton(build_http_client, settings, outbound_guard)
    catalogs = providers.Singleton(build_catalogs, http_client, settings)
    metadata = providers.Singleton(build_metadata, http_client, settings)
    title_resolver = providers.Singleton(TitleResolver, catalogs)

    # Hoster side: one resolver per video hoster and the use case that tries them in order (hoster helper).
    resolvers = providers.Singleton(build_resolvers, http_client, settings)
    stream_finder = providers.Singleton(
        StreamFinder,
        catalogs,
        resolvers,
        providers.Callable(lambda s: list(s.provider_order), settings),
        attempt_timeout=providers.Callable(lambda s: s.http_timeout_seconds * 4, settings),
    )

    # Download side: yt-dlp, the download directory and the durable job scheduler (download helper).
    __self__ = providers.Self()
    quality_probe = providers.Singleton(
        MediaQualityProbe, http_client, timeout=providers.Callable(lambda s: s.http_timeout_seconds, settings)
    )
    media_downloader = providers.Singleton(YtDlpDownloader, guard=outbound_guard)
    file_store = providers.Singleton(LocalFileStore, providers.Callable(lambda s: s.downloads_path, settings))
    instance_id = providers.Singleton(load_instance_id, providers.Callable(lambda s: s.data_dir, settings))
    job_runner = providers.Singleton(build_job_runner, __self__)
    scheduler = providers.Singleton(build_scheduler, __self__)

    # qBittorrent API: client-task use cases, cached torrent listing, login sessions (qBittorrent-API helper).
    qbit_context = providers.Singleton(build_qbit_context, __self__)

    # STRM proxy: pooled, SSRF-guarded upstream client and the resolve/refresh/rewrite use case (STRM helper).
    strm_upstream = providers.Singleton(build_strm_upstream, settings)
    strm_proxy = providers.Singleton(
        build_strm_proxy, stream_finder, strm_mapping_repo, strm_upstream, clock, settings
    )

    # Torznab: availability/quality cache with single-flight probes, and the search use cases (Torznab helper).
    availability = providers.Singleton(
        build_availability, availability_repo, stream_finder, quality_probe, clock, settings
    )
    torznab_search = providers.Singleton(
        build_torznab_search, catalogs, title_resolver, metadata, availability, clock, settings, regrab_repo
    )


def create_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container
