"""Golden comparison with the real qBittorrent (Debian's qbittorrent-nox 4.5.2, WebAPI 2.8.19).

Starts it on loopback with a throwaway profile, adds a magnet (stays in metaDL) and a tiny seeded .torrent
(so `files` has rows), and compares key sets and JSON types of our answers with its answers. We emulate qB 5.1,
a superset of 4.5's keys: every key it sends must exist in ours with the same JSON type (ints stay ints).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from anibridge.adapters.log_ring import LogRing
from anibridge.domain.releases.magnets import parse_magnet
from tests.unit.qbittorrent.world import build_world, magnet, make_app

pytestmark = [pytest.mark.slow]

BINARY = shutil.which("qbittorrent-nox")
FLOAT_KEYS = {"availability", "max_ratio", "popularity", "progress", "ratio", "ratio_limit", "share_ratio"}
RELEASED = 1554562800
"""When the seeded .torrent says it was made (2019-04-06 15:00 UTC): long before it is added."""
ARR_PREFERENCES = {"save_path", "dht", "queueing_enabled", "max_ratio_enabled", "max_ratio", "max_ratio_act",
                   "max_seeding_time_enabled", "max_seeding_time", "temp_path_enabled", "temp_path",
                   "create_subfolder_enabled", "auto_tmm_enabled", "web_ui_username"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bencode(value: Any) -> bytes:
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, str):
        return _bencode(value.encode())
    if isinstance(value, list):
        return b"l" + b"".join(_bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(_bencode(k) + _bencode(value[k]) for k in sorted(value)) + b"e"
    raise TypeError(type(value))


def _torrent_for(data: bytes, name: str) -> bytes:
    piece = 16384
    pieces = b"".join(hashlib.sha1(data[i : i + piece]).digest() for i in range(0, len(data), piece))
    info = {"length": len(data), "name": name, "piece length": piece, "pieces": pieces}
    return _bencode({"announce": "http://127.0.0.1:1/announce", "creation date": RELEASED, "info": info})


@pytest.fixture(scope="module")
def real_qb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    if BINARY is None:
        pytest.skip("qbittorrent-nox is not installed (.ci/run installs it)")
    profile = tmp_path_factory.mktemp("qbt-profile")
    downloads = profile / "dl"
    downloads.mkdir()
    port = _free_port()
    conf = profile / "qBittorrent" / "config" / "qBittorrent.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "[LegalNotice]\nAccepted=true\n\n"
        "[BitTorrent]\nSession\\DHTEnabled=false\nSession\\PeXEnabled=false\nSession\\LSDEnabled=false\n"
        f"Session\\DefaultSavePath={downloads}\nSession\\Port={_free_port()}\n\n"
        f"[Preferences]\nWebUI\\LocalHostAuth=false\nWebUI\\Address=127.0.0.1\nWebUI\\Port={port}\n"
        "Connection\\UPnP=false\n"
    )
    proc = subprocess.Popen(
        [BINARY, f"--profile={profile}", f"--webui-port={port}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v2", timeout=5)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.get("/app/webapiVersion").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("qbittorrent-nox did not start")
            time.sleep(0.2)
        client.post("/torrents/createCategory", data={"category": "tv-sonarr", "savePath": str(downloads)})
        client.post("/torrents/add", data={"urls": magnet(1), "category": "tv-sonarr", "tags": "a,b"})
        data = bytes(range(256)) * 200
        (downloads / "seeded.mkv").write_bytes(data)
        client.post(
            "/torrents/add",
            data={"skip_checking": "true", "savepath": str(downloads), "category": "tv-sonarr"},
            files={"torrents": ("seeded.torrent", _torrent_for(data, "seeded.mkv"), "application/x-bittorrent")},
        )
        deadline = time.monotonic() + 10
        while len(client.get("/torrents/info").json()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        yield client
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
async def ours(tmp_path: Path) -> Any:
    world = build_world(tmp_path)
    transport = httpx.ASGITransport(app=make_app(world.ctx))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1/api/v2") as client:
        await client.post("/torrents/createCategory", data={"category": "tv-sonarr"})
        await client.post("/torrents/add", data={"urls": f"{magnet(1)}\n{magnet(2)}", "category": "tv-sonarr",
                                                 "tags": "a,b"})
        await world.finish(parse_magnet(magnet(2)).infohash)
        yield client, world


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return type(value).__name__


def _compatible(key: str, theirs: Any, mine: Any) -> bool:
    a, b = _kind(theirs), _kind(mine)
    if a == b:
        return True
    if {a, b} <= {"int", "float"}:
        return key in FLOAT_KEYS or b == "int"  # qB prints 0.0 as 0; our ints must stay ints
    return False


def assert_superset(what: str, theirs: dict[str, Any], mine: dict[str, Any], keys: set[str] | None = None) -> None:
    missing = sorted(set(theirs) - set(mine)) if keys is None else sorted(keys - set(mine))
    assert not missing, f"{what}: keys qBittorrent sends but we do not: {missing}"
    wrong = [
        f"{k}: qB {_kind(theirs[k])} vs ours {_kind(mine[k])}"
        for k in (set(theirs) & set(mine) if keys is None else keys & set(theirs))
        if not _compatible(k, theirs[k], mine[k])
    ]
    assert not wrong, f"{what}: JSON types differ: {wrong}"


@pytest.mark.anyio
async def test_shapes_match_real_qbittorrent(real_qb: httpx.Client, ours: Any) -> None:
    client, world = ours
    real_info = real_qb.get("/torrents/info").json()
    my_info = (await client.get("/torrents/info")).json()
    assert len(real_info) == 2 and len(my_info) == 2
    for theirs in real_info:
        for mine in my_info:
            assert_superset("torrents/info", theirs, mine)

    for theirs in real_info:
        props = real_qb.get("/torrents/properties", params={"hash": theirs["hash"]}).json()
        for mine in my_info:
            my_props = (await client.get("/torrents/properties", params={"hash": mine["hash"]})).json()
            assert_superset("torrents/properties", props, my_props)

    seeded = next(t for t in real_info if t["name"] == "seeded.mkv")
    real_files = real_qb.get("/torrents/files", params={"hash": seeded["hash"]}).json()
    assert real_files, "the seeded torrent has a file list"
    for mine in my_info:
        my_files = (await client.get("/torrents/files", params={"hash": mine["hash"]})).json()
        assert_superset("torrents/files", real_files[0], my_files[0])

    real_cats = real_qb.get("/torrents/categories").json()
    my_cats = (await client.get("/torrents/categories")).json()
    assert_superset("torrents/categories", real_cats["tv-sonarr"], my_cats["tv-sonarr"])

    real_prefs = real_qb.get("/app/preferences").json()
    my_prefs = (await client.get("/app/preferences")).json()
    assert_superset("app/preferences (*arr keys)", real_prefs, my_prefs, ARR_PREFERENCES)
    assert_superset("app/preferences (all we send)", real_prefs, my_prefs, set(my_prefs) & set(real_prefs))

    real_sync = real_qb.get("/sync/maindata", params={"rid": 0}).json()
    my_sync = (await client.get("/sync/maindata", params={"rid": 0})).json()
    assert_superset("sync/maindata", {k: v for k, v in real_sync.items()}, my_sync)
    assert_superset("sync/maindata server_state", real_sync["server_state"], my_sync["server_state"])
    for theirs in real_sync["torrents"].values():
        for mine in my_sync["torrents"].values():
            assert_superset("sync/maindata torrents", theirs, mine)

    assert_superset("transfer/info", real_qb.get("/transfer/info").json(), (await client.get("/transfer/info")).json())
    assert (await client.get("/torrents/properties", params={"hash": "f" * 40})).status_code == \
        real_qb.get("/torrents/properties", params={"hash": "f" * 40}).status_code == 404
    assert (await client.get("/app/nope")).status_code == real_qb.get("/app/nope").status_code == 404
    assert (await client.get("/torrents/delete")).status_code == real_qb.get("/torrents/delete").status_code == 405


def _pair(real_qb: httpx.Client) -> tuple[str, str]:
    """(seeded, magnet-only) hashes on the real qBittorrent."""
    info = real_qb.get("/torrents/info").json()
    seeded = next(t["hash"] for t in info if t["name"] == "seeded.mkv")
    return seeded, next(t["hash"] for t in info if t["hash"] != seeded)


def _same_kinds(what: str, theirs: Any, mine: Any) -> None:
    """Same JSON container and element kinds (lists compared element-wise where both have elements)."""
    assert _kind(theirs) == _kind(mine), f"{what}: qB {_kind(theirs)} vs ours {_kind(mine)}"
    if isinstance(theirs, list) and theirs and mine:
        _same_kinds(what + "[0]", theirs[0], mine[0])
    if isinstance(theirs, dict) and isinstance(mine, dict) and theirs and mine and \
            all(len(k) == 40 for k in (*theirs, *mine)):  # keyed by hash: compare the values
        _same_kinds(what + "{}", next(iter(theirs.values())), next(iter(mine.values())))
    elif isinstance(theirs, dict) and isinstance(mine, dict) and theirs and mine:
        assert_superset(what, theirs, mine)


@pytest.mark.anyio
async def test_new_endpoints_answer_like_real_qbittorrent(real_qb: httpx.Client, ours: Any) -> None:
    """Shapes of the read endpoints added for WebAPI 2.11.4, and status + text of the same mutations and
    mistakes on both servers (qbittorrent-nox 4.5 has every endpoint compared here)."""
    client, world = ours
    ring = LogRing()
    ring.emit(logging.LogRecord("anibridge.test", logging.WARNING, __file__, 1, "hello %s", ("qB",), None))
    world.ctx.logs = ring
    real_seeded, real_magnet = _pair(real_qb)
    done, queued = parse_magnet(magnet(2)).infohash, parse_magnet(magnet(1)).infohash

    for theirs_hash, my_hash in ((real_seeded, done), (real_magnet, queued)):
        for endpoint in ("webseeds", "pieceHashes", "pieceStates", "trackers"):
            theirs = real_qb.get(f"/torrents/{endpoint}", params={"hash": theirs_hash})
            mine = await client.get(f"/torrents/{endpoint}", params={"hash": my_hash})
            assert theirs.status_code == mine.status_code == 200, endpoint
            _same_kinds(endpoint, theirs.json(), mine.json())
        for endpoint in ("uploadLimit", "downloadLimit"):
            theirs = real_qb.post(f"/torrents/{endpoint}", data={"hashes": theirs_hash}).json()
            mine = (await client.post(f"/torrents/{endpoint}", data={"hashes": my_hash})).json()
            assert list(theirs) == [theirs_hash] and list(mine) == [my_hash]
            assert theirs[theirs_hash] == mine[my_hash] == 0  # never set: no limit
        theirs = real_qb.post("/sync/torrentPeers", data={"hash": theirs_hash}).json()
        mine = (await client.post("/sync/torrentPeers", data={"hash": my_hash})).json()
        assert_superset("sync/torrentPeers", theirs, mine)
        assert mine["peers"] == {} and mine["full_update"] is True
        theirs = real_qb.post("/sync/torrentPeers", data={"hash": theirs_hash, "rid": theirs["rid"]}).json()
        mine = (await client.post("/sync/torrentPeers", data={"hash": my_hash, "rid": mine["rid"]})).json()
        assert set(theirs) == set(mine) == {"rid"}

    for endpoint in ("log/main", "log/peers"):
        _same_kinds(endpoint, real_qb.get(f"/{endpoint}").json(), (await client.get(f"/{endpoint}")).json())
    real_log = real_qb.get("/log/main").json()
    my_log = (await client.get("/log/main")).json()
    assert set(real_log[0]) == set(my_log[0]) == {"id", "message", "timestamp", "type"}
    assert my_log[-1]["type"] == 4 and my_log[-1]["message"].endswith("hello qB")
    for endpoint in ("transfer/downloadLimit", "transfer/uploadLimit"):
        assert real_qb.get(f"/{endpoint}").text == (await client.get(f"/{endpoint}")).text == "0"

    # Mutations and mistakes: same status and same text ("" for a plain success).
    cases: list[tuple[str, dict[str, str]]] = [
        ("torrents/setUploadLimit", {"hashes": "{h}", "limit": "1000"}),
        ("torrents/setDownloadLimit", {"hashes": "{h}", "limit": "2000"}),
        ("torrents/toggleSequentialDownload", {"hashes": "{h}"}),
        ("torrents/toggleFirstLastPiecePrio", {"hashes": "{h}"}),
        ("torrents/setSuperSeeding", {"hashes": "{h}", "value": "true"}),
        ("torrents/setShareLimits", {"hashes": "{h}", "ratioLimit": "1.5", "seedingTimeLimit": "60"}),
        ("torrents/addTrackers", {"hash": "{h}", "urls": "http://127.0.0.1:2/announce"}),
        ("torrents/editTracker", {"hash": "{h}", "origUrl": "http://127.0.0.1:2/announce",
                                  "newUrl": "http://127.0.0.1:3/announce"}),
        ("torrents/editTracker", {"hash": "{h}", "origUrl": "http://127.0.0.1:9/x", "newUrl": "http://127.0.0.1:4/x"}),
        ("torrents/removeTrackers", {"hash": "{h}", "urls": "http://127.0.0.1:3/announce"}),
        ("torrents/addPeers", {"hashes": "{h}", "peers": "junk"}),
        ("torrents/reannounce", {"hashes": "{h}"}),
        ("torrents/recheck", {"hashes": "f" * 40}),
        ("torrents/rename", {"hash": "{h}", "name": " "}),
        ("torrents/rename", {"hash": "f" * 40, "name": "x"}),
        ("torrents/renameFile", {"hash": "{h}", "oldPath": "nope.mkv", "newPath": "x.mkv"}),
        ("torrents/renameFolder", {"hash": "{h}", "oldPath": "nope", "newPath": "x"}),
        ("torrents/setLocation", {"hashes": "{h}", "location": ""}),
        ("torrents/filePrio", {"hash": "{h}", "id": "0", "priority": "3"}),
        ("torrents/filePrio", {"hash": "{h}", "id": "5", "priority": "1"}),
        ("torrents/filePrio", {"hash": "{h}", "id": "0", "priority": "7"}),
        ("torrents/pieceStates", {"hash": "f" * 40}),
        ("sync/torrentPeers", {"hash": "f" * 40}),
        ("torrents/createCategory", {"category": "tv-sonarr"}),
        ("torrents/editCategory", {"category": "missing", "savePath": ""}),
    ]
    for endpoint, data in cases:
        theirs = real_qb.post(f"/{endpoint}", data={k: v.replace("{h}", real_seeded) for k, v in data.items()})
        mine = await client.post(f"/{endpoint}", data={k: v.replace("{h}", done) for k, v in data.items()})
        assert (mine.status_code, mine.text) == (theirs.status_code, theirs.text), (endpoint, data)

    theirs = next(t for t in real_qb.get("/torrents/info").json() if t["hash"] == real_seeded)
    mine = next(t for t in (await client.get("/torrents/info")).json() if t["hash"] == done)
    keys = ("up_limit", "dl_limit", "seq_dl", "f_l_piece_prio", "ratio_limit", "max_ratio", "seeding_time_limit",
            "max_seeding_time")
    assert {k: theirs[k] for k in keys} == {k: mine[k] for k in keys}
    real_qb.post("/torrents/setShareLimits", data={"hashes": real_seeded, "ratioLimit": "-2", "seedingTimeLimit": "-2"})
    await client.post("/torrents/setShareLimits", data={"hashes": done, "ratioLimit": "-2", "seedingTimeLimit": "-2"})
    theirs = next(t for t in real_qb.get("/torrents/info").json() if t["hash"] == real_seeded)
    mine = next(t for t in (await client.get("/torrents/info")).json() if t["hash"] == done)
    assert (theirs["ratio_limit"], theirs["seeding_time_limit"]) == (mine["ratio_limit"], mine["seeding_time_limit"])
    export = real_qb.get("/torrents/export", params={"hash": real_magnet})
    my_export = await client.get("/torrents/export", params={"hash": queued})
    assert export.status_code == my_export.status_code == 409
    assert export.text.startswith("Unable to export torrent file. Error:") and \
        my_export.text.startswith("Unable to export torrent file. Error:")


@pytest.mark.anyio
async def test_release_date_goes_where_real_qbittorrent_puts_a_torrents_own_date(real_qb: httpx.Client,
                                                                                 ours: Any) -> None:
    """qBittorrent reports a .torrent's creation date only as properties `creation_date`; `added_on` and
    `addition_date` are when it was added. A magnet's publication time follows the same split."""
    seeded = next(t for t in real_qb.get("/torrents/info").json() if t["name"] == "seeded.mkv")
    real_props = real_qb.get("/torrents/properties", params={"hash": seeded["hash"]}).json()
    assert real_props["creation_date"] == RELEASED
    assert real_props["addition_date"] == seeded["added_on"] > RELEASED
    real_sync = real_qb.get("/sync/maindata", params={"rid": 0}).json()["torrents"][seeded["hash"]]
    assert real_sync["added_on"] == seeded["added_on"] and "creation_date" not in real_sync

    client, world = ours
    uri = magnet(3, published_at=datetime.fromtimestamp(RELEASED, tz=UTC))
    await client.post("/torrents/add", data={"urls": uri, "category": "tv-sonarr"})
    hash_ = parse_magnet(uri).infohash
    [mine] = (await client.get("/torrents/info", params={"hashes": hash_})).json()
    my_props = (await client.get("/torrents/properties", params={"hash": hash_})).json()
    assert my_props["creation_date"] == RELEASED
    assert my_props["addition_date"] == mine["added_on"] == int(world.clock.now().timestamp()) > RELEASED
    my_sync = (await client.get("/sync/maindata", params={"rid": 0})).json()["torrents"][hash_]
    assert my_sync["added_on"] == mine["added_on"] and "creation_date" not in my_sync
