"""One login for every route that changes or reveals state, qBittorrent's CSRF/Host checks and its IP ban.

Regressions (an attack of every surface from the LAN): the JSON job API answered anyone although credentials
were set; a foreign page could POST torrents/delete (Origin: http://evil.example); 60 wrong passwords were
tried in 2.7 s and then the right one accepted; every login created a session even with nothing configured;
with two SID cookies only the first counted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import falcon.testing
import pytest

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.releases.magnets import build_magnet
from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container
from tests.integration.security.conftest import OFFLINE

pytestmark = pytest.mark.anyio

KEY = "k3y-of-32-chars-0123456789abcdef"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MAGNET = build_magnet(EpisodeRef(Site.ANIWORLD, "frieren", 1, 1, Language.GERMAN_DUB),
                      "Frieren.S01E01.1080p.WEB.H264.GER-ANIWORLD", provider="VOE")


def _conductor(tmp_path: Path, env: Mapping[str, str]) -> falcon.testing.ASGIConductor:
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), **OFFLINE, **env})
    return falcon.testing.ASGIConductor(build_falcon_app(create_container(settings)))


@pytest.fixture
async def locked(tmp_path: Path) -> AsyncIterator[falcon.testing.ASGIConductor]:
    env = {"QBIT_USERNAME": "admin", "QBIT_PASSWORD": "secret", "QBIT_API_KEY": KEY}
    async with _conductor(tmp_path, env) as client:
        yield client


@pytest.fixture
async def open_app(tmp_path: Path) -> AsyncIterator[falcon.testing.ASGIConductor]:
    async with _conductor(tmp_path, {}) as client:
        yield client


def at(host: str, port: int | None = None) -> dict[str, object]:
    """Falcon's test client always adds its own Host header; its `host`/`port` arguments replace it."""
    return {"host": host, "port": port}


async def _login(client: falcon.testing.ASGIConductor, password: str = "secret",
                 remote_addr: str = "10.0.0.9") -> falcon.testing.Result:
    return await client.simulate_post("/api/v2/auth/login", body=f"username=admin&password={password}",
                                      headers=FORM, remote_addr=remote_addr)


JOB_BODY = {"slug": "frieren", "season": 1, "episode": 1}


async def test_job_api_needs_the_same_login_as_the_qbittorrent_api(locked: falcon.testing.ASGIConductor) -> None:
    for method, path in (("POST", "/downloader/download"), ("GET", "/jobs/x"), ("DELETE", "/jobs/x"),
                         ("GET", "/jobs/x/events")):
        result = await locked.simulate_request(method, path, json=JOB_BODY if method == "POST" else None)
        assert result.status_code == 403, (method, path, result.text)
        assert result.json["title"] == "Forbidden" and "log in" in result.json["description"]
    basic = {"Authorization": "Basic YWRtaW46c2VjcmV0"}  # admin:secret — not a credential here
    assert (await locked.simulate_get("/jobs/x", headers=basic)).status_code == 403
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert (await locked.simulate_get("/jobs/x", headers=bearer)).status_code == 404
    sid = (await _login(locked)).cookies["SID"].value
    assert (await locked.simulate_get("/jobs/x", cookies={"SID": sid})).status_code == 404
    created = await locked.simulate_post("/downloader/download", json=JOB_BODY, cookies={"SID": sid})
    assert created.status_code == 200 and created.json["job_id"]
    # Torznab and /health keep their own rules.
    assert (await locked.simulate_get("/health")).status_code == 200
    assert b"<caps" in (await locked.simulate_get("/torznab/api", params={"t": "caps"})).content


async def test_open_configuration_stays_open_without_sessions(open_app: falcon.testing.ASGIConductor) -> None:
    assert (await open_app.simulate_get("/jobs/x")).status_code == 404
    login = await open_app.simulate_post("/api/v2/auth/login", body="username=a&password=b", headers=FORM)
    assert login.text == "Ok." and "SID" not in login.cookies  # nothing to prove: no session, no cookie
    assert (await open_app.simulate_get("/api/v2/torrents/info")).json == []


@pytest.mark.parametrize("header", [{"Origin": "http://evil.example"}, {"Referer": "http://evil.example/x.html"},
                                    {"Origin": "http://localhost:8001"}, {"Origin": "null"}])
async def test_cross_site_requests_are_refused_like_qbittorrent(
    open_app: falcon.testing.ASGIConductor, header: dict[str, str]
) -> None:
    add = await open_app.simulate_post("/api/v2/torrents/add", params={"urls": MAGNET, "category": "sonarr"},
                                       **at("localhost", 8000))
    assert add.status_code == 200
    delete = await open_app.simulate_post("/api/v2/torrents/delete", body="hashes=all&deleteFiles=true",
                                          headers={**FORM, **header}, **at("localhost", 8000))
    assert (delete.status_code, delete.text) == (401, "Unauthorized")
    job = await open_app.simulate_post("/downloader/download", json=JOB_BODY, headers=header,
                                       **at("localhost", 8000))
    assert job.status_code == 401 and "cross-site" in job.json["description"]
    assert len((await open_app.simulate_get("/api/v2/torrents/info")).json) == 1


async def test_same_origin_and_header_less_clients_pass(open_app: falcon.testing.ASGIConductor) -> None:
    for where, headers in ((at("nas.lan", 8000), {"Origin": "http://nas.lan:8000"}),
                           (at("nas.lan", 443), {"Referer": "https://nas.lan/ui"}),
                           (at("127.0.0.1", 8000), {"X-Forwarded-Host": "media.example.org",
                                                    "Origin": "https://media.example.org"}),
                           (at("nas.lan", 8000), {})):
        result = await open_app.simulate_get("/api/v2/torrents/info", headers=headers, **where)
        assert result.status_code == 200, (where, headers)


async def test_host_header_validated_against_the_domain_list(tmp_path: Path) -> None:
    env = {"WEB_UI_DOMAIN_LIST": "nas.lan, *.example.org"}
    async with _conductor(tmp_path, env) as client:
        for host, status in (("nas.lan", 200), ("tv.example.org", 200), ("192.168.1.5", 200),
                             ("[::1]", 200), ("rebind.attacker.test", 401), ("example.org.evil", 401)):
            result = await client.simulate_get("/api/v2/torrents/info", **at(host, 8000))
            assert result.status_code == status, host
        assert (await client.simulate_get("/jobs/x", **at("evil.test"))).status_code == 401
        assert (await client.simulate_get("/health", **at("evil.test"))).status_code == 200


async def test_ip_ban_after_repeated_failed_logins(locked: falcon.testing.ASGIConductor) -> None:
    for _ in range(4):
        assert (await _login(locked, "wrong")).text == "Fails."
    fifth = await _login(locked, "wrong")
    assert fifth.text == "Fails."
    banned = await _login(locked)  # the right password, too late
    assert banned.status_code == 403
    assert banned.text == "Your IP address has been banned after too many failed authentication attempts."
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert (await locked.simulate_get("/api/v2/torrents/info", headers=bearer, remote_addr="10.0.0.9")
            ).status_code == 403
    # Another client is not affected.
    assert (await _login(locked, remote_addr="10.0.0.10")).text == "Ok."


async def test_wrong_api_keys_count_towards_the_ban(locked: falcon.testing.ASGIConductor) -> None:
    for _ in range(5):
        wrong = await locked.simulate_get("/jobs/x", headers={"Authorization": "Bearer nope"},
                                          remote_addr="10.0.0.7")
        assert wrong.status_code == 403
    right = await locked.simulate_get("/jobs/x", headers={"Authorization": f"Bearer {KEY}"}, remote_addr="10.0.0.7")
    assert right.status_code == 403 and "banned" in right.json["description"]


async def test_ban_can_be_switched_off(tmp_path: Path) -> None:
    env = {"QBIT_USERNAME": "admin", "QBIT_PASSWORD": "secret", "WEB_UI_MAX_AUTH_FAIL_COUNT": "0"}
    async with _conductor(tmp_path, env) as client:
        for _ in range(8):
            assert (await _login(client, "wrong")).text == "Fails."
        assert (await _login(client)).text == "Ok."


async def test_any_valid_sid_cookie_counts(locked: falcon.testing.ASGIConductor) -> None:
    sid = (await _login(locked)).cookies["SID"].value
    both = {"Cookie": f"SID=stale-session; SID={sid}"}
    assert (await locked.simulate_get("/api/v2/torrents/info", headers=both)).status_code == 200
    assert (await locked.simulate_get("/jobs/x", headers=both)).status_code == 404
    logout = await locked.simulate_post("/api/v2/auth/logout", headers=both)
    assert logout.status_code == 200
    assert (await locked.simulate_get("/api/v2/torrents/info", cookies={"SID": sid})).status_code == 403
