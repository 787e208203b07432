"""Legacy JSON job API through Falcon's ASGIConductor (one lifespan around many requests)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import falcon.asgi
import falcon.testing
import pytest

from anibridge.delivery.app import Lifespan
from anibridge.delivery.auth import AccessPolicy
from anibridge.delivery.jobs import resource as job_api
from anibridge.delivery.sessions import Sessions
from tests.integration.jobs.test_scheduler import World, build

pytestmark = pytest.mark.anyio


async def _app(world: World) -> falcon.asgi.App[Any, Any]:
    app: falcon.asgi.App[Any, Any] = falcon.asgi.App()
    app.add_middleware(Lifespan([(world.scheduler.start, world.scheduler.stop)]))
    open_access = AccessPolicy(Sessions("", ""))  # no credentials configured: the login check lets all pass
    job_api.register(app, world.jobs, world.scheduler, open_access)
    # fast event polling for tests
    app.add_route("/jobs/{job_id}/events", job_api.JobEventsResource(world.jobs, open_access, poll_seconds=0.02))
    return app


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[falcon.testing.ASGIConductor, World]]:
    world = build(tmp_path, gate=threading.Event())
    async with falcon.testing.ASGIConductor(await _app(world)) as conductor:
        yield conductor, world


BODY = {"slug": "kaguya-sama", "season": 1, "episode": 3, "language": "German Sub", "site": "aniworld",
        "provider": "filemoon", "title_hint": "Kaguya.S01E03.GER.SUB-ANIWORLD"}


async def _wait_status(c: falcon.testing.ASGIConductor, job_id: str, status: str) -> dict[str, Any]:
    for _ in range(500):
        r = await c.simulate_get(f"/jobs/{job_id}")
        if r.json["status"] == status:
            return dict(r.json)
        await asyncio.sleep(0.01)
    raise AssertionError(f"job never reached {status}: {r.json}")


async def test_download_runs_and_reports(client: tuple[falcon.testing.ASGIConductor, World]) -> None:
    c, world = client
    assert world.downloader.gate is not None
    world.downloader.gate.set()
    r = await c.simulate_post("/downloader/download", json=BODY)
    assert r.status_code == 200 and set(r.json) == {"job_id"}
    job = await _wait_status(c, r.json["job_id"], "completed")
    assert job["progress"] == 100.0 and job["provider"] == "Filemoon"
    assert job["result_path"].endswith("Kaguya.S01E03.GER.SUB-ANIWORLD.mp4")
    assert {"id", "status", "progress", "downloaded_bytes", "total_bytes", "speed", "eta", "message",
            "result_path"} <= set(job)


@pytest.mark.parametrize("body, reason", [
    ({"season": 1, "episode": 1}, "slug (or link) is required"),
    ({**BODY, "season": -1}, "season"),
    ({**BODY, "episode": "x"}, "episode"),
    ({**BODY, "language": "Klingon"}, "unknown language"),
    ({**BODY, "site": "example.com"}, "unknown site"),
    ({**BODY, "provider": "YouTube"}, "unknown provider"),
    ({**BODY, "mode": "torrent"}, "mode"),
    ([1, 2], "JSON object"),
])
async def test_bad_requests_get_422_with_reason(client: tuple[falcon.testing.ASGIConductor, World],
                                                body: object, reason: str) -> None:
    c, _ = client
    r = await c.simulate_post("/downloader/download", json=body)
    assert r.status_code == 422 and reason in r.json["description"]


async def test_malformed_json_is_422(client: tuple[falcon.testing.ASGIConductor, World]) -> None:
    c, _ = client
    r = await c.simulate_post("/downloader/download", body=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 422


async def test_unknown_job_is_404(client: tuple[falcon.testing.ASGIConductor, World]) -> None:
    c, _ = client
    for method in ("GET", "DELETE"):
        r = await c.simulate_request(method, "/jobs/" + "0" * 32)
        assert r.status_code == 404 and r.json == {"detail": "job not found"}
    assert (await c.simulate_get("/jobs/" + "0" * 32 + "/events")).status_code == 404


async def test_delete_running_job_cancels_it(client: tuple[falcon.testing.ASGIConductor, World]) -> None:
    c, world = client
    r = await c.simulate_post("/downloader/download", json=BODY)
    job_id = r.json["job_id"]
    await asyncio.to_thread(world.downloader.started.wait, 5)
    d = await c.simulate_delete(f"/jobs/{job_id}")
    assert d.json["status"] == "cancelling"
    job = await _wait_status(c, job_id, "cancelled")
    assert job["message"] == "Cancelled by user"
    again = await c.simulate_delete(f"/jobs/{job_id}")
    assert again.json["status"] == "cancelled"


async def test_events_stream_json_until_terminal(client: tuple[falcon.testing.ASGIConductor, World]) -> None:
    c, world = client
    assert world.downloader.gate is not None
    r = await c.simulate_post("/downloader/download", json={**BODY, "mode": "strm"})
    # Read the stream as a client does, until the server ends it: a plain simulate_get disconnects as soon as
    # the request is sent, which ended the stream early whenever the machine was slow.
    text = b""
    async with c.simulate_get_stream(f"/jobs/{r.json['job_id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for _ in range(1000):  # bounded: at most ~10 s on a loaded machine
            text += await stream.stream.read()
            if b'"status":"completed"' in text:
                break
            await asyncio.sleep(0.01)
    events = [json.loads(line[5:]) for line in text.decode().splitlines() if line.startswith("data:")]
    assert events and events[-1]["status"] == "completed" and events[-1]["mode"] == "strm"
    assert len(events) == len({json.dumps(e) for e in events})  # only changes are sent


async def test_events_stop_when_the_client_disconnects(client: tuple[falcon.testing.ASGIConductor, World]) -> None:
    c, world = client
    r = await c.simulate_post("/downloader/download", json=BODY)
    job_id = r.json["job_id"]
    await asyncio.to_thread(world.downloader.started.wait, 5)
    async with c.simulate_get_stream(f"/jobs/{job_id}/events") as stream:
        first = await stream.stream.read()
        assert b"data:" in first
    # leaving the block disconnected the client; the job itself keeps running
    current = await world.jobs.get(job_id)
    assert current is not None and not current.state.is_terminal


@pytest.mark.parametrize("link, expected", [
    ("https://aniworld.to/anime/stream/kaguya-sama/staffel-2/episode-5", ("aniworld.to", "kaguya-sama", 2, 5)),
    ("https://aniworld.to/anime/stream/kaguya-sama/filme/film-3", ("aniworld.to", "kaguya-sama", 0, 3)),
    ("https://s.to/serie/9-1-1/staffel-1/episode-2", ("s.to", "9-1-1", 1, 2)),
])
def test_link_is_accepted_instead_of_slug(link: str, expected: tuple[str, str, int, int]) -> None:
    ref, _mode, _title, _provider = job_api.parse_download_request({"link": link})
    assert (ref.site.value, ref.slug, ref.season, ref.episode) == expected


def test_link_that_is_not_an_episode_is_rejected() -> None:
    with pytest.raises(falcon.HTTPUnprocessableEntity):
        job_api.parse_download_request({"link": "https://aniworld.to/support"})


@pytest.mark.parametrize("title_hint", ["Kaguya.S01E03.GER.SUB-ANIWORLD", None])
async def test_an_episode_already_on_disk_is_not_fetched_again(
    client: tuple[falcon.testing.ASGIConductor, World], title_hint: str | None
) -> None:
    """Asking twice for the same episode gave `name.2.mp4`, `name.3.mp4`…: now the second job adopts the file."""
    c, world = client
    assert world.downloader.gate is not None
    world.downloader.gate.set()
    body = {k: v for k, v in {**BODY, "title_hint": title_hint}.items() if v is not None}
    first = await _wait_status(c, (await c.simulate_post("/downloader/download", json=body)).json["job_id"],
                               "completed")
    second = await _wait_status(c, (await c.simulate_post("/downloader/download", json=body)).json["job_id"],
                                "completed")
    assert second["result_path"] == first["result_path"]
    assert len(world.downloader.calls) == 1
    assert [p.name for p in world.root.iterdir() if p.suffix == ".mp4"] == [Path(first["result_path"]).name]
