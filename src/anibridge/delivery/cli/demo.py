"""`anibridge demo`: the whole product offline — fake sites, hosters and SkyHook plus the real server wired to them.

Meant for a first look and for pointing a local Prowlarr/Sonarr/Radarr at something that answers like the real
sites do, without the internet. Data lives in a temporary DATA_DIR unless `--data-dir` is given.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by `anibridge --help`, which must not load pydantic
    from anibridge.settings import Settings


def register(sub: Any, commands: dict[str, Any]) -> None:
    commands["demo"] = run
    demo = sub.add_parser("demo", help="run the server against built-in fake sites and hosters (offline)")
    demo.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=None, help="port (default ANIBRIDGE_PORT or 8000)")
    demo.add_argument("--data-dir", type=Path, default=None, help="keep data here instead of a temporary directory")
    demo.add_argument("--big-index", action="store_true", help="fake AniWorld lists 20,000 extra titles")


def instructions(base: str, world_rows: list[tuple[str, str]], command: str = "anibridge") -> str:
    """The demo's lines after the shared server banner: what to try, where the fakes are, the second terminal."""
    lines = [
        "",
        "Try it:",
        f"  curl '{base}/torznab/api?t=caps'",
        f"  curl '{base}/torznab/api?t=search&q=Kaguya-sama'",
        f"  curl '{base}/torznab/api?t=tvsearch&q=Black%20Clover&season=3&ep=52'",
        f"  curl '{base}/torznab/api?t=tvsearch&q=Breaking%20Bad&season=1'",
        f"  curl '{base}/torznab/api?t=movie&q=Avengers%20Endgame'",
        "  Shows in the fake catalogue include: Kaguya-sama: Love is War, Attack on Titan, Black Clover (104 episodes),",
        "  Frieren, Spy x Family, Breaking Bad, 9-1-1, Dark, Silo, Reacher, Avengers: Endgame, Dune: Part Two.",
        "",
        "A second terminal talks to this demo (its DATA_DIR is not the one `anibridge` uses by default):",
        f"  {command} --server {base} jobs      (also: download, search; see `{command} --help`)",
        "",
        "Fake sites and hosters:",
        *(f"  {name:22} {url}" for name, url in world_rows),
        "",
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anibridge.delivery.cli.serve import serve
    from anibridge.settings import SettingsError, load_settings
    from anibridge_fakes.world import FakeWorld

    temp = None if args.data_dir else tempfile.mkdtemp(prefix="anibridge-demo-")
    data_dir = Path(args.data_dir or temp or ".").resolve()
    world = FakeWorld(big_index=True if args.big_index else None)
    print("starting the fake sites and hosters (the first run generates the test media, a few seconds)…", flush=True)
    world.start()
    try:
        # The fakes reach the server only through these Settings (everything is read once by load_settings);
        # the process environment stays untouched.
        env = dict(os.environ)
        env.update(world.env())
        env.update({
            "DATA_DIR": str(data_dir),
            "ANIBRIDGE_HOST": args.host,
            "ANIBRIDGE_PORT": str(args.port or settings.anibridge_port),
        })
        env.pop("DATABASE_URL", None)
        try:
            demo_settings = load_settings(env)
        except SettingsError as ex:
            print(f"anibridge demo: {ex}")
            return 2
        base = f"http://{demo_settings.anibridge_host}:{demo_settings.anibridge_port}"
        title = "anibridge demo (everything runs on this machine; no internet needed)"
        # The command as it was typed (`.venv/bin/anibridge` from `make demo`), so the line runs as printed.
        command = sys.argv[0] if Path(sys.argv[0]).name == "anibridge" else "anibridge"
        return serve(args, demo_settings, title=title, extra=instructions(base, world.describe(), command))
    except KeyboardInterrupt:
        return 0
    finally:
        world.stop()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
