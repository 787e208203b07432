"""`anibridge serve`: migrate, then run the HTTP server (also what `anibridge demo` runs against the fakes)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by `anibridge --help`, which must not load pydantic
    from anibridge.settings import Settings


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from anibridge.wiring.app import build_app
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
    container = create_container(settings)
    config = uvicorn.Config(
        build_app(container),
        host=args.host or settings.anibridge_host,
        port=args.port or settings.anibridge_port,
        lifespan="on",
        log_level=settings.log_level,
        timeout_graceful_shutdown=5,
        proxy_headers=True,
    )
    uvicorn.Server(config).run()
    return 0


def run_migrations(settings: Settings) -> list[int]:
    from anibridge.wiring.database import migrate

    return migrate(settings)
