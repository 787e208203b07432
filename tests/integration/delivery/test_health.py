"""GET /health: 200 with the version when the database answers, 503 with the reason when it does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import falcon
import falcon.asgi
import falcon.testing
import pytest

from anibridge import __version__
from anibridge.adapters.sql.database import Database
from anibridge.delivery.health import HealthResource
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
        assert ok.json == {"status": "ok", "version": __version__, "database": "ok"}
        assert (data / "anibridge.db").is_file()
        head = await conductor.simulate_head("/health")
        assert head.status_code == 200

        shutil.rmtree(data)  # the volume went away: new connections cannot open the file
        container.database().engine.dispose()
        down = await conductor.simulate_get("/health")
        assert down.status_code == 503
        body = down.json
        assert body["status"] == "error" and body["version"] == __version__
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
    import asyncio

    async def hang() -> None:
        await asyncio.sleep(30)

    app = falcon.asgi.App()
    app.add_route("/health", HealthResource(hang, timeout=0.2))
    result = await falcon.testing.ASGIConductor(app).simulate_get("/health")
    assert result.status_code == 503 and result.json["database"] == "unreachable: no answer within 0.2 s"


async def test_health_503_when_a_download_worker_died(tmp_path: Path) -> None:
    """Workers survive failing jobs; one that ended anyway (a bug) must show, not leave downloads stuck queued."""
    import asyncio

    container = create_container(load_settings({"DATA_DIR": str(tmp_path / "data"), "MAX_CONCURRENCY": "2"}))
    app = build_falcon_app(container)
    async with falcon.testing.ASGIConductor(app) as conductor:
        assert (await conductor.simulate_get("/health")).status_code == 200
        worker = next(t for t in asyncio.all_tasks() if t.get_name() == "anibridge-worker-0")
        worker.cancel()
        await asyncio.sleep(0)
        down = await conductor.simulate_get("/health")
        assert down.status_code == 503
        assert down.json["database"] == "ok" and down.json["downloads"].startswith("1 of 2 download worker(s)")
