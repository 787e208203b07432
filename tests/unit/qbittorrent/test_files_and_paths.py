"""Save paths, moving/renaming/rechecking files, per-torrent settings, magnets and logs through the wire API."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.log_ring import LogRing
from anibridge.domain.jobs.records import JobState
from anibridge.domain.releases.magnets import parse_magnet

from .world import World, magnet, make_app

pytestmark = pytest.mark.anyio

API = "/api/v2"


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(world.ctx))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1" + API) as c:
        yield c


async def _info(client: httpx.AsyncClient, hash_: str) -> dict[str, object]:
    [t] = (await client.get("/torrents/info", params={"hashes": hash_})).json()
    return dict(t)


async def _job_dir(world: World, hash_: str) -> str:
    task = await world.tasks.get(hash_)
    assert task is not None and task.job_id
    job = await world.jobs.get(task.job_id)
    assert job is not None
    return job.target_dir


async def test_savepath_on_add_decides_where_the_file_goes(client: httpx.AsyncClient, world: World) -> None:
    h = parse_magnet(magnet(1)).infohash
    r = await client.post("/torrents/add", data={"urls": magnet(1), "savepath": "/downloads/anime/Kaguya"})
    assert r.status_code == 200
    assert await _job_dir(world, h) == "anime/Kaguya"
    path = await world.finish(h)
    assert path.parent == world.root / "anime" / "Kaguya"
    t = await _info(client, h)
    assert t["save_path"] == "/downloads/anime/Kaguya"
    assert t["content_path"] == f"/downloads/anime/Kaguya/{path.name}"
    props = (await client.get("/torrents/properties", params={"hash": h})).json()
    assert props["save_path"] == "/downloads/anime/Kaguya"


async def test_savepath_forms_and_refusals(client: httpx.AsyncClient, world: World) -> None:
    real = str(world.root)  # the real DOWNLOAD_DIR path is accepted too, and relative paths are below it
    assert (await client.post("/torrents/add", data={"urls": magnet(1), "savepath": f"{real}/x"})).text == "Ok."
    assert await _job_dir(world, parse_magnet(magnet(1)).infohash) == "x"
    assert (await client.post("/torrents/add", data={"urls": magnet(2), "savepath": "rel/dir"})).text == "Ok."
    assert await _job_dir(world, parse_magnet(magnet(2)).infohash) == "rel/dir"
    for bad in ("/etc", "/downloads/../etc", "../up", "/downloadsX/y"):
        r = await client.post("/torrents/add", data={"urls": magnet(3), "savepath": bad})
        assert r.status_code == 409 and r.text.startswith("Cannot make save path") and "outside" in r.text, bad
    assert await world.tasks.get(parse_magnet(magnet(3)).infohash) is None


async def test_category_save_path_applies_when_no_savepath(client: httpx.AsyncClient, world: World) -> None:
    await client.post("/torrents/createCategory", data={"category": "tv-sonarr", "savePath": "/downloads/tv"})
    await client.post("/torrents/add", data={"urls": magnet(1), "category": "tv-sonarr"})
    await client.post("/torrents/add", data={"urls": magnet(2), "category": "tv-sonarr", "savepath": "/downloads/y"})
    assert await _job_dir(world, parse_magnet(magnet(1)).infohash) == "tv"
    assert await _job_dir(world, parse_magnet(magnet(2)).infohash) == "y"
    cats = (await client.get("/torrents/categories")).json()
    assert cats["tv-sonarr"]["savePath"] == "/downloads/tv"


async def test_set_location_moves_a_finished_file_and_retargets_a_queued_one(
    client: httpx.AsyncClient, world: World
) -> None:
    h1, h2 = parse_magnet(magnet(1)).infohash, parse_magnet(magnet(2)).infohash
    await client.post("/torrents/add", data={"urls": f"{magnet(1)}\n{magnet(2)}"})
    path = await world.finish(h1)
    r = await client.post("/torrents/setLocation", data={"hashes": f"{h1}|{h2}", "location": "/downloads/moved"})
    assert (r.status_code, r.text) == (200, "")
    moved = world.root / "moved" / path.name
    assert moved.exists() and not path.exists()
    t = await _info(client, h1)
    assert t["save_path"] == "/downloads/moved" and t["content_path"] == f"/downloads/moved/{path.name}"
    assert await _job_dir(world, h2) == "moved"
    r = await client.post("/torrents/setSavePath", data={"id": h1, "path": "/downloads/again"})
    assert r.status_code == 200 and (world.root / "again" / path.name).exists()
    r = await client.post("/torrents/setSavePath", data={"id": h1, "path": "/srv"})
    assert r.status_code == 409 and r.text.startswith("Cannot create target directory")
    r = await client.post("/torrents/setLocation", data={"hashes": h1, "location": " "})
    assert (r.status_code, r.text) == (400, "Save path cannot be empty")
    await client.post("/torrents/delete", data={"hashes": h1, "deleteFiles": "true"})
    assert not (world.root / "again" / path.name).exists()  # delete finds the moved file


async def test_rename_and_rename_file(client: httpx.AsyncClient, world: World) -> None:
    h = parse_magnet(magnet(1)).infohash
    await client.post("/torrents/add", data={"urls": magnet(1)})
    path = await world.finish(h)
    r = await client.post("/torrents/rename", data={"hash": h, "name": "Kaguya.S01E01.Renamed\nline"})
    assert (r.status_code, r.text) == (200, "")
    t = await _info(client, h)
    assert t["name"] == "Kaguya.S01E01.Renamed line"
    renamed = Path(str(t["content_path"]).replace("/downloads", str(world.root), 1))
    assert renamed.name == "Kaguya.S01E01.Renamed line.mp4" and renamed.exists() and not path.exists()
    files = (await client.get("/torrents/files", params={"hash": h})).json()
    assert files[0]["name"] == renamed.name
    r = await client.post("/torrents/renameFile", data={"hash": h, "oldPath": "nope.mp4", "newPath": "x.mp4"})
    assert (r.status_code, r.text) == (409, "No such file: 'nope.mp4'.")
    r = await client.post("/torrents/renameFile", data={"hash": h, "oldPath": renamed.name, "newPath": "S01/E01.mp4"})
    assert r.status_code == 200 and (world.root / "S01" / "E01.mp4").exists()
    assert (await _info(client, h))["content_path"] == "/downloads/S01/E01.mp4"
    r = await client.post("/torrents/renameFile", data={"hash": h, "oldPath": "E01.mp4", "newPath": "../../x.mp4"})
    assert r.status_code == 409
    r = await client.post("/torrents/renameFolder", data={"hash": h, "oldPath": "S01", "newPath": "S02"})
    assert (r.status_code, r.text) == (409, "No such folder: 'S01'.")
    assert (await client.post("/torrents/rename", data={"hash": h, "name": "  "})).status_code == 409
    assert (await client.post("/torrents/rename", data={"hash": "f" * 40, "name": "x"})).status_code == 404


async def test_rename_of_an_unfinished_task_names_its_future_file(client: httpx.AsyncClient, world: World) -> None:
    h = parse_magnet(magnet(1)).infohash
    await client.post("/torrents/add", data={"urls": magnet(1)})
    await client.post("/torrents/rename", data={"hash": h, "name": "Other.Name"})
    task = await world.tasks.get(h)
    assert task is not None and task.job_id
    job = await world.jobs.get(task.job_id)
    assert job is not None and job.release_title == "Other.Name"
    r = await client.post("/torrents/renameFile", data={"hash": h, "oldPath": "Other.Name", "newPath": "x.mp4"})
    assert r.status_code == 409  # once the download has finished


async def test_recheck_downloads_a_missing_file_again(client: httpx.AsyncClient, world: World) -> None:
    h = parse_magnet(magnet(1)).infohash
    await client.post("/torrents/add", data={"urls": magnet(1)})
    path = await world.finish(h)
    first = (await world.tasks.get(h)).job_id  # type: ignore[union-attr]
    assert (await client.post("/torrents/recheck", data={"hashes": h})).status_code == 200
    assert (await world.tasks.get(h)).job_id == first  # type: ignore[union-attr]  # intact: nothing to do
    path.write_bytes(b"x" * 10)  # truncated
    assert (await client.post("/torrents/recheck", data={"hashes": h})).status_code == 200
    task = await world.tasks.get(h)
    assert task is not None and task.job_id != first and not path.exists()
    assert (await _info(client, h))["state"] == "queuedDL"
    assert (await client.post("/torrents/recheck", data={"hashes": "f" * 40})).status_code == 200


async def test_set_tags_replaces(client: httpx.AsyncClient) -> None:
    h = parse_magnet(magnet(1)).infohash
    await client.post("/torrents/add", data={"urls": magnet(1), "tags": "a,b"})
    assert (await client.post("/torrents/setTags", data={"hashes": h, "tags": "b,c"})).status_code == 200
    assert (await _info(client, h))["tags"] == "b, c"
    assert (await client.get("/torrents/tags")).json() == ["a", "b", "c"]


async def test_share_limits_read_back_as_set(client: httpx.AsyncClient) -> None:
    h = parse_magnet(magnet(1)).infohash
    await client.post("/torrents/add", data={"urls": magnet(1)})
    t = await _info(client, h)
    assert (t["ratio_limit"], t["seeding_time_limit"], t["inactive_seeding_time_limit"]) == (-2, -2, -2)
    await client.post("/torrents/setShareLimits", data={"hashes": h, "ratioLimit": "1.5", "seedingTimeLimit": "60",
                                                        "inactiveSeedingTimeLimit": "30"})
    t = await _info(client, h)
    assert (t["ratio_limit"], t["max_ratio"], t["seeding_time_limit"], t["max_seeding_time"]) == (1.5, 1.5, 60, 60)
    assert (t["inactive_seeding_time_limit"], t["max_inactive_seeding_time"]) == (30, 30)
    await client.post("/torrents/setShareLimits", data={"hashes": h, "ratioLimit": "-2", "seedingTimeLimit": "-2",
                                                        "inactiveSeedingTimeLimit": "-2"})
    t = await _info(client, h)
    assert (t["ratio_limit"], t["seeding_time_limit"], t["inactive_seeding_time_limit"]) == (-2, -2, -2)


async def test_per_torrent_options_read_back(client: httpx.AsyncClient) -> None:
    h = parse_magnet(magnet(1)).infohash
    await client.post("/torrents/add", data={"urls": magnet(1), "sequentialDownload": "true", "upLimit": "100"})
    t = await _info(client, h)
    assert t["seq_dl"] is True and t["up_limit"] == 100
    for endpoint, data in (
        ("setUploadLimit", {"hashes": h, "limit": "1000"}),
        ("setDownloadLimit", {"hashes": h, "limit": "2000"}),
        ("toggleSequentialDownload", {"hashes": h}),
        ("toggleFirstLastPiecePrio", {"hashes": h}),
        ("setSuperSeeding", {"hashes": h, "value": "true"}),
        ("setAutoManagement", {"hashes": h, "enable": "true"}),
        ("filePrio", {"hash": h, "id": "0", "priority": "7"}),
    ):
        r = await client.post(f"/torrents/{endpoint}", data=data)
        assert (r.status_code, r.text) == (200, ""), endpoint
    t = await _info(client, h)
    assert (t["up_limit"], t["dl_limit"], t["seq_dl"], t["f_l_piece_prio"], t["super_seeding"], t["auto_tmm"]) == \
        (1000, 2000, False, True, True, True)
    assert (await client.post("/torrents/uploadLimit", data={"hashes": f"{h}|{'f' * 40}"})).json() == \
        {h: 1000, "f" * 40: -1}
    assert (await client.get("/torrents/files", params={"hash": h})).json()[0]["priority"] == 7
    r = await client.post("/torrents/filePrio", data={"hash": h, "id": "5", "priority": "1"})
    assert (r.status_code, r.text) == (409, "File ID is not valid")
    r = await client.post("/torrents/filePrio", data={"hash": h, "id": "0", "priority": "3"})
    assert (r.status_code, r.text) == (400, "Priority is not valid")


async def test_trackers_webseeds_peers_pieces(client: httpx.AsyncClient, world: World) -> None:
    h = parse_magnet(magnet(1)).infohash
    await client.post("/torrents/add", data={"urls": magnet(1)})
    assert (await client.post("/torrents/addTrackers", data={"hash": h, "urls": "http://t:1/a\nudp://t:2"})).status_code == 200
    r = await client.post("/torrents/editTracker", data={"hash": h, "origUrl": "http://t:1/a", "newUrl": "http://t:3/a"})
    assert r.status_code == 200
    r = await client.post("/torrents/editTracker", data={"hash": h, "origUrl": "http://nope/", "newUrl": "http://x/"})
    assert (r.status_code, r.text) == (409, "Tracker not found")
    await client.post("/torrents/removeTrackers", data={"hash": h, "urls": "udp://t:2"})
    urls = [row["url"] for row in (await client.get("/torrents/trackers", params={"hash": h})).json()]
    assert urls == ["anibridge://hoster", "http://t:3/a"] and (await _info(client, h))["trackers_count"] == 1
    await client.post("/torrents/addWebSeeds", data={"hash": h, "urls": "http://w/1|https://w/2"})
    assert (await client.post("/torrents/addWebSeeds", data={"hash": h, "urls": "ftp://w"})).status_code == 400
    await client.post("/torrents/removeWebSeeds", data={"hash": h, "urls": "http://w/1"})
    assert (await client.get("/torrents/webseeds", params={"hash": h})).json() == [{"url": "https://w/2"}]
    r = await client.post("/torrents/addPeers", data={"hashes": h, "peers": "127.0.0.1:5555"})
    assert r.json() == {h: {"added": 0, "failed": 1}}
    assert (await client.post("/torrents/addPeers", data={"hashes": h, "peers": "junk"})).status_code == 400
    assert (await client.get("/torrents/pieceHashes", params={"hash": h})).json() == []
    assert (await client.get("/torrents/pieceStates", params={"hash": h})).json() == []  # size unknown yet
    await world.finish(h)
    assert (await client.get("/torrents/pieceStates", params={"hash": h})).json() == [2]
    peers = (await client.get("/sync/torrentPeers", params={"hash": h})).json()
    assert peers == {"full_update": True, "peers": {}, "rid": 1, "show_flags": True}
    for endpoint in ("pieceStates", "pieceHashes", "webseeds", "export"):
        assert (await client.get(f"/torrents/{endpoint}", params={"hash": "f" * 40})).status_code == 404
    r = await client.post("/torrents/export", data={"hash": h})
    assert r.status_code == 409 and r.text.startswith("Unable to export torrent file.")


async def test_magnet_uri_is_the_added_magnet_and_can_be_added_again(client: httpx.AsyncClient) -> None:
    uri = magnet(1)
    h = parse_magnet(uri).infohash
    await client.post("/torrents/add", data={"urls": uri})
    reported = (await _info(client, h))["magnet_uri"]
    assert reported == uri
    await client.post("/torrents/delete", data={"hashes": h, "deleteFiles": "false"})
    assert (await client.post("/torrents/add", data={"urls": reported})).text == "Ok."
    assert (await _info(client, h))["hash"] == h


async def test_base32_info_hash_is_accepted(client: httpx.AsyncClient) -> None:
    uri = magnet(1)
    h = parse_magnet(uri).infohash
    b32 = base64.b32encode(bytes.fromhex(h)).decode()
    assert (await client.post("/torrents/add", data={"urls": uri.replace(h, b32)})).text == "Ok."
    t = await _info(client, h)
    assert t["hash"] == h and f"xt=urn:btih:{h}" in str(t["magnet_uri"])


async def test_foreign_magnets_and_torrent_files_get_clear_reasons(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    foreign = "magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=Some.Show.S01E01"
    with caplog.at_level(logging.WARNING):
        assert (await client.post("/torrents/add", data={"urls": foreign})).text == "Fails."
    assert "not a magnet from this indexer" in caplog.text and "aw_slug" not in caplog.text
    r = await client.post("/torrents/add", files={"torrents": ("x.torrent", b"d4:infod4:name1:xee")})
    assert r.status_code == 415 and "only magnets from its own Torznab indexer" in r.text


async def test_log_main_serves_the_ring(world: World, client: httpx.AsyncClient) -> None:
    ring = LogRing(capacity=3)
    world.ctx.logs = ring
    logger = logging.getLogger("anibridge.test.ring")
    logger.addHandler(ring)
    logger.setLevel(logging.INFO)
    try:
        for n in range(4):
            logger.info("line %d", n)
        logger.warning("careful")
    finally:
        logger.removeHandler(ring)
    lines = (await client.get("/log/main")).json()
    assert [(ln["id"], ln["type"]) for ln in lines] == [(2, 2), (3, 2), (4, 4)]  # bounded: oldest dropped
    assert lines[-1]["message"].endswith("careful") and isinstance(lines[-1]["timestamp"], int)
    assert [ln["id"] for ln in (await client.get("/log/main", params={"last_known_id": 3})).json()] == [4]
    assert [ln["id"] for ln in (await client.get("/log/main", params={"info": "false"})).json()] == [4]
    assert (await client.get("/log/peers")).json() == []


async def test_transfer_limits_and_extras(client: httpx.AsyncClient, world: World) -> None:
    await client.post("/transfer/setDownloadLimit", data={"limit": "4096"})
    assert (await client.get("/transfer/downloadLimit")).text == "4096"
    await client.post("/transfer/toggleSpeedLimitsMode")
    assert (await client.get("/transfer/speedLimitsMode")).json() == 1
    started = (await client.post("/search/start", data={"pattern": "x", "plugins": "all", "category": "all"})).json()
    results = (await client.get("/search/results", params={"id": started["id"]})).json()
    assert results == {"results": [], "status": "Stopped", "total": 0}
    assert (await client.get("/search/results", params={"id": "999999"})).status_code == 404
    (world.root / "tv").mkdir()
    (world.root / ".anibridge-partial.part").write_bytes(b"")
    listing = (await client.post("/app/getDirectoryContent", data={"dirPath": "/downloads"})).json()
    assert listing == ["/downloads/tv"]
    assert (await client.post("/app/getDirectoryContent", data={"dirPath": "/etc"})).status_code == 404
    assert (await client.post("/app/shutdown")).status_code == 409


async def test_stopped_failed_task_keeps_no_job_state(world: World) -> None:
    """A job that failed keeps its task's save path for the next attempt (start submits a new job)."""
    from anibridge.domain.qbittorrent.service import AddRequest

    await world.service.add(AddRequest([magnet(1)], save_path="/downloads/retry"))
    h = parse_magnet(magnet(1)).infohash
    await world.finish(h, fail="boom")
    await world.service.start(h)
    task = await world.tasks.get(h)
    assert task is not None and task.job_id
    job = await world.jobs.get(task.job_id)
    assert job is not None and job.state is JobState.QUEUED and job.target_dir == "retry"


def test_tasks_stored_without_their_magnet_report_a_re_addable_one() -> None:
    from anibridge.domain.jobs.records import JobMode
    from anibridge.domain.qbittorrent.magnet_input import reported_magnet

    from .world import ref

    uri = reported_magnet("", "ab" * 20, ref(3), "Kaguya.S01E03", "VOE", JobMode.STRM)
    parsed = parse_magnet(uri)
    assert parsed.infohash == "ab" * 20 and parsed.ref == ref(3) and parsed.is_strm and parsed.provider == "VOE"


async def test_an_over_long_magnet_is_not_stored_but_still_reported(client: httpx.AsyncClient, world: World) -> None:
    uri = magnet(1) + "".join(f"&tr=http%3A%2F%2Ftracker{i}.example%2Fannounce" for i in range(400))
    h = parse_magnet(uri).infohash
    assert (await client.post("/torrents/add", data={"urls": uri})).text == "Ok."
    task = await world.tasks.get(h)
    assert task is not None and task.magnet_uri == ""
    assert parse_magnet(str((await _info(client, h))["magnet_uri"])).infohash == h
