"""/health under a probe storm: requests/s and server CPU per request, a database round-trip per call vs the
cached verdict.

Run: `.venv/bin/python bench/health.py [--clients 16] [--seconds 5]`. Two servers in turn, each the real app
(`build_app`, SQLite, 3 workers) under uvicorn in a child process: "per call" sets the health resource's cache
to 0 s (the former behaviour: one database query and one download-directory check per request), "cached" keeps the shipped 1 s. The client is a
raw-socket keep-alive loop in this process (lighter than an HTTP library, so it is less often the bottleneck).
Prints requests/s and the server's CPU milliseconds per request (from /proc, so machine load does not inflate it
as much as wall time). Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, cache_seconds: float, data_dir: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import uvicorn

    from anibridge.delivery.health import HealthResource
    from anibridge.settings import load_settings
    from anibridge.wiring.app import build_app
    from anibridge.wiring.container import create_container
    from anibridge.wiring.database import migrate

    settings = load_settings({"DATA_DIR": data_dir, "MAX_CONCURRENCY": "3", "LOG_LEVEL": "warning"})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings)
    app = build_app(create_container(settings))
    for obj in gc.get_objects():  # the route's resource, built inside build_app
        if isinstance(obj, HealthResource) and cache_seconds == 0:  # bench-only: the former behaviour
            obj._database._seconds = 0.0  # noqa: SLF001 - a query per call (concurrent probes shared one then too)
            if obj._disk_state is not None:  # noqa: SLF001 - the directory tested by every call on its own
                obj._disk_state.get = obj._disk_state._run  # type: ignore[method-assign]  # noqa: SLF001
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


async def storm(port: int, clients: int, seconds: float) -> tuple[int, int]:
    """(ok responses, other responses) from `clients` keep-alive connections during `seconds`."""
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    deadline = time.monotonic() + seconds
    counts = [0, 0]

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                counts[0 if head.startswith(b"HTTP/1.1 200") else 1] += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return counts[0], counts[1]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def run_one(label: str, cache_seconds: float, clients: int, seconds: float) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="anibridge-bench-health-") as data:
        child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(cache_seconds), data])
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    ok, _ = asyncio.run(storm(port, 1, 0.01))
                    if ok:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start")
                time.sleep(0.1)
            asyncio.run(storm(port, clients, 1.0))  # warm-up
            ticks = cpu_ticks(child.pid)
            started = time.monotonic()
            ok, bad = asyncio.run(storm(port, clients, seconds))
            elapsed = time.monotonic() - started
            cpu = (cpu_ticks(child.pid) - ticks) / os.sysconf("SC_CLK_TCK")
            total = ok + bad
            print(f"  {label:<28} {total / elapsed:8.0f} req/s   server CPU {1000 * cpu / max(1, total):.3f} ms/req"
                  f"   ({ok} ok, {bad} not ok)", flush=True)
        finally:
            child.terminate()
            child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), float(args.serve[1]), args.serve[2])
        return
    print(f"/health, {args.clients} keep-alive clients, {args.seconds:g} s each (load avg "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    run_one("per call (cache 0 s, before)", 0.0, args.clients, args.seconds)
    run_one("cached 1 s (now)", 1.0, args.clients, args.seconds)


if __name__ == "__main__":
    main()
