"""What the dashboard is handed by the composition root: narrow callables, so the auth policy and the health
report can be swapped for richer ones without touching a page.

`health_snapshot()` returns this shape (the Overview renders exactly these keys):

    {"status": "ok" | "degraded" | "down",
     "components": [{"name": str, "status": "ok" | "degraded" | "down" | "unknown",
                     "detail": str, "last_contact": ISO-8601 str | None}, ...]}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import falcon.asgi

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import EpisodeRef, Site
    from anibridge.domain.catalog.lookup import TitleLookup
    from anibridge.domain.jobs.records import JobMode
    from anibridge.domain.jobs.scheduler import JobScheduler
    from anibridge.domain.qbittorrent.service import TorrentService
    from anibridge.ports.catalog import CatalogPort
    from anibridge.ports.repos import JobRepo

Check = tuple[str, Callable[[], Awaitable[str]]]


@dataclass(frozen=True, slots=True)
class SetupRow:
    label: str
    value: str
    copy: bool = True


@dataclass(frozen=True, slots=True)
class SetupSection:
    """One application to configure (Prowlarr, Sonarr, …): where to click and the exact values to enter."""

    title: str
    where: str
    rows: Sequence[SetupRow]
    note: str = ""


@dataclass(frozen=True, slots=True)
class DashboardParts:
    authorized: Callable[[falcon.asgi.Request], bool]
    """The request may see the dashboard and change things (a session cookie, an API key…)."""
    login_required: bool
    log_in: Callable[[str, str], str | None]
    """Credentials → a session id for the `session_cookie`, or None when refused."""
    log_out: Callable[[str | None], None]
    health_snapshot: Callable[[], Awaitable[dict[str, Any]]]
    torrents: TorrentService
    jobs: JobRepo
    scheduler: JobScheduler
    lookup: TitleLookup
    catalogs: Mapping[Site, CatalogPort]
    release_name: Callable[[str, EpisodeRef, JobMode], str]
    setup: Callable[[str], Sequence[SetupSection]]
    """The request's base URL (`http://host:port`) → the values to enter in each application."""
    checks: Callable[[], Sequence[Check]]
    settings_rows: Sequence[tuple[str, str]]
    csrf_secret: bytes
    session_cookie: str = "SID"
    site_labels: Mapping[str, str] = field(default_factory=dict)
