"""`anibridge serve`: migrate, then run the HTTP server (also what `anibridge demo` runs against the fakes)."""

from __future__ import annotations

import argparse
import sys

from anibridge.settings import Settings


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from anibridge.wiring.app import build_app
    from anibridge.wiring.container import create_container
    from anibridge.wiring.database import DatabaseProblem

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.downloads_path.mkdir(parents=True, exist_ok=True)
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
        access_log=False,  # anibridge.delivery.access_log writes the access log, with secrets masked
        server_header=False,
    )
    uvicorn.Server(config).run()
    return 0


def run_migrations(settings: Settings) -> list[int]:
    from anibridge.wiring.database import migrate

    return migrate(settings)
