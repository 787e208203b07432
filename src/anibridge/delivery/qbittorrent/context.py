"""What every endpoint handler gets: the use cases, the session store and the parsed request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from anibridge.delivery.auth import AccessPolicy
from anibridge.delivery.qbittorrent.auth import Sessions
from anibridge.delivery.qbittorrent.forms import Form
from anibridge.delivery.qbittorrent.wire import Reply
from anibridge.domain.qbittorrent.listing import TorrentListing
from anibridge.domain.qbittorrent.service import TorrentService
from anibridge.domain.qbittorrent.sync import MainDataSync


class LogRecordView(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def type(self) -> int: ...
    @property
    def message(self) -> str: ...


class LogSource(Protocol):
    """Recent log records (the composition root installs `anibridge.adapters.log_ring.LogRing`)."""

    def since(self, last_known_id: int = -1, types: frozenset[int] | None = None) -> Sequence[LogRecordView]: ...


@dataclass(slots=True)
class TransferState:
    """Global speed limits and the alternative-speed switch as last set through transfer/*: read back as set
    (clients verify them); not enforced, the hoster downloads follow DOWNLOAD_RATE_LIMIT_BYTES_PER_SEC."""

    dl_limit: int = 0
    up_limit: int = 0
    alt_speed: bool = False
    search_ids: dict[int, str] = field(default_factory=dict)
    """search/start jobs (there are no search plugins, so each is finished with no results at once)."""


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
    logs: LogSource | None = None
    """Recent log records for log/main (None: the log is empty)."""
    transfer: TransferState = field(default_factory=lambda: TransferState())
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
