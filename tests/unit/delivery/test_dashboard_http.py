"""The dashboard over HTTP, in process, on in-memory repositories: login (one session for the dashboard and
the qBittorrent API), CSRF and Origin checks, escaping, the Content-Security-Policy, safe redirects, and the
queue actions and a grab going through the real use cases."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import falcon.asgi
import httpx
import pytest

from anibridge.delivery.dashboard import DashboardParts, register
from anibridge.delivery.qbittorrent import register as register_qbit
from anibridge.domain.catalog.identity import Language, Site
from anibridge.domain.catalog.lookup import TitleLookup
from anibridge.domain.jobs.records import JobState
from anibridge.ports.catalog import EpisodeListing, SeriesDetail, SeriesEntry
from anibridge.settings import Settings, describe
from anibridge.wiring.dashboard import release_namer, session_auth, setup_sections
from tests.unit.qbittorrent.world import World, build_world, magnet

pytestmark = pytest.mark.anyio
BASE = "http://127.0.0.1:8000"


class _Catalog:
    site = Site.ANIWORLD

    async def index(self) -> Sequence[SeriesEntry]:
        return [SeriesEntry(Site.ANIWORLD, "dark-<b>", "Dark <b>bold</b>")]

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        return []

    async def series(self, slug: str) -> SeriesDetail:
        return SeriesDetail(Site.ANIWORLD, slug, "Dark <b>bold</b>", seasons=(1,))

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        return [EpisodeListing(1, n, title_de=f"Folge {n}", languages=(Language.GERMAN_DUB,)) for n in (1, 2, 3)]


async def _health() -> dict[str, Any]:
    return {"status": "degraded", "components": [
        {"name": "s.to", "status": "down", "detail": "HTTP 503 <i>", "last_contact": None}]}


def _app(world: World, settings: Settings) -> falcon.asgi.App[Any, Any]:
    authorized, log_in, log_out = session_auth(world.ctx.sessions)
    catalogs = {Site.ANIWORLD: _Catalog()}
    parts = DashboardParts(
        authorized=authorized, login_required=not world.ctx.sessions.open, log_in=log_in, log_out=log_out,
        health_snapshot=_health, torrents=world.service, jobs=world.jobs, scheduler=world.scheduler,
        lookup=TitleLookup(catalogs), catalogs=catalogs,  # type: ignore[arg-type]
        release_name=release_namer(settings), setup=lambda base: setup_sections(settings, base),
        checks=lambda: [("database", _ok)], settings_rows=describe(settings), csrf_secret=b"k" * 32,
    )
    app: falcon.asgi.App[Any, Any] = falcon.asgi.App()
    app.resp_options.secure_cookies_by_default = False
    register_qbit(app, world.ctx)
    register(app, parts)
    return app


async def _ok() -> str:
    return "sqlite"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path, username="admin", password="pw")


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(qbit_username="admin", qbit_password="pw", notify_urls="discord://123/secret-token")  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=_app(world, settings))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, html[:500]
    return found.group(1)


async def _login(client: httpx.AsyncClient, password: str = "pw", next_: str = "/") -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"csrf": _csrf(page.text), "username": "admin", "password": password,
                                             "next": next_})


async def test_pages_need_a_login_and_one_session_serves_dashboard_and_api(client: httpx.AsyncClient) -> None:
    r = await client.get("/queue", headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fqueue"
    assert (await client.get("/queue/events")).status_code == 403
    assert (await client.get("/api/v2/torrents/info")).status_code == 403
    refused = await _login(client, "wrong")
    assert refused.status_code == 403 and "Wrong user name or password" in refused.text
    assert "SID" not in client.cookies
    ok = await _login(client, next_="/queue")
    assert ok.status_code == 303 and ok.headers["location"] == "/queue"
    assert (await client.get("/queue")).status_code == 200
    assert (await client.get("/api/v2/torrents/info")).status_code == 200  # the same SID cookie


async def test_login_never_redirects_off_site(client: httpx.AsyncClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        r = await _login(client, next_=target)
        assert r.headers["location"] == "/", target


async def test_forms_need_the_csrf_token_and_this_origin(client: httpx.AsyncClient, world: World) -> None:
    await _login(client)
    await world.service.add(_add(1))
    (task,) = await world.service.resolve("all")
    page = await client.get("/queue")
    token = _csrf(page.text)
    form = {"key": f"t:{task.hash}", "action": "delete"}
    assert (await client.post("/queue/action", data=form)).status_code == 403
    assert (await client.post("/queue/action", data=form | {"csrf": "0" * 64})).status_code == 403
    foreign = await client.post("/queue/action", data=form | {"csrf": token}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert await world.service.resolve("all")  # nothing happened
    same = await client.post("/queue/action", data=form | {"csrf": token}, headers={"Origin": BASE})
    assert same.status_code == 303
    assert not await world.service.resolve("all")


async def test_every_value_is_escaped_and_responses_carry_the_csp(client: httpx.AsyncClient) -> None:
    await _login(client)
    r = await client.get("/search", params={"q": "Dark <script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    r = await client.get("/search", params={"q": "Dark bold"})
    assert "<b>bold</b>" not in r.text and "Dark &lt;b&gt;bold&lt;/b&gt;" in r.text
    assert 'slug=dark-%3Cb%3E"' in r.text
    overview = await client.get("/")
    assert "HTTP 503 &lt;i&gt;" in overview.text
    for path in ("/", "/search", "/static/app.js", "/login"):
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in (await client.get("/api/v2/app/version")).headers
    assert re.search(r"<script>|<style>| style=| on\w+=", (await client.get("/queue")).text) is None


async def test_grab_a_season_and_retry_a_failed_task(client: httpx.AsyncClient, world: World) -> None:
    await _login(client)
    show = await client.get("/search/show", params={"site": "aniworld.to", "slug": "dark-b"})
    assert show.status_code == 200 and 'data-episode="3"' in show.text
    r = await client.post("/search/grab", data={
        "csrf": _csrf(show.text), "site": "aniworld.to", "slug": "dark-b", "title": "Dark", "season": "1",
        "episode": "all", "language": "German Dub", "mode": "strm"})
    assert r.status_code == 303 and r.headers["location"] == "/queue?msg=added"
    tasks = sorted(await world.service.resolve("all"), key=lambda t: t.ref.episode)
    assert [t.ref.episode for t in tasks] == [1, 2, 3]
    assert tasks[0].name == "Dark.S01E01.SD.WEB-DL.H264.GER.STRM-ANIWORLD"
    await world.finish(tasks[0].hash, fail="every hoster failed: VOE 503")
    queue = await client.get("/queue")
    assert "every hoster failed: VOE 503" in queue.text
    old_job = tasks[0].job_id
    r = await client.post("/queue/action", data={"csrf": _csrf(queue.text), "key": f"t:{tasks[0].hash}",
                                                 "action": "retry"})
    assert r.status_code == 303
    task = await world.service.get(tasks[0].hash)
    assert task.job_id != old_job
    job = await world.jobs.get(task.job_id or "")
    assert job is not None and job.state is JobState.QUEUED


async def test_bad_input_is_a_page_not_a_500(client: httpx.AsyncClient) -> None:
    await _login(client)
    assert (await client.get("/search/show", params={"site": "nowhere", "slug": "x"})).status_code == 404
    page = await client.get("/queue")
    r = await client.post("/search/grab", data={"csrf": _csrf(page.text), "site": "aniworld.to", "slug": "x",
                                                "season": "abc", "episode": "1", "language": "Klingon"})
    assert r.status_code == 303 and "error=" in r.headers["location"]
    r = await client.post("/queue/action", data={"csrf": _csrf(page.text), "key": "nonsense", "action": "retry"})
    assert r.status_code == 303 and "error=" in r.headers["location"]


async def test_setup_and_settings(client: httpx.AsyncClient) -> None:
    await _login(client)
    setup = await client.get("/setup")
    assert f"{BASE}/torznab" in setup.text and "tv-sonarr" in setup.text
    tested = await client.post("/setup", data={"csrf": _csrf(setup.text), "check": "database"})
    assert "sqlite (" in tested.text
    settings = (await client.get("/settings")).text
    assert "QBIT_PASSWORD" in settings and ">pw<" not in settings
    assert "discord://123/********" in settings and "secret-token" not in settings


def _add(episode: int) -> Any:
    from anibridge.domain.qbittorrent.service import AddRequest

    return AddRequest(urls=[magnet(episode)])


async def test_behind_a_reverse_proxy(client: httpx.AsyncClient, world: World) -> None:
    """The proxy rewrote Host: the public name in X-Forwarded-Host passes the Origin check and is what Setup shows."""
    proxy = {"X-Forwarded-Host": "media.example.org", "X-Forwarded-Proto": "https"}
    await _login(client)
    setup = await client.get("/setup", headers=proxy)
    assert "https://media.example.org/torznab" in setup.text
    await world.service.add(_add(2))
    (task,) = await world.service.resolve("all")
    r = await client.post("/queue/action", headers=proxy | {"Origin": "https://media.example.org"},
                          data={"csrf": _csrf(setup.text), "key": f"t:{task.hash}", "action": "delete"})
    assert r.status_code == 303 and not await world.service.resolve("all")
