"""GET /health: 200 with the version when the database answers, 503 with the reason when it does not."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import falcon.testing
import pytest

from anibridge import __version__
from anibridge.adapters.disk import DiskCheck, disk_state
from anibridge.adapters.sql.database import Database
from anibridge.delivery.health import CACHE_SECONDS, HealthResource
from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container

pytestmark = pytest.mark.anyio


async def test_health_ok_then_503_when_the_database_file_vanishes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    container = create_container(load_settings({"DATA_DIR": str(data)}))
    app = build_falcon_app(container)
    async with falcon.testing.ASGIConductor(app) as conductor:
        ok = await conductor.simulate_get("/health")
        assert ok.status_code == 200
        assert ok.json["status"] == "ok" and ok.json["version"] == __version__ and ok.json["database"] == "ok"
        assert ok.json["components"]["database"] == {"status": "ok"}
        assert ok.json["components"]["download_dir"]["status"] == "ok"
        assert ok.json["components"]["download_dir"]["free_bytes"] > 0
        assert (data / "anibridge.db").is_file()
        head = await conductor.simulate_head("/health")
        assert head.status_code == 200

        shutil.rmtree(data)  # the volume went away: new connections cannot open the file
        container.database().engine.dispose()
        await asyncio.sleep(CACHE_SECONDS)  # the verdict is reused for a second; then the next probe tells
        down = await conductor.simulate_get("/health")
        assert down.status_code == 503
        body = down.json
        assert body["status"] == "down" and body["version"] == __version__
        assert body["database"].startswith("unreachable: ") and "unable to open database file" in body["database"]


async def test_health_503_when_postgresql_refuses_connections() -> None:
    database = Database("postgresql://anibridge@127.0.0.1:1/none")  # nothing listens on port 1
    app = falcon.asgi.App()
    app.add_route("/health", HealthResource(database.ping))
    try:
        result = await falcon.testing.ASGIConductor(app).simulate_get("/health")
    finally:
        database.dispose()
    assert result.status_code == 503
    assert result.json["database"].startswith("unreachable: ")
    assert "refused" in result.json["database"].lower() or "connect" in result.json["database"].lower()


async def test_health_503_when_the_database_hangs() -> None:

    async def hang() -> None:
        await asyncio.sleep(30)

    app = falcon.asgi.App()
    app.add_route("/health", HealthResource(hang, timeout=0.2))
    result = await falcon.testing.ASGIConductor(app).simulate_get("/health")
    assert result.status_code == 503 and result.json["database"] == "unreachable: no answer within 0.2 s"


async def test_health_503_when_a_download_worker_died(tmp_path: Path) -> None:
    """Workers survive failing jobs; one that ended anyway (a bug) must show, not leave downloads stuck queued."""

    container = create_container(load_settings({"DATA_DIR": str(tmp_path / "data"), "MAX_CONCURRENCY": "2"}))
    app = build_falcon_app(container)
    async with falcon.testing.ASGIConductor(app) as conductor:
        assert (await conductor.simulate_get("/health")).status_code == 200
        worker = next(t for t in asyncio.all_tasks() if t.get_name() == "anibridge-worker-0")
        worker.cancel()
        await asyncio.wait([worker])  # ended (the next probe may answer without yielding to the loop)
        down = await conductor.simulate_get("/health")
        assert down.status_code == 503
        assert down.json["database"] == "ok" and down.json["downloads"].startswith("1 of 2 download worker(s)")


async def test_a_probe_storm_costs_one_round_trip_per_second_and_failures_show_after_it() -> None:
    now = [100.0]
    pings: list[float] = []
    healthy = [True]

    async def ping() -> None:
        pings.append(now[0])
        await asyncio.sleep(0)  # concurrent probes arrive while the round-trip is in flight
        if not healthy[0]:
            raise OSError("database is locked")

    app = falcon.asgi.App()
    app.add_route("/health", HealthResource(ping, cache_seconds=1.0, clock=lambda: now[0]))
    conductor = falcon.testing.ASGIConductor(app)
    results = await asyncio.gather(*(conductor.simulate_get("/health") for _ in range(20)))
    assert [r.status_code for r in results] == [200] * 20 and len(pings) == 1
    healthy[0] = False
    now[0] += 0.5
    assert (await conductor.simulate_get("/health")).status_code == 200 and len(pings) == 1  # still fresh
    now[0] += 0.6
    down = await conductor.simulate_get("/health")
    assert down.status_code == 503 and down.json["database"] == "unreachable: database is locked"
    assert len(pings) == 2
    healthy[0] = True
    assert (await conductor.simulate_get("/health")).status_code == 503  # a failure is cached as honestly
    now[0] += 1.0
    assert (await conductor.simulate_get("/health")).status_code == 200 and len(pings) == 3


async def test_health_degraded_not_503_when_free_space_is_below_the_minimum(tmp_path: Path) -> None:
    """0 bytes free used to read "ok"; a full disk is an outage the service waits out, not a restart case."""
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_MIN_FREE_MB": str(10**9)})
    app = build_falcon_app(create_container(settings))
    async with falcon.testing.ASGIConductor(app) as conductor:
        result = await conductor.simulate_get("/health")
    assert result.status_code == 200 and result.json["status"] == "degraded"
    disk = result.json["components"]["download_dir"]
    assert disk["status"] == "degraded" and "MiB free (minimum" in disk["detail"] and disk["writable"] is True


async def test_health_503_when_the_download_dir_is_not_writable(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": "/sys"})
    app = build_falcon_app(create_container(settings))
    async with falcon.testing.ASGIConductor(app) as conductor:
        result = await conductor.simulate_get("/health")
    assert result.status_code == 503 and result.json["status"] == "down"
    assert result.json["components"]["download_dir"]["detail"].startswith("not writable")


async def test_a_probe_storm_writes_one_test_file_per_second_and_a_vanished_directory_shows_after_it(
        tmp_path: Path) -> None:
    """The download directory's check (mkdir, statvfs, a test file written and removed, on a thread) is shared like
    the database's: at most a second old, one run for the concurrent probes."""
    now = [100.0]
    downloads = tmp_path / "downloads"
    runs: list[float] = []

    def counted() -> dict[str, Any]:
        runs.append(now[0])
        return disk_state(DiskCheck(downloads, 0))

    async def ping() -> None:
        return None

    health = HealthResource(ping, disk=counted, cache_seconds=1.0, clock=lambda: now[0])
    app = falcon.asgi.App()
    app.add_route("/health", health)
    conductor = falcon.testing.ASGIConductor(app)
    results = await asyncio.gather(*(conductor.simulate_get("/health") for _ in range(20)))
    assert [r.json["components"]["download_dir"]["status"] for r in results] == ["ok"] * 20
    assert runs == [100.0]
    shutil.rmtree(downloads)
    downloads.write_text("a file where the directory was")  # the volume is gone: mkdir cannot make it again
    now[0] += 0.5
    fresh = await conductor.simulate_get("/health")
    assert fresh.status_code == 200 and runs == [100.0]  # still the verdict of half a second ago
    now[0] += 0.6
    down = await conductor.simulate_get("/health")
    assert down.status_code == 503 and runs == [100.0, 101.1]
    assert down.json["components"]["download_dir"]["detail"].startswith("not accessible")
