"""The checks of `anibridge check`, also run by the dashboard's Setup page: one list, so both say the same.

Each check runs the same adapter code the server uses and returns one line, or raises with the cause.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from anibridge.settings import Settings

Check = tuple[str, Callable[[], Awaitable[str]]]
PROBE_SHOW_TVDB = 81189  # a long-finished, well-known show every SkyHook mirror has (Breaking Bad)


def installation_checks(container: Any, settings: Settings) -> list[Check]:
    checks: list[Check] = [
        ("database", lambda: _database(container)),
        ("downloads", lambda: asyncio.to_thread(_downloads, settings.downloads_path)),
        ("ffmpeg", _ffmpeg),
    ]
    for site, catalog in container.catalogs().items():
        checks.append((site.value, functools.partial(_site, catalog)))
        if site.value == "s.to" and (settings.sto_email.strip() or settings.sto_password.get_secret_value()):
            checks.append(("s.to-account", functools.partial(_sto_account, catalog, settings)))
    checks.append(("dns", lambda: _dns(settings)))
    checks.append(("browser-gate", lambda: _browser_gate(container, settings)))
    checks.append(("skyhook", lambda: _skyhook(container.metadata())))
    return checks


async def _database(container: Any) -> str:
    from anibridge.wiring.database import LATEST_VERSION, current_version

    database = container.database()
    await database.ping()
    version = await asyncio.to_thread(current_version, database.engine)
    if version == 0:  # a fresh install: nothing is wrong, `serve` creates the schema at startup
        return f"{database.dialect}, reachable and empty (`serve` or `migrate` creates schema {LATEST_VERSION})"
    if version < LATEST_VERSION:
        raise RuntimeError(f"{database.dialect}: schema {version} of {LATEST_VERSION}; `anibridge migrate` (or "
                           "`serve`, which migrates at startup) brings it up to date")
    return f"{database.dialect}, schema {version}"


def _downloads(path: Path) -> str:
    path.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path, prefix=".anibridge-check-"):
        pass  # created and removed: the directory is writable for this user
    free = shutil.disk_usage(path).free
    return f"{path} writable, {free / 1e9:,.1f} GB free"


async def _ffmpeg() -> str:
    found = {name: shutil.which(name) for name in ("ffmpeg", "ffprobe")}
    missing = [name for name, where in found.items() if where is None]
    if missing:
        raise RuntimeError(f"{' and '.join(missing)} not on PATH ({os.environ.get('PATH', '')}); quality probes "
                           "and HLS downloads need them")
    return ", ".join(str(where) for where in found.values())


async def _site(catalog: Any) -> str:
    from anibridge.ports.errors import GateKind, SiteGated
    from anibridge.wiring.catalog import dns_block_advice

    try:
        entries = await catalog.index()
    except SiteGated as ex:
        if ex.kind is GateKind.DNS_BLOCK:  # say what to set, not only what happened
            raise RuntimeError(dns_block_advice(ex.site)) from None
        raise
    if not entries:
        raise RuntimeError("the index is empty (layout changed, or a block page instead of the catalogue?)")
    return f"{len(entries):,} titles in the index"


async def _browser_gate(container: Any, settings: Settings) -> str:
    from anibridge.wiring.browser_gate import check

    return await check(container.gate_browser(), settings)


async def _sto_account(catalog: Any, settings: Settings) -> str:
    """Logs in with STO_EMAIL/STO_PASSWORD as the server would; a refusal names the settings (never the password)."""
    from anibridge.wiring.catalog import site_account

    account = site_account(catalog)
    if account is None:
        missing = "STO_PASSWORD" if settings.sto_email.strip() else "STO_EMAIL"
        raise RuntimeError(f"{missing} is not set: the account needs STO_EMAIL and STO_PASSWORD; going on without one")
    if not await account.ensure():
        raise RuntimeError(account.status())
    return account.status() + " (one report says this lowers the redirect gate's tier)"


async def _dns(settings: Settings) -> str:
    """Catalogue hosts the system resolver answers with a CUII notice (German ISPs' block), with the remedy."""
    from anibridge.wiring.catalog import dns_block_advice, dns_checks

    verdicts = await asyncio.to_thread(dns_checks, settings)
    blocked = [host for host, verdict in verdicts if verdict.cuii_blocked]
    if blocked:
        raise RuntimeError("; ".join(dns_block_advice(host) for host in blocked))
    if not verdicts:
        return "no catalogue host name left to the system resolver (DOH_URL, SITE_ADDRESSES or IP addresses)"
    failing = [f"{host} ({verdict.error})" for host, verdict in verdicts if verdict.error]
    shown = ", ".join(f"{host} → {verdict.addresses[0]}" for host, verdict in verdicts if verdict.addresses)
    return shown + (f"; not resolving: {', '.join(failing)}" if failing else "") or "nothing resolved"


async def _skyhook(metadata: Any) -> str:
    show = await metadata.show(PROBE_SHOW_TVDB)
    if show is None:
        raise RuntimeError(f"TVDB {PROBE_SHOW_TVDB} unknown: is SKYHOOK_BASE_URL really a SkyHook?")
    return f"TVDB {PROBE_SHOW_TVDB} is {show.title!r}"
