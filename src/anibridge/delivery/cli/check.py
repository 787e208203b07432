"""`anibridge check`: is this installation able to work? One line per dependency, exit 1 when any fails.

Why: "Sonarr finds nothing" has many causes — a site moved or blocks the container's IP, SkyHook is unreachable,
the download directory is read-only inside Docker, ffmpeg is missing. Each check here runs the same adapter code
the server uses, concurrently and with a timeout, and names the cause in one line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from anibridge.delivery.cli.catalog import Command, run_with_container
from anibridge.domain.catalog.reachability import is_dns_failure

if TYPE_CHECKING:  # imported by `anibridge --help`, which must not load pydantic
    from anibridge.settings import Settings


def register(sub: Any, commands: dict[str, Command]) -> None:
    sub.add_parser("check", help="check the database, download directory, ffmpeg, each site and SkyHook")
    commands["check"] = _check


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from anibridge.wiring.checks import installation_checks

    async def work(container: Any) -> int:
        checks = installation_checks(container, settings)
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
        detail = f"{type(ex).__name__}: {ex}"
        if is_dns_failure(detail):
            detail += (" — hint: the name does not resolve. Some ISPs block these sites by DNS; use another DNS "
                       "server (e.g. 1.1.1.1 or 9.9.9.9 for the container) or set the site's *_BASE_URL to a mirror")
        return False, detail
    return True, f"{detail} ({time.monotonic() - started:.1f} s)"
