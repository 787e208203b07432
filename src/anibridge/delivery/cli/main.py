"""The `anibridge` command: serve, config, and the library's use cases from a terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from anibridge.delivery.cli.remote import add_options as add_remote_options
from anibridge.delivery.cli.serve import run_migrations
from anibridge.delivery.cli.serve import serve as serve_command

if TYPE_CHECKING:  # pydantic costs ~0.2 s CPU: `anibridge --help` must not pay for it
    from anibridge.settings import Settings

Command = Callable[[argparse.Namespace, "Settings"], int]

EPILOG = """\
jobs, download and search talk to a running anibridge (the server or `anibridge demo`) when --server URL or
ANIBRIDGE_SERVER names one, or when one answers on http://127.0.0.1:ANIBRIDGE_PORT; otherwise (or with --local)
they work on DATA_DIR in this process. Every setting is an environment variable: `anibridge config` lists them.
"""


def _port(raw: str) -> int:
    """argparse type: a TCP port, so `--port abc` fails like ANIBRIDGE_PORT=abc (exit 2, one line)."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a port number (1-65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is outside 1-65535")
    return value


def _config(args: argparse.Namespace, settings: Settings) -> int:
    from anibridge.settings import describe

    rows = describe(settings)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending schema migrations without starting the server (serve also does this at startup)."""
    from anibridge.wiring.database import LATEST_VERSION, DatabaseProblem

    try:
        applied = run_migrations(settings)
    except DatabaseProblem as ex:
        print(f"anibridge: cannot use the database: {ex}", file=sys.stderr)
        return 1
    if applied:
        print(f"applied migrations {', '.join(map(str, applied))}; schema at version {LATEST_VERSION}")
    else:
        print(f"schema already at version {LATEST_VERSION}")
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(prog="anibridge", description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_remote_options(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: dict[str, Command] = {}

    serve = sub.add_parser("serve", help="run the HTTP server (Torznab, qBittorrent API, STRM proxy)",
                           description="Apply pending migrations, print where to point Prowlarr, Sonarr and Radarr, "
                                       "then serve Torznab, the qBittorrent API and the STRM proxy until Ctrl-C.")
    serve.add_argument("--host", help="bind address (overrides ANIBRIDGE_HOST)")
    serve.add_argument("--port", type=_port, help="bind port (overrides ANIBRIDGE_PORT)")
    commands["serve"] = serve_command
    sub.add_parser("config", help="print the effective configuration (secrets masked)",
                   description="Print every setting as this process would use it: defaults applied, DATA_DIR and "
                               "DOWNLOAD_DIR resolved, the database URL an empty DATABASE_URL means, secrets and "
                               "database passwords masked.")
    commands["config"] = _config
    sub.add_parser("migrate", help="apply pending database migrations and exit",
                   description="Bring the database (DATABASE_URL, or DATA_DIR/anibridge.db) to the current schema "
                               "and exit; `serve` does the same at start-up.")
    commands["migrate"] = _migrate
    from anibridge.delivery.cli import catalog as cli_catalog

    cli_catalog.register(sub, commands)  # search, resolve
    from anibridge.delivery.cli import check as cli_check

    cli_check.register(sub, commands)  # check: can this installation work?
    from anibridge.delivery.cli import jobs as cli_jobs

    cli_jobs.register(sub, commands)  # download, jobs
    from anibridge.delivery.cli import notify as cli_notify

    cli_notify.register(sub, commands)  # notify-test: does an alert arrive?
    from anibridge.delivery.cli import demo as demo

    demo.register(sub, commands)  # demo: the server against the built-in fakes
    for choice in sub._choices_actions:  # every `COMMAND --help` opens with a description, at least its help line
        command_parser = sub.choices[choice.dest]
        if not command_parser.description and choice.help:
            command_parser.description = choice.help[0].upper() + choice.help[1:] + "."
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    from anibridge.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as ex:
        print(f"anibridge: {ex}", file=sys.stderr)
        return 2
    from anibridge.delivery.logs import configure_logging
    from anibridge.wiring.startup_checks import environment_warnings

    configure_logging(settings.log_level, settings.log_format)
    from anibridge.delivery.access_log import install_escaping

    install_escaping()  # a newline or terminal escape in a request value cannot forge or recolour a log line
    for warning in environment_warnings():
        print(f"anibridge: warning: {warning}", file=sys.stderr)
    try:
        return commands[args.command](args, settings)
    except OSError as ex:  # e.g. DATA_DIR not creatable/writable: say which path, no traceback
        where = f": {ex.filename}" if ex.filename else ""
        print(f"anibridge {args.command}: {ex.strerror or ex}{where}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
