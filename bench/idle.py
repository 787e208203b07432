"""Resident memory of an idle `anibridge serve` and the start-up cost of `anibridge --help` (issue 16).

`python bench/idle.py [--baseline-src DIR]` starts the fake sites and hosters in this process, then for each
source tree (this checkout, and DIR when given, e.g. `/work/main/src`, imported first through PYTHONPATH):
- starts `anibridge serve` (SQLite in a fresh DATA_DIR, default MAX_CONCURRENCY=3 download workers) on a free
  loopback port, waits for /health to answer 200 and then SETTLE seconds, and reads VmRSS from /proc: idle RSS;
- sends one Torznab search and one qBittorrent torrents/info, waits SETTLE seconds and reads VmRSS again: what
  a server that has started doing its work holds (the lazily imported parsers are loaded by then);
- runs `anibridge --help` RUNS times and takes the median CPU time (user + system of the child) and wall time.
Figures are printed against the limits (80 MiB idle, 0.3 s CPU for --help) and against the baseline tree.
Nothing is asserted: timing on a shared machine varies; tests/integration/test_lazy_imports.py guards the
deterministic part (which libraries an idle SQLite server has loaded).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from anibridge_fakes.world import FakeWorld  # noqa: E402

IDLE_LIMIT_MIB = 80.0
HELP_LIMIT_S = 0.3
SETTLE = 3.0
RUNS = 7
SEARCH = "/torznab/api?t=search&q=Kaguya-sama"
LISTING = "/api/v2/torrents/info"


@dataclass(frozen=True)
class Figures:
    idle_mib: float
    after_requests_mib: float
    help_cpu_s: float
    help_wall_s: float
    idle_native: list[str]
    after_native: list[str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS missing")


def _native_packages(pid: int) -> list[str]:
    """Installed packages whose compiled extensions the process has mapped (a cheap look at what it imported)."""
    names = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1]
        if "/site-packages/" in path and path.endswith(".so"):
            names.add(path.split("/site-packages/", 1)[1].split("/", 1)[0])
    return sorted(names)


def _env(src: Path | None, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANIBRIDGE_", "DATABASE_URL"))}
    env.update(extra)
    if src is not None:  # the baseline tree shadows the installed (editable) one
        env["PYTHONPATH"] = str(src)
    return env


def _serve(src: Path | None, world_env: dict[str, str]) -> tuple[float, float, list[str], list[str]]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        env = _env(src, {**world_env, "DATA_DIR": data, "ANIBRIDGE_HOST": "127.0.0.1",
                         "ANIBRIDGE_PORT": str(port), "LOG_LEVEL": "warning"})
        server = subprocess.Popen([sys.executable, "-m", "anibridge.delivery.cli.main", "serve"], env=env,
                                  stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"anibridge exited with {server.returncode}")
                try:
                    if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("/health did not answer 200 within 60 s")
                time.sleep(0.1)
            time.sleep(SETTLE)
            idle = _rss_mib(server.pid)
            idle_native = _native_packages(server.pid)
            search = httpx.get(base + SEARCH, timeout=60)
            listing = httpx.get(base + LISTING, timeout=10)
            if search.status_code != 200 or b"<item>" not in search.content or listing.status_code != 200:
                raise RuntimeError(f"first requests failed: {search.status_code} {listing.status_code}")
            time.sleep(SETTLE)
            return idle, _rss_mib(server.pid), idle_native, _native_packages(server.pid)
        finally:
            server.terminate()
            server.wait(15)


def _help_times(src: Path | None) -> tuple[float, float]:
    env = _env(src, {})
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "anibridge.delivery.cli.main", "--help"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(cpu), statistics.median(wall)


def measure(src: Path | None, world_env: dict[str, str]) -> Figures:
    idle, after, idle_native, after_native = _serve(src, world_env)
    cpu, wall = _help_times(src)
    return Figures(idle, after, cpu, wall, idle_native, after_native)


def _print(label: str, f: Figures, baseline: Figures | None) -> None:
    def versus(value: float, old: float | None) -> str:
        return "" if old is None else f"  (baseline {old:.2f}, {value / old:.2f}x)"

    b = baseline
    print(f"{label}:")
    print(f"  idle RSS             {f.idle_mib:6.1f} MiB = {f.idle_mib / IDLE_LIMIT_MIB:.2f}x the {IDLE_LIMIT_MIB:.0f} MiB"
          f" limit{versus(f.idle_mib, b.idle_mib if b else None)}")
    print(f"  RSS after 1st search {f.after_requests_mib:6.1f} MiB (one Torznab search + one torrents/info)"
          f"{versus(f.after_requests_mib, b.after_requests_mib if b else None)}")
    print(f"  --help CPU           {f.help_cpu_s:6.3f} s   = {f.help_cpu_s / HELP_LIMIT_S:.2f}x the {HELP_LIMIT_S} s limit"
          f"{versus(f.help_cpu_s, b.help_cpu_s if b else None)}")
    print(f"  --help wall          {f.help_wall_s:6.3f} s   (median of {RUNS})"
          f"{versus(f.help_wall_s, b.help_wall_s if b else None)}")
    print(f"  compiled packages mapped when idle: {', '.join(f.idle_native)}")
    print(f"  ... and after the first requests:  {', '.join(f.after_native)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src/ to compare with (e.g. main)")
    args = parser.parse_args()
    with FakeWorld() as world:
        world_env = world.env()
        baseline = measure(args.baseline_src.resolve(), world_env) if args.baseline_src else None
        current = measure(None, world_env)
    if baseline is not None:
        _print(f"baseline ({args.baseline_src})", baseline, None)
    _print("this checkout", current, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
