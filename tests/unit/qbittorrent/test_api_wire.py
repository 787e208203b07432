"""The /api/v2 surface through ASGI: auth, versions, forms (urlencoded + multipart), info filters, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from anibridge.domain.releases.magnets import parse_magnet

from .sonarr_rules import seed_goal_reached
from .world import World, build_world, magnet, make_app

pytestmark = pytest.mark.anyio


async def _client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(world.ctx))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(world):
        yield c


async def test_open_mode_versions_and_preferences(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v2/app/webapiVersion", headers={"Authorization": "Basic Og=="})
    assert r.status_code == 200 and r.text == "2.11.4"
    assert (await client.get("/api/v2/app/version")).text == "v5.1.4"
    prefs = (await client.get("/api/v2/app/preferences")).json()
    assert prefs["save_path"] == "/downloads" and prefs["dht"] is True and prefs["queueing_enabled"] is True
    # A global ratio limit of 0 with action "stop": Sonarr's Test only refuses actions that remove torrents.
    assert prefs["max_ratio_enabled"] is True and prefs["max_ratio"] == 0 and prefs["max_ratio_act"] == 0
    assert (await client.get("/api/v2/app/defaultSavePath")).text == "/downloads"
    assert (await client.get("/api/v2/app/buildInfo")).json()["bitness"] == 64


async def test_unknown_and_wrong_method(client: httpx.AsyncClient) -> None:
    for path in ("/api/v2/app/nope", "/api/v2/nope", "/api/v2/a/b/c"):
        r = await client.get(path)
        assert r.status_code == 404 and r.text == "Not Found" and r.headers["content-type"].startswith("text/plain")
    r = await client.get("/api/v2/torrents/delete?hashes=all")
    assert r.status_code == 405


async def test_login_required_403_and_expiry(tmp_path: Path) -> None:
    world = build_world(tmp_path, username="admin", password="secret")
    async for client in _client(world):
        assert (await client.get("/api/v2/app/webapiVersion")).status_code == 403
        r = await client.post("/api/v2/auth/login", data={"username": "admin", "password": "wrong"})
        assert r.status_code == 200 and r.text == "Fails." and "SID" not in r.cookies
        basic = {"Authorization": "Basic YWRtaW46c2VjcmV0"}
        assert (await client.get("/api/v2/torrents/info", headers=basic)).status_code == 403
        r = await client.post("/api/v2/auth/login", data={"username": "admin", "password": "secret"})
        assert r.text == "Ok."
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("SID=") and "HttpOnly" in cookie and "Secure" not in cookie
        assert (await client.get("/api/v2/torrents/info")).json() == []
        world.clock.advance(61)
        assert (await client.get("/api/v2/torrents/info")).status_code == 403
        client.cookies.clear()
        await client.post("/api/v2/auth/login", data={"username": "admin", "password": "secret"})
        assert (await client.post("/api/v2/auth/logout")).status_code == 200
        assert (await client.get("/api/v2/torrents/info")).status_code == 403


async def test_api_key_as_bearer_token_needs_no_login(tmp_path: Path) -> None:
    """qBittorrent 5.2's API key (Sonarr's "API Key" field): every request carries it, nobody logs in."""
    world = build_world(tmp_path, api_key="k3y-of-32-chars-0123456789abcdef")
    async for client in _client(world):
        assert (await client.get("/api/v2/torrents/info")).status_code == 403
        wrong = {"Authorization": "Bearer not-the-key"}
        assert (await client.get("/api/v2/torrents/info", headers=wrong)).status_code == 403
        basic = {"Authorization": "Basic Og=="}  # Radarr's pre-emptive empty credentials are no key
        assert (await client.get("/api/v2/torrents/info", headers=basic)).status_code == 403
        bearer = {"Authorization": "Bearer k3y-of-32-chars-0123456789abcdef"}
        assert (await client.get("/api/v2/torrents/info", headers=bearer)).json() == []
        assert (await client.get("/api/v2/app/preferences", headers=bearer)).status_code == 200
        # With only a key configured, an empty login must not hand out a session.
        r = await client.post("/api/v2/auth/login", data={"username": "", "password": ""})
        assert r.text == "Fails." and (await client.get("/api/v2/torrents/info")).status_code == 403
    both = build_world(tmp_path, username="admin", password="secret", api_key="k")
    async for client in _client(both):
        assert (await client.get("/api/v2/torrents/info", headers={"Authorization": "bearer k"})).status_code == 200
        assert (await client.post("/api/v2/auth/login", data={"username": "admin", "password": "secret"})).text == "Ok."
        assert (await client.get("/api/v2/torrents/info")).status_code == 200


async def test_add_urlencoded_multipart_and_info(client: httpx.AsyncClient, world: World) -> None:
    long_magnet = magnet(1) + "".join(f"&tr=http%3A%2F%2Ftracker{i}.example%2Fannounce" for i in range(40))
    assert len(long_magnet) > 1024
    r = await client.post(
        "/api/v2/torrents/add",
        data={"urls": long_magnet, "category": "tv-sonarr", "stopped": "False", "paused": "False"},
        files={"dummy": (None, b"")},  # forces multipart/form-data like Sonarr for long values
    )
    assert r.status_code == 200 and r.text == "Ok."
    two = f"{magnet(2)}\n{magnet(3)}"
    r = await client.post("/api/v2/torrents/add", data={"urls": two, "category": "tv-sonarr", "tags": "a, b"})
    assert r.text == "Ok."
    r = await client.post("/api/v2/torrents/add", data={"urls": magnet(1)})  # re-add: still Ok., no duplicate
    assert r.text == "Ok."
    assert (await client.post("/api/v2/torrents/add", data={"urls": "http://x/y.torrent"})).text == "Fails."
    assert (await client.post("/api/v2/torrents/add", data={"category": "x"})).status_code == 400
    info = (await client.get("/api/v2/torrents/info", params={"category": "tv-sonarr"})).json()
    assert len(info) == 3
    assert {t["hash"] for t in info} == {parse_magnet(magnet(n)).infohash for n in (1, 2, 3)}
    first = info[0]
    assert first["state"] == "queuedDL" and first["progress"] == 0 and first["eta"] == 8640000
    assert isinstance(first["ratio"], float) and isinstance(first["size"], int)
    assert (await client.get("/api/v2/torrents/info?category=")).json() == []
    h2, h3 = parse_magnet(magnet(2)).infohash, parse_magnet(magnet(3)).infohash
    picked = (await client.get("/api/v2/torrents/info", params={"hashes": f"{h2}|{h3}"})).json()
    assert {t["hash"] for t in picked} == {h2, h3}
    tagged = (await client.get("/api/v2/torrents/info", params={"tag": "b"})).json()
    assert {t["hash"] for t in tagged} == {h2, h3}
    paged = (await client.get("/api/v2/torrents/info", params={"sort": "name", "reverse": "true", "limit": 1})).json()
    assert [t["name"] for t in paged] == [max(t["name"] for t in info)]
    assert (await client.get("/api/v2/torrents/info", params={"filter": "completed"})).json() == []
    assert len((await client.get("/api/v2/torrents/info", params={"filter": "downloading"})).json()) == 3


async def test_completed_shape_for_sonarr(client: httpx.AsyncClient, world: World) -> None:
    await client.post("/api/v2/torrents/add", data={"urls": magnet(1), "category": "tv-sonarr"})
    hash_ = parse_magnet(magnet(1)).infohash
    path = await world.finish(hash_)
    [t] = (await client.get("/api/v2/torrents/info")).json()
    assert t["state"] == "stoppedUP" and t["progress"] == 1.0 and t["eta"] == 0
    assert t["save_path"] == "/downloads" and t["content_path"] == f"/downloads/{path.name}"
    assert t["ratio"] == 0.0 and t["ratio_limit"] == -2 and t["max_ratio"] == 0.0 and t["size"] == 1000
    prefs = (await client.get("/api/v2/app/preferences")).json()
    assert seed_goal_reached(t, prefs)  # "use global" as qBittorrent reports it, and Sonarr still moves the file
    props = (await client.get("/api/v2/torrents/properties", params={"hash": hash_.upper()})).json()
    assert props["save_path"] == "/downloads" and props["hash"] == hash_
    files = (await client.get("/api/v2/torrents/files", params={"hash": hash_})).json()
    assert files[0]["name"] == path.name and files[0]["is_seed"] is True
    assert (await client.get("/api/v2/torrents/properties", params={"hash": "0" * 40})).status_code == 404
    assert (await client.get("/api/v2/torrents/files", params={"hash": "0" * 40})).status_code == 404
    assert (await client.post("/api/v2/torrents/delete", data={"hashes": hash_, "deleteFiles": "True"})).text == ""
    assert not path.exists()
    assert (await client.get("/api/v2/torrents/info")).json() == []


async def test_failure_is_error_with_reason(client: httpx.AsyncClient, world: World) -> None:
    await client.post("/api/v2/torrents/add", data={"urls": magnet(1)})
    hash_ = parse_magnet(magnet(1)).infohash
    await world.finish(hash_, fail="VOE: 404; Filemoon: timeout")
    [t] = (await client.get("/api/v2/torrents/info", params={"filter": "errored"})).json()
    assert t["state"] == "error" and "VOE: 404" in t["comment"] and t["content_path"] == ""
    trackers = (await client.get("/api/v2/torrents/trackers", params={"hash": hash_})).json()
    assert "Filemoon: timeout" in trackers[0]["msg"]


async def test_category_tag_limit_prio_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v2/torrents/createCategory", data={"category": "tv-sonarr"})).text == ""
    assert (await client.post("/api/v2/torrents/createCategory", data={"category": "tv-sonarr"})).status_code == 409
    assert (await client.post("/api/v2/torrents/createCategory", data={"category": ""})).status_code == 400
    assert (await client.post("/api/v2/torrents/createCategory", data={"category": "a//b"})).status_code == 409
    r = await client.post("/api/v2/torrents/editCategory", data={"category": "missing", "savePath": ""})
    assert (r.status_code, r.text) == (409, "Unable to edit category")
    r = await client.post("/api/v2/torrents/editCategory", data={"category": "tv-sonarr", "savePath": "/etc"})
    assert r.status_code == 409 and "outside the download directory" in r.text
    await client.post("/api/v2/torrents/editCategory", data={"category": "tv-sonarr", "savePath": "/downloads/tv"})
    await client.post("/api/v2/torrents/createCategory", data={"category": "radarr"})
    assert (await client.get("/api/v2/torrents/categories")).json() == {
        "radarr": {"name": "radarr", "savePath": ""},
        "tv-sonarr": {"name": "tv-sonarr", "savePath": "/downloads/tv"},
    }
    await client.post("/api/v2/torrents/removeCategories", data={"categories": "radarr\nnothing"})
    assert list((await client.get("/api/v2/torrents/categories")).json()) == ["tv-sonarr"]
    await client.post("/api/v2/torrents/add", data={"urls": magnet(1)})
    h = parse_magnet(magnet(1)).infohash
    assert (await client.post("/api/v2/torrents/setCategory", data={"hashes": h, "category": "x"})).status_code == 409
    assert (await client.post("/api/v2/torrents/setCategory", data={"hashes": h, "category": "tv-sonarr"})).text == ""
    await client.post("/api/v2/torrents/addTags", data={"hashes": h, "tags": "sonarr,anime"})
    assert (await client.get("/api/v2/torrents/tags")).json() == ["anime", "sonarr"]
    r = await client.post("/api/v2/torrents/setShareLimits", data={"hashes": h, "ratioLimit": "-1", "seedingTimeLimit": "-1"})
    assert (r.status_code, r.text) == (200, "")  # qBittorrent answers actions without a result with an empty body
    assert (await client.post("/api/v2/torrents/setShareLimits", data={"hashes": h})).status_code == 400
    assert (await client.post("/api/v2/torrents/topPrio", data={"hashes": h})).text == ""
    assert (await client.post("/api/v2/torrents/setForceStart", data={"hashes": h, "value": "true"})).text == ""
    assert (await client.post("/api/v2/torrents/setForceStart", data={"hashes": h, "value": "maybe"})).status_code == 400
    [t] = (await client.get("/api/v2/torrents/info")).json()
    assert t["category"] == "tv-sonarr" and t["tags"] == "sonarr, anime" and t["ratio_limit"] == -1.0
    assert t["force_start"] is True and t["priority"] == 1
    assert (await client.post("/api/v2/torrents/pause", data={"hashes": h})).text == ""
    assert (await client.get("/api/v2/torrents/info")).json()[0]["state"] == "stoppedDL"
    assert (await client.post("/api/v2/torrents/resume", data={"hashes": "all"})).text == ""
    assert (await client.get("/api/v2/torrents/info")).json()[0]["state"] == "queuedDL"


async def test_maindata_rid_diffs(client: httpx.AsyncClient, world: World) -> None:
    await client.post("/api/v2/torrents/createCategory", data={"category": "tv"})
    await client.post("/api/v2/torrents/add", data={"urls": f"{magnet(1)}\n{magnet(2)}", "category": "tv"})
    h1, h2 = parse_magnet(magnet(1)).infohash, parse_magnet(magnet(2)).infohash
    full = (await client.get("/api/v2/sync/maindata", params={"rid": 0})).json()
    assert full["full_update"] is True and set(full["torrents"]) == {h1, h2}
    assert "hash" not in full["torrents"][h1] and full["categories"]["tv"]["name"] == "tv"
    rid = full["rid"]
    same = (await client.get("/api/v2/sync/maindata", params={"rid": rid})).json()
    assert same["rid"] > rid and "full_update" not in same and "torrents" not in same
    await client.post("/api/v2/torrents/delete", data={"hashes": h2})
    await client.post("/api/v2/torrents/removeCategories", data={"categories": "tv"})
    await client.post("/api/v2/torrents/addTags", data={"hashes": h1, "tags": "t1"})
    diff = (await client.get("/api/v2/sync/maindata", params={"rid": same["rid"]})).json()
    assert diff["torrents_removed"] == [h2] and diff["categories_removed"] == ["tv"]
    assert diff["torrents"] == {h1: {"category": "", "tags": "t1"}} and diff["tags"] == ["t1"]
    assert (await client.get("/api/v2/sync/maindata", params={"rid": 99999})).json()["full_update"] is True
    transfer = (await client.get("/api/v2/transfer/info")).json()
    assert transfer["connection_status"] == "connected" and isinstance(transfer["dl_info_speed"], int)


async def test_torrent_file_upload_and_open_login(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v2/torrents/add", files={"torrents": ("x.torrent", b"d4:infod3:foo3:baree")})
    assert r.status_code == 415
    r = await client.post("/api/v2/auth/login", data={"username": "any", "password": "thing"})
    assert r.text == "Ok." and "set-cookie" not in r.headers  # open: nothing to prove, no session handed out
    r = await client.post("/api/v2/torrents/add", content=b"urls=magnet%3A%3Fxt%3Dbad",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.text == "Fails."
    assert (await client.get("/api/v2/sync/maindata", params={"rid": "x"})).status_code == 400
