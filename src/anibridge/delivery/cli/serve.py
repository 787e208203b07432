"""`anibridge serve`: migrate, then run the HTTP server (also what `anibridge demo` runs against the fakes)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by `anibridge --help`, which must not load pydantic
    from anibridge.settings import Settings


def serve(args: argparse.Namespace, settings: Settings, title: str = "anibridge", extra: str = "") -> int:
    """Migrate, print the banner (`title` and the `extra` lines are the demo's), run uvicorn until stopped."""
    import uvicorn

    from anibridge.delivery.cli.banner import Address, server_banner
    from anibridge.delivery.logs import configure_logging
    from anibridge.wiring.app import build_app
    from anibridge.wiring.browser_gate import startup_warning
    from anibridge.wiring.container import create_container
    from anibridge.wiring.database import DatabaseProblem
    from anibridge.wiring.startup_checks import directories_problem

    problem = directories_problem(settings)
    if problem:  # before anything is started: a download must never be the first to notice
        print(f"anibridge: {problem}", file=sys.stderr)
        return 2
    # Migrate before uvicorn starts: an unusable database is then one clear line (exit 1), not a lifespan
    # traceback. The lifespan's own migration step finds nothing left to do.
    try:
        run_migrations(settings)
    except DatabaseProblem as ex:
        print(f"anibridge: cannot use the database: {ex}", file=sys.stderr)
        return 1
    # Logging is configured here, before the app is built (the qBittorrent log ring attaches to the root logger
    # then), and uvicorn is told to leave it alone: its loggers already write through anibridge's handler.
    configure_logging(settings.log_level, settings.log_format)
    browser_problem = startup_warning(settings)
    if browser_problem:  # an optional part: say so at once, then serve without it
        print(f"anibridge: warning: {browser_problem}", file=sys.stderr)
    container = create_container(settings)
    address = Address(args.host or settings.anibridge_host, args.port or settings.anibridge_port)
    banner = server_banner(settings, address, title) + extra
    if settings.log_format == "json":  # log shippers read every line as JSON: the banner is one record there
        logging.getLogger("anibridge.banner").info(banner.strip("\n"))
    else:
        print(banner, flush=True)
    config = uvicorn.Config(
        build_app(container),
        host=address.host,
        port=address.port,
        lifespan="on",
        log_config=None,
        log_level=settings.log_level,
        timeout_graceful_shutdown=5,
        proxy_headers=True,
        access_log=False,  # anibridge.delivery.access_log writes the access log, with secrets masked
        server_header=False,
    )
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown: a normal end, no traceback
        pass
    return 0


def run_migrations(settings: Settings) -> list[int]:
    from anibridge.wiring.database import migrate

    return migrate(settings)
