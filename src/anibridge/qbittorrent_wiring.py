"""Builders the container uses for the qBittorrent API (client-task use cases, cached listing, sessions).

Kept out of `container.py` so that shared file only gains one line per provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

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


class _Providers(Protocol):
    def settings(self) -> Settings: ...
    def clock(self) -> Clock: ...
    def job_repo(self) -> JobRepo: ...
    def client_task_repo(self) -> ClientTaskRepo: ...
    def regrab_repo(self) -> RegrabRepo: ...
    def file_store(self) -> FileStore: ...
    def scheduler(self) -> Scheduler: ...


def build_client_config(settings: Settings) -> ClientConfig:
    """Paths must match where the downloader writes (the resolved DOWNLOAD_DIR) so content_path maps cleanly."""
    return ClientConfig(
        download_dir=str(settings.downloads_path.resolve()),
        public_save_path=settings.qbit_public_save_path.strip(),
        delete_files_on_delete=settings.delete_files_on_torrent_delete,
    )


def build_qbit_context(container: _Providers) -> QbitContext:
    settings = container.settings()
    config = build_client_config(settings)
    tasks, jobs, clock = container.client_task_repo(), container.job_repo(), container.clock()
    service = TorrentService(tasks, jobs, container.scheduler(), clock, config, container.file_store(),
                             container.regrab_repo())
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
    return QbitContext(service, listing, MainDataSync(), sessions, settings.downloads_path, access=access)
