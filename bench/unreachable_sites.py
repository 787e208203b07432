"""Torznab Test/RSS requests (`t=search` without `q`) per second while every site is unreachable.

Starts `anibridge serve` twice against sites on a dead loopback port (connection refused, as for a DNS block):
once with SITE_RETRY_SECONDS=0 (every request asks every site again: the behaviour before the circuit breaker)
and once with the default breaker, and prints both rates and their ratio, measured in the same run, plus the ceiling:
the rate of the server's cheapest route (the qBittorrent version probe) with the same clients.

    .venv/bin/python bench/unreachable_sites.py [seconds per run, default 5] [concurrent clients, default 4]
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import start_server  # noqa: E402 - the same launcher the end-to-end tests use

DEAD = "http://127.0.0.1:1"


def _rate(base_url: str, seconds: float, clients: int, path: str = "/torznab/api",
          params: dict[str, str] | None = None) -> tuple[float, float, set[str]]:
    done = [0] * clients
    kinds: set[str] = set()
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as c:
            while time.monotonic() < stop:
                t0 = time.monotonic()
                r = c.get(path, params={"t": "search"} if params is None else params)
                latencies.append(time.monotonic() - t0)
                kinds.add("error" if b"<error" in r.content else "feed")
                done[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return sum(done) / elapsed, latencies[len(latencies) // 2] * 1000 if latencies else 0.0, kinds


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    env = {"ANIWORLD_BASE_URL": DEAD, "STO_BASE_URL": DEAD, "MEGAKINO_BASE_URL": DEAD,
           "MEGAKINO_MIRRORS_URL": f"{DEAD}/mirrors.txt", "SKYHOOK_BASE_URL": DEAD, "LOG_LEVEL": "warning"}
    results = {}
    for label, retry in (("no breaker (SITE_RETRY_SECONDS=0)", "0"), ("breaker (default)", "10")):
        with tempfile.TemporaryDirectory() as tmp:
            handle = start_server(env | {"SITE_RETRY_SECONDS": retry}, Path(tmp) / "data")
            try:
                _rate(handle.base_url, 1.0, 1)  # warm-up: first contact with each site
                results[label] = _rate(handle.base_url, seconds, clients)
                if retry != "0":  # the ceiling: the cheapest route of the same server, same clients
                    results["ceiling (GET /api/v2/app/webapiVersion)"] = _rate(
                        handle.base_url, seconds, clients, "/api/v2/app/webapiVersion", {})
            finally:
                handle.stop()
    for label, (rate, median_ms, kinds) in results.items():
        print(f"{label:<36} {rate:8.1f} req/s  median {median_ms:7.1f} ms  answers: {', '.join(sorted(kinds))}")
    before, after, ceiling = (r[0] for r in results.values())
    print(f"ratio breaker / no breaker: {after / before:.1f}x; breaker / ceiling: {after / ceiling:.2f} "
          f"({clients} clients, {seconds:g} s each)")


if __name__ == "__main__":
    main()
