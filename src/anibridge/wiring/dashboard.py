"""The dashboard's parts: today's auth (the qBittorrent login sessions and API key) and today's health report
behind the narrow callables `DashboardParts` asks for, the setup values from the effective settings, and the
checks of `anibridge check`."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import falcon.asgi

from anibridge.adapters.disk import DiskCheck, disk_state
from anibridge.delivery.auth import AccessPolicy
from anibridge.delivery.dashboard.parts import DashboardParts, SetupRow, SetupSection
from anibridge.delivery.health import PING_TIMEOUT_SECONDS
from anibridge.delivery.qbittorrent.auth import COOKIE
from anibridge.domain.catalog.identity import EpisodeRef, Site
from anibridge.domain.jobs.records import JobMode
from anibridge.domain.releases.names import build_release_name
from anibridge.settings import Settings, describe
from anibridge.wiring.browser_gate import health_state as browser_gate_state
from anibridge.wiring.checks import installation_checks

if TYPE_CHECKING:
    from anibridge.adapters.sql.database import Database
    from anibridge.delivery.qbittorrent.auth import Sessions
    from anibridge.domain.alerts.sites import SiteBoard
    from anibridge.domain.jobs.scheduler import JobScheduler
    from anibridge.wiring.container import Container

LOW_SPACE_BYTES = 1_000_000_000


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _downloads(path: Path) -> dict[str, Any]:
    """/health's probe of the directory (there, writable by a real test file, free space), with the dashboard's
    earlier warning threshold: it shows "degraded" from LOW_SPACE_BYTES on, before downloads have to wait."""
    state = disk_state(DiskCheck(path, LOW_SPACE_BYTES))
    if state["status"] == "down":
        return {"name": "download directory", "status": "down", "detail": f"{path}: {state['detail']}",
                "last_contact": None}
    return {"name": "download directory", "status": state["status"],
            "detail": f"{path}, {state['free_bytes'] / 1e9:,.1f} GB free", "last_contact": None}


def health_snapshot_of(database: Database, scheduler: JobScheduler, board: SiteBoard, downloads: Path,
                       workers: int, browser_gate: Callable[[], dict[str, str]] | None = None) -> Any:
    """Today's report in the shape the dashboard renders (see `anibridge.delivery.dashboard.parts`).

    The browser pass of SerienStream's Turnstile gate is listed like /health lists it: "off" is a choice, not a
    fault, so it never makes the whole report degraded; asked for but not installed, it does."""

    async def snapshot() -> dict[str, Any]:
        components: list[dict[str, Any]] = []
        try:
            await asyncio.wait_for(database.ping(), PING_TIMEOUT_SECONDS)
            components.append({"name": "database", "status": "ok", "detail": database.dialect, "last_contact": None})
        except Exception as ex:  # noqa: BLE001 - any failure means "database down" here
            line = (str(ex).strip().splitlines() or [type(ex).__name__])[0][:300]
            components.append({"name": "database", "status": "down", "detail": line, "last_contact": None})
        components.append(await asyncio.to_thread(_downloads, downloads))
        problem = scheduler.problem()
        components.append({"name": "workers", "status": "down" if problem else "ok",
                           "detail": problem or f"{workers} download worker(s) running", "last_contact": None})
        for site in board.snapshot():
            if site.state == "down":
                detail = f"failing for {board.down_for(site) / 60:.0f} min: {site.last_error or ''}"
            elif site.state == "ok":
                detail = "answering"
            else:
                detail = "no request since start"
            components.append({"name": site.site.value, "status": site.state, "detail": detail,
                               "last_contact": _iso(site.last_contact)})
        components.append({"name": "SkyHook", "status": "unknown", "detail": "checked by Setup → Test",
                           "last_contact": None})
        if browser_gate is not None:
            state = browser_gate()
            components.append({"name": "browser gate", "status": state["status"], "detail": state["detail"],
                               "last_contact": None})
        vital = {c["status"] for c in components if c["name"] in ("database", "workers")}
        others = {c["status"] for c in components if c["name"] not in ("database", "workers")}
        status = "down" if "down" in vital else "degraded" if others & {"down", "degraded"} else "ok"
        return {"status": status, "components": components}

    return snapshot


def setup_sections(settings: Settings, base: str) -> list[SetupSection]:
    """The values the demo prints and the README lists, for this instance at `base` (the URL the browser used)."""
    host, _, port = base.split("://", 1)[-1].partition(":")
    port = port or ("443" if base.startswith("https") else "80")
    api_key = settings.indexer_api_key.get_secret_value()
    categories = f"{settings.torznab_cat_anime}, {settings.torznab_cat_movie}"
    user = settings.qbit_username
    password = "(your QBIT_PASSWORD)" if settings.qbit_password.get_secret_value() else ""
    qbit_key = "(your QBIT_API_KEY)" if settings.qbit_api_key.get_secret_value() else ""
    library = settings.qbit_public_save_path.strip() or str(settings.downloads_path.resolve())

    def client(category: str) -> list[SetupRow]:
        rows = [SetupRow("Host", host), SetupRow("Port", port), SetupRow("Use SSL", "no", copy=False),
                SetupRow("Username", user or "(leave empty)", copy=bool(user)),
                SetupRow("Password", password or "(leave empty)", copy=False)]
        if qbit_key:
            rows.append(SetupRow("API Key", qbit_key, copy=False))
        rows.append(SetupRow("Category", category))
        return rows

    torznab = [SetupRow("URL", f"{base}/torznab"), SetupRow("API Path", "/api"),
               SetupRow("API Key", api_key or "(none — leave empty)", copy=bool(api_key)),
               SetupRow("Categories", categories)]
    strm = settings.strm_files_mode
    jellyfin_rows = [SetupRow("Library folder", library), SetupRow("STRM items", strm, copy=False)]
    if settings.strm_proxy_mode == "proxy":
        jellyfin_rows.append(SetupRow("STRM URLs point at", settings.strm_public_base_url))
    return [
        SetupSection("Prowlarr", "Indexers → Add Indexer → Generic Torznab", torznab),
        SetupSection("Sonarr", "Settings → Download Clients → qBittorrent", client("tv-sonarr"),
                     "Without Prowlarr: Settings → Indexers → Torznab with the Prowlarr values."),
        SetupSection("Radarr", "Settings → Download Clients → qBittorrent", client("radarr"),
                     "Without Prowlarr: Settings → Indexers → Torznab with the Prowlarr values."),
        SetupSection("Jellyfin / Plex", "Add a library (Shows or Movies) on this folder", jellyfin_rows,
                     "With a container, map the folder to the same path in both (QBIT_PUBLIC_SAVE_PATH is what the "
                     "*arr apps see). STRM_FILES_MODE=both or only makes Torznab offer .STRM releases."),
    ]


def release_namer(settings: Settings) -> Any:
    def name(title: str, ref: EpisodeRef, mode: JobMode) -> str:
        film = ref.site is Site.MEGAKINO and ref.season == 0 and ref.episode == 0
        return build_release_name(
            title, None if film else ref.season, None if film else ref.episode, language=ref.language,
            group=settings.release_group_for(ref.site.value), source_tag=settings.source_tag,
            strm=mode is JobMode.STRM,
        )

    return name


def session_auth(sessions: Sessions, access: AccessPolicy | None = None) -> tuple[Any, Any, Any]:
    """authorized(req), log_in(user, password) and log_out(sid) over the qBittorrent API's sessions, so one login
    serves both the dashboard and the API (the same `SID` cookie). With `access`, pages pass the same policy as
    the API (Host list, cross-site refusal, IP ban, session or API key)."""

    def authorized(req: falcon.asgi.Request) -> bool:
        if access is not None:
            return access.check(req) is None
        return sessions.authorized(req.cookies.get(COOKIE), req.get_header("Authorization"))

    def log_in(username: str, password: str) -> str | None:
        if sessions.open or sessions.credentials_match(username, password):
            return sessions.create()
        return None

    return authorized, log_in, sessions.drop


def build_dashboard_parts(container: Container) -> DashboardParts:
    settings: Settings = container.settings()
    qbit = container.qbit_context()
    authorized, log_in, log_out = session_auth(qbit.sessions, qbit.access)
    checks: Sequence[Any] | None = None

    def all_checks() -> Sequence[Any]:
        nonlocal checks
        if checks is None:
            checks = installation_checks(container, settings)
        return checks

    return DashboardParts(
        authorized=authorized,
        login_required=not qbit.sessions.open,
        log_in=log_in,
        log_out=log_out,
        health_snapshot=health_snapshot_of(container.database(), container.scheduler(), container.site_board(),
                                           settings.downloads_path, settings.max_concurrency,
                                           browser_gate_state(settings)),
        torrents=qbit.service,
        jobs=container.job_repo(),
        scheduler=container.scheduler(),
        lookup=container.title_lookup(),
        catalogs=container.catalogs(),
        release_name=release_namer(settings),
        setup=lambda base: setup_sections(settings, base),
        checks=all_checks,
        settings_rows=describe(settings),
        csrf_secret=secrets.token_bytes(32),
        session_cookie=COOKIE,
    )
