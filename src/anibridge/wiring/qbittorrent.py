"""The qBittorrent API: client-task use cases, the cached listing, sync/maindata and login sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from anibridge.adapters.log_ring import install_log_ring
from anibridge.delivery.auth import AccessPolicy
from anibridge.delivery.qbittorrent.auth import Sessions
from anibridge.delivery.qbittorrent.context import QbitContext
from anibridge.domain.qbittorrent.listing import TorrentListing
from anibridge.domain.qbittorrent.service import (
    ClientConfig,
    Scheduler,
    TorrentService,
)
from anibridge.domain.qbittorrent.sync import MainDataSync

if TYPE_CHECKING:
    from anibridge.ports.repos import ClientTaskRepo, JobRepo, RegrabRepo
    from anibridge.ports.system import Clock, FileStore
    from anibridge.settings import Settings


def build_client_config(settings: Settings) -> ClientConfig:
    """Paths must match where the downloader writes (the resolved DOWNLOAD_DIR) so content_path maps cleanly."""
    return ClientConfig(
        download_dir=str(settings.downloads_path.resolve()),
        public_save_path=settings.qbit_public_save_path.strip(),
        delete_files_on_delete=settings.delete_files_on_torrent_delete,
    )


def build_qbit_context(
    settings: Settings,
    clock: Clock,
    tasks: ClientTaskRepo,
    jobs: JobRepo,
    scheduler: Scheduler,
    files: FileStore,
    regrabs: RegrabRepo,
) -> QbitContext:
    config = build_client_config(settings)
    service = TorrentService(tasks, jobs, scheduler, clock, config, files, regrabs)
    listing = TorrentListing(tasks, jobs, clock, config)
    sessions = Sessions(
        settings.qbit_username,
        settings.qbit_password.get_secret_value(),
        timeout_seconds=settings.qbit_session_timeout_seconds,
        clock=clock.monotonic,
        api_key=settings.qbit_api_key.get_secret_value(),
        max_auth_failures=settings.web_ui_max_auth_fail_count,
        ban_seconds=float(settings.web_ui_ban_duration),
    )
    access = AccessPolicy(sessions, settings.web_ui_domain_list)
    return QbitContext(service, listing, MainDataSync(), sessions, settings.downloads_path, logs=install_log_ring(),
                       access=access)
