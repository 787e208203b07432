"""Torznab search latency against the fake world with injected latency on every site, hoster and SkyHook request.

anibridge runs as `anibridge serve` in its own process (as in production); the fakes run in this process with
`faults.latency` set. Measured over HTTP, so the figures include request parsing and XML rendering:
- an episode search with three languages (Kaguya-sama S01E05: German Dub, German Sub, English Sub),
- a 24-episode season search (Steins;Gate season 1, three languages each), fast and strict,
- a two-site episode search (Attack on Titan S01E01 is on AniWorld and s.to: both sites' items),
each cold (fresh server and database, warmed up with a different show's search) and warm (the same request again);
- the episode search as the very first request of a fresh server (3 s after it answered /health).
Targets (issue 4): warm < 50 ms, cold episode < 1.5 s, cold 24-episode fast season < 3 s.

Usage: `python bench/torznab.py [latency_seconds]` (default 0.1) — prints numbers, asserts nothing.
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anibridge_fakes.world import FakeWorld  # noqa: E402
from tests.e2e.conftest import start_server  # noqa: E402

EPISODE = "t=tvsearch&q=Kaguya-sama Love is War&season=1&ep=5"
SEASON = "t=tvsearch&q=Steins Gate&season=1"
ID_EPISODE = "t=tvsearch&tvdbid=354198&season=1&ep=6"
TWO_SITES = "t=tvsearch&q=Attack on Titan&season=1&ep=1"
# Another show's episode: loads the title indexes and yt-dlp's extractors (~2 s the first time) before timing, so
# "cold" means "this search was never answered", not "the interpreter just started".
SERVER_WARMUP = "t=tvsearch&q=Vinland Saga&season=2&ep=24"


def run_case(
    world: FakeWorld, name: str, query: str, mode: str, concurrency: int = 8, warm_runs: int = 5, fresh: bool = False
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = world.env() | {"TORZNAB_SEASON_SEARCH_MODE": mode, "TORZNAB_PROBE_CONCURRENCY": str(concurrency), "LOG_LEVEL": "warning"}
        server = start_server(env, Path(tmp) / "data")
        try:
            with httpx.Client(base_url=server.base_url, timeout=300) as client:
                if fresh:
                    time.sleep(3.0)  # the server idles after startup, as it would before Sonarr's first search
                else:
                    client.get(f"/torznab/api?{SERVER_WARMUP}")
                start = time.perf_counter()
                first = client.get(f"/torznab/api?{query}&extended=1&limit=100")
                cold = (time.perf_counter() - start) * 1000
                items = first.text.count("<item>")
                warm = []
                for _ in range(warm_runs):
                    start = time.perf_counter()
                    again = client.get(f"/torznab/api?{query}&extended=1&limit=100")
                    warm.append((time.perf_counter() - start) * 1000)
                    assert again.text.count("<item>") == items
        finally:
            server.stop()
    label = f"{mode}/{concurrency}" if mode == "strict" else mode
    print(f"  {name:<34} {label:<9} cold {cold:8.0f} ms   warm {statistics.median(warm):6.1f} ms   items {items:3d}")


def main(latency: float) -> None:
    logging.disable(logging.INFO)
    world = FakeWorld().start()
    try:
        # First use of each media kind makes the fakes render it with ffmpeg: do that before any timing.
        run_case(world, "(warm-up of the fakes, no latency)", EPISODE, "strict", warm_runs=1)
        run_case(world, "(warm-up of the fakes, no latency)", SEASON, "strict", warm_runs=1)
        for server in [*world.sites.values(), *world.hosters.values()]:
            server.app.faults.latency = latency
        print(f"torznab over HTTP with {latency * 1000:.0f} ms latency on every site/hoster/SkyHook request:")
        run_case(world, "episode search (3 languages)", EPISODE, "fast")
        run_case(world, "id-only episode search (tvdbid)", ID_EPISODE, "fast")
        run_case(world, "two-site episode search (AW + s.to)", TWO_SITES, "fast")
        run_case(world, "episode search, first request ever", EPISODE, "fast", fresh=True)
        run_case(world, "24-episode season search", SEASON, "fast")
        run_case(world, "24-episode season search", SEASON, "strict")
        run_case(world, "24-episode season search", SEASON, "strict", concurrency=16)
    finally:
        world.stop()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.1)
