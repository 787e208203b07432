"""`anibridge check`: is this installation able to work? One line per dependency, exit 1 when any fails.

Why: "Sonarr finds nothing" has many causes — a site moved or blocks the container's IP, SkyHook is unreachable,
the download directory is read-only inside Docker, ffmpeg is missing. Each check here runs the same adapter code
the server uses, concurrently and with a timeout, and names the cause in one line.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from anibridge.delivery.cli.catalog import Command, run_with_container
from anibridge.settings import Settings

Check = tuple[str, Callable[[], Awaitable[str]]]
PROBE_SHOW_TVDB = 81189  # a long-finished, well-known show every SkyHook mirror has (Breaking Bad)


def register(sub: Any, commands: dict[str, Command]) -> None:
    sub.add_parser("check", help="check the database, download directory, ffmpeg, each site and SkyHook")
    commands["check"] = _check


def _check(args: argparse.Namespace, settings: Settings) -> int:
    async def work(container: Any) -> int:
        checks = _checks(container, settings)
        timeout = max(10.0, settings.http_timeout_seconds * 3)
        results = await asyncio.gather(*(_timed(run, timeout) for _, run in checks))
        width = max(len(name) for name, _ in checks)
        failed = 0
        for (name, _), (ok, detail) in zip(checks, results, strict=True):
            failed += not ok
            print(f"{'ok' if ok else 'FAIL':<5} {name:<{width}}  {detail}")
        print("all checks passed" if not failed else f"{failed} check(s) failed", file=sys.stderr)
        return 1 if failed else 0

    return run_with_container(settings, work)


async def _timed(run: Callable[[], Awaitable[str]], timeout: float) -> tuple[bool, str]:
    started = time.monotonic()
    try:
        detail = await asyncio.wait_for(run(), timeout)
    except TimeoutError:
        return False, f"no answer within {timeout:.0f} s"
    except Exception as ex:  # noqa: BLE001 - every failure is a line of the report, never a traceback
        return False, f"{type(ex).__name__}: {ex}"
    return True, f"{detail} ({time.monotonic() - started:.1f} s)"


def _checks(container: Any, settings: Settings) -> list[Check]:
    checks: list[Check] = [
        ("database", lambda: _database(container)),
        ("downloads", lambda: asyncio.to_thread(_downloads, settings.downloads_path)),
        ("ffmpeg", _ffmpeg),
    ]
    for site, catalog in container.catalogs().items():
        checks.append((site.value, functools.partial(_site, catalog)))
    checks.append(("skyhook", lambda: _skyhook(container.metadata())))
    return checks


async def _database(container: Any) -> str:
    from anibridge.wiring.database import LATEST_VERSION, current_version

    database = container.database()
    await database.ping()
    version = await asyncio.to_thread(current_version, database.engine)
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
    entries = await catalog.index()
    if not entries:
        raise RuntimeError("the index is empty (layout changed, or a block page instead of the catalogue?)")
    return f"{len(entries):,} titles in the index"


async def _skyhook(metadata: Any) -> str:
    show = await metadata.show(PROBE_SHOW_TVDB)
    if show is None:
        raise RuntimeError(f"TVDB {PROBE_SHOW_TVDB} unknown: is SKYHOOK_BASE_URL really a SkyHook?")
    return f"TVDB {PROBE_SHOW_TVDB} is {show.title!r}"
