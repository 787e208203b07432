"""What every endpoint handler gets: the use cases, the session store and the parsed request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from anibridge.delivery.auth import AccessPolicy
from anibridge.delivery.qbittorrent.auth import Sessions
from anibridge.delivery.qbittorrent.forms import Form
from anibridge.delivery.qbittorrent.wire import Reply
from anibridge.domain.qbittorrent.listing import TorrentListing
from anibridge.domain.qbittorrent.service import TorrentService
from anibridge.domain.qbittorrent.sync import MainDataSync

APP_VERSION = "v5.1.4"
WEBAPI_VERSION = "2.11.4"
"""A real qBittorrent release pair (qbittorrent-api checks it); ≥ 2.6.1 makes Sonarr import `content_path`."""


@dataclass(slots=True)
class QbitContext:
    service: TorrentService
    listing: TorrentListing
    sync: MainDataSync
    sessions: Sessions
    download_dir: Path
    info_cache: dict[tuple[tuple[str, tuple[str, ...]], ...], tuple[int, bytes]] = field(default_factory=dict)
    """torrents/info bodies per query string, valid while the listing version is unchanged."""
    access: AccessPolicy | None = None
    """Host, cross-site, ban and login checks; None = the defaults over `sessions` (any Host)."""

    def __post_init__(self) -> None:
        if self.access is None:
            self.access = AccessPolicy(self.sessions)


@dataclass(slots=True)
class Call:
    ctx: QbitContext
    form: Form
    sid: str | None
    peer: str


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    handler: Handler
    methods: frozenset[str] = frozenset({"GET", "POST"})
    public: bool = False


READ = frozenset({"GET", "POST"})
WRITE = frozenset({"POST"})
