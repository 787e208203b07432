"""qBittorrent API benchmark: torrents/info and sync/maindata latency at 100, 1,000 and 5,000 tasks.

Run: `.venv/bin/python bench/qbittorrent.py [--sizes 100,1000,5000] [--repeat 30]`.
Seeds a fresh SQLite database through the real SQL repositories (3 downloading per 1,000, 5 % queued, 3 %
failed, the rest completed), then calls the Falcon app in-process over ASGI (httpx.ASGITransport: app + use cases + SQL, no
socket; `--http` serves it on uvicorn over loopback TCP instead, as Sonarr sees it). Prints the median and p95 per request kind, and add→visible: the time from POSTing a new magnet to it
appearing in torrents/info?hashes=… (the endpoint Sonarr polls). Targets: < 50 ms at 5,000 tasks, add→visible
< 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import falcon.asgi
import httpx
import uvicorn

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.repos import SqlClientTaskRepo, SqlJobRepo
from anibridge.delivery.qbittorrent import QbitContext, register
from anibridge.delivery.qbittorrent.auth import Sessions
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.qbittorrent.listing import TorrentListing
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.qbittorrent.service import (
    ClientConfig,
    TorrentService,
)
from anibridge.domain.qbittorrent.sync import MainDataSync
from anibridge.domain.releases.magnets import (
    build_magnet,
    infohash,
)


def _state_for(n: int) -> JobState:
    """A busy but realistic library: 3 downloading (MAX_CONCURRENCY), 5 % queued, 3 % failed, rest completed."""
    if n % 1000 in (7, 507, 907):
        return JobState.DOWNLOADING
    if n % 20 == 1:
        return JobState.QUEUED
    if n % 33 == 2:
        return JobState.FAILED
    return JobState.COMPLETED


async def seed(tasks: SqlClientTaskRepo, jobs: SqlJobRepo, start: int, count: int, root: Path) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(start, start + count):
        ref = EpisodeRef(Site.ANIWORLD, f"show-{n // 24}", 1 + (n % 24) // 12, 1 + n % 12, Language.GERMAN_DUB)
        title = f"Show.{n // 24}.S{ref.season:02d}E{ref.episode:02d}.1080p.WEB.H264.GER-ANIWORLD"
        state = _state_for(n)
        job = Job(id=f"{n:032x}", ref=ref, mode=JobMode.DOWNLOAD, release_title=title, state=state,
                  downloaded_bytes=5_000_000 if state is JobState.DOWNLOADING else 0, total_bytes=10_000_000,
                  speed=1_000_000.0 if state is JobState.DOWNLOADING else None, eta=5,
                  result_path=str(root / f"{title}.mp4") if state is JobState.COMPLETED else None)
        await jobs.add(job)
        await tasks.upsert(ClientTask(hash=infohash(ref.slug, ref.season, ref.episode, ref.language), name=title,
                                      ref=ref, added_on=base + timedelta(seconds=n), job_id=job.id,
                                      category="tv-sonarr", priority=n))


async def timed(fn: Callable[[], Awaitable[httpx.Response]], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = await fn()
        samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


async def curl_timed(url: str, repeat: int) -> tuple[float, float, int]:
    """curl's own time_total per request (its start-up excluded), and the body size."""
    samples = []
    size = 0
    for _ in range(repeat):
        proc = await asyncio.create_subprocess_exec(
            "curl", "-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", url,
            stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        total, _, got = out.decode().partition(" ")
        samples.append(float(total) * 1000)
        size = int(got)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], size


async def main(sizes: list[int], repeat: int, http: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = Database(f"sqlite:///{root / 'bench.db'}")
        await db.startup()
        clock = SystemClock()
        tasks, jobs = SqlClientTaskRepo(db), SqlJobRepo(db, clock)
        config = ClientConfig(download_dir=str(root), public_save_path="/downloads")
        service = TorrentService(tasks, jobs, JobScheduler(jobs, clock), clock, config)
        listing = TorrentListing(tasks, jobs, clock, config)
        ctx = QbitContext(service, listing, MainDataSync(), Sessions("", ""), root)
        app: falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response] = falcon.asgi.App()
        register(app, ctx)
        transport: httpx.AsyncBaseTransport | None = None
        base_url = "http://bench/api/v2"
        server: uvicorn.Server | None = None
        if http:
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                   lifespan="off"))
            serving = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            base_url = f"http://127.0.0.1:{port}/api/v2"
        else:
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        seeded = 0
        print(f"# {'over HTTP (uvicorn, loopback)' if http else 'in-process ASGI'}")
        print(f"{'tasks':>6} {'request':<28} {'median ms':>10} {'p95 ms':>8}")
        async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=60) as c:
            for size in sizes:
                t0 = time.perf_counter()
                await seed(tasks, jobs, seeded, size - seeded, root)
                seeded = size
                print(f"# seeded {size} tasks in {time.perf_counter() - t0:.1f} s")
                rid = (await c.get("/sync/maindata", params={"rid": 0})).json()["rid"]

                async def incremental() -> httpx.Response:
                    nonlocal rid
                    r = await c.get("/sync/maindata", params={"rid": rid})
                    rid = r.json()["rid"]
                    return r

                cases: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]] = [
                    ("torrents/info", lambda: c.get("/torrents/info")),
                    ("torrents/info?category=", lambda: c.get("/torrents/info", params={"category": "tv-sonarr"})),
                    ("sync/maindata full", lambda: c.get("/sync/maindata", params={"rid": 0})),
                    ("sync/maindata incremental", incremental),
                ]
                for name, fn in cases:
                    med, p95 = await timed(fn, repeat)
                    print(f"{size:>6} {name:<28} {med:>10.1f} {p95:>8.1f}")
                if http and shutil.which("curl"):
                    # The same requests from a native client: what the server costs without httpx's own reading.
                    for name, path in (("torrents/info (curl)", "/torrents/info"),
                                       ("sync/maindata full (curl)", "/sync/maindata?rid=0")):
                        med, p95, size_bytes = await curl_timed(base_url + path, repeat)
                        print(f"{size:>6} {name:<28} {med:>10.1f} {p95:>8.1f}   body {size_bytes / 1e6:.1f} MB")
                # Worst common case: something changed since the last poll (new version, caches miss).
                some = infohash("show-0", 1, 2, Language.GERMAN_DUB)
                for label, path, params in (("torrents/info after change", "/torrents/info", {}),
                                            ("maindata incr. after change", "/sync/maindata", None)):
                    samples = []
                    for n in range(repeat):
                        await service.set_share_limits(some, float(n % 3), -2)
                        t0 = time.perf_counter()
                        r = await c.get(path, params=params if params is not None else {"rid": rid})
                        samples.append((time.perf_counter() - t0) * 1000)
                        if params is None:
                            rid = r.json()["rid"]
                    samples.sort()
                    print(f"{size:>6} {label:<28} {statistics.median(samples):>10.1f} "
                          f"{samples[int(len(samples) * 0.95) - 1]:>8.1f}")
                visible = []
                for n in range(repeat):
                    ref = EpisodeRef(Site.STO, f"fresh-{size}", 1, n + 1, Language.GERMAN_SUB)
                    uri = build_magnet(ref, f"Fresh.{size}.S01E{n + 1:02d}.1080p.WEB.H264.GER.SUB-STO", provider="VOE")
                    hash_ = infohash(ref.slug, ref.season, ref.episode, ref.language)
                    t0 = time.perf_counter()
                    assert (await c.post("/torrents/add", data={"urls": uri, "category": "tv-sonarr"})).text == "Ok."
                    while not (await c.get("/torrents/info", params={"hashes": hash_})).json():
                        pass
                    visible.append((time.perf_counter() - t0) * 1000)
                print(f"{size:>6} {'add -> visible':<28} {statistics.median(visible):>10.1f} "
                      f"{sorted(visible)[int(len(visible) * 0.95) - 1]:>8.1f}")
                await service.delete([infohash(f"fresh-{size}", 1, n + 1, Language.GERMAN_SUB) for n in range(repeat)],
                                     delete_files=False)
        if server is not None:
            server.should_exit = True
            await serving
        await db.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--http", action="store_true", help="serve on uvicorn and measure over loopback TCP")
    args = parser.parse_args()
    asyncio.run(main([int(s) for s in args.sizes.split(",")], args.repeat, args.http))
