"""Acceptance: the PyPI `qbittorrent-api` client drives `anibridge serve` in Sonarr's exact call order
against the fake world: Test, grab a magnet taken from a Torznab result, poll until
`stoppedUP`, import from `content_path` (ffprobe reads it), re-categorise, delete with files. Also: a
Sonarr-style >1024-byte multipart add whose preferred hoster fails (→ next hoster), deleting while downloading
(→ job cancelled, partial removed), all hosters failing (→ `error` with the reason), wrong password and an
expired session (→ 403, never 401)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import qbittorrentapi
from lxml import etree

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.releases.magnets import (
    build_magnet,
    parse_magnet,
)
from anibridge_fakes.hosters.farm import VOE_MIRROR
from anibridge_fakes.media import ensure_media
from anibridge_fakes.world import FakeWorld
from tests.e2e.conftest import ServerHandle, start_server, wait_until
from tests.unit.qbittorrent.sonarr_rules import seed_goal_reached

pytestmark = pytest.mark.slow

USER, PASSWORD = "sonarr", "s3cret"
CATEGORY, IMPORTED = "tv-sonarr", "sonarr-imported"
SLUG = "kaguya-sama-love-is-war"
TORZNAB = "{http://torznab.com/schemas/2015/feed}attr"


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    media = ensure_media()
    size = min(f.stat().st_size for f in (media.file("mp4", n) for n in ("720p.mp4", "1080p.mp4")) if f)
    env = fake_world.env() | {
        "QBIT_USERNAME": USER,
        "QBIT_PASSWORD": PASSWORD,
        "QBIT_SESSION_TIMEOUT_SECONDS": "3",
        # ~2 s per download, so "delete while downloading" finds one in flight.
        "DOWNLOAD_RATE_LIMIT_BYTES_PER_SEC": str(max(size // 2, 8192)),
        "MAX_CONCURRENCY": "3",
    }
    handle = start_server(env, tmp_path_factory.mktemp("qbit") / "data")
    yield handle
    handle.stop()


@pytest.fixture
def qbt(server: ServerHandle) -> Iterator[qbittorrentapi.Client]:
    client = qbittorrentapi.Client(
        host=server.base_url, username=USER, password=PASSWORD,
        RAISE_ERROR_FOR_UNSUPPORTED_QBITTORRENT_VERSIONS=True, REQUESTS_ARGS={"timeout": 30},
    )
    yield client
    client.auth_log_out()


def _downloads(server: ServerHandle) -> Path:
    return Path(server.log_path).parent / "data" / "downloads"


def _job_state(server: ServerHandle, hash_: str) -> str:
    db = Path(server.log_path).parent / "data" / "anibridge.db"
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT j.state FROM jobs j JOIN client_tasks t ON t.job_id = j.id WHERE t.hash = ?", (hash_,)
        ).fetchone()
        if row is None:  # the task row is gone after a delete: the newest job of that episode
            row = conn.execute("SELECT state FROM jobs WHERE id = (SELECT id FROM jobs ORDER BY created_at DESC "
                               "LIMIT 1)").fetchone()
    return str(row[0])


def _torznab_magnet(server: ServerHandle, season: int, episode: int) -> str:
    r = httpx.get(f"{server.base_url}/torznab/api", timeout=100, params={
        "t": "tvsearch", "tvdbid": "354198", "season": season, "ep": episode, "cat": "5030,5040,5070"})
    assert r.status_code == 200, r.text
    for item in etree.fromstring(r.content).iter("item"):
        title = item.findtext("title") or ""
        attrs = {a.get("name"): a.get("value") for a in item.iter(TORZNAB)}
        if "[STRM]" not in title and ".SUB" not in title and attrs.get("magneturl"):
            return str(attrs["magneturl"])
    raise AssertionError(f"no German Dub download item in {r.text[:2000]}")


def _sonarr_test(server: ServerHandle, qbt: qbittorrentapi.Client) -> None:
    """QBittorrent.Test: probe, login, version, preferences, categories (create if missing), torrents/info."""
    assert httpx.get(f"{server.base_url}/api/v2/app/webapiVersion").status_code == 403  # "v2 supported"
    qbt.auth_log_in()
    assert qbt.app_web_api_version() == "2.11.4" and qbt.app_version() == "v5.1.4"
    prefs = qbt.app_preferences()
    assert prefs["max_ratio_act"] == 0  # Sonarr's Test refuses only limits whose action removes torrents
    if CATEGORY not in qbt.torrents_categories():
        qbt.torrents_create_category(name=CATEGORY)
    assert CATEGORY in qbt.torrents_categories()
    assert all(isinstance(t["hash"], str) for t in qbt.torrents_info(category=CATEGORY))


def test_sonarr_grab_poll_import_delete(server: ServerHandle, qbt: qbittorrentapi.Client) -> None:
    _sonarr_test(server, qbt)
    magnet = _torznab_magnet(server, 1, 1)
    hash_ = parse_magnet(magnet).infohash
    assert qbt.app_preferences()["dht"] is True
    t0 = time.monotonic()
    assert qbt.torrents_add(urls=magnet, category=CATEGORY, is_stopped=False) == "Ok."
    assert time.monotonic() - t0 < 2
    assert qbt.torrents_add(urls=magnet, category=CATEGORY) == "Ok."  # re-grab: idempotent
    props = qbt.torrents_properties(torrent_hash=hash_)  # WaitForTorrent
    assert props["save_path"]
    qbt.torrents_top_priority(torrent_hashes=hash_)
    qbt.torrents_add_tags(tags="anime", torrent_hashes=hash_)

    def poll() -> dict[str, Any]:
        qbt.app_web_api_version()
        qbt.app_preferences()
        [item] = qbt.torrents_info(category=CATEGORY)
        return dict(item)

    done = wait_until(poll, lambda t: t["state"] in ("stoppedUP", "error"), 90, server)
    assert done["state"] == "stoppedUP", done
    assert done["hash"] == hash_ and done["name"] == parse_magnet(magnet).title
    assert done["progress"] == 1 and seed_goal_reached(done, qbt.app_preferences())  # Sonarr may move + delete
    assert done["size"] == done["completed"] == Path(done["content_path"]).stat().st_size > 0
    content = Path(done["content_path"])
    assert done["content_path"] != done["save_path"] and content.is_file() and content.parent == Path(done["save_path"])
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", str(content)],
        check=True, capture_output=True, text=True).stdout)
    assert any(s.get("codec_type") == "video" for s in probe["streams"])
    assert [f["name"] for f in qbt.torrents_files(torrent_hash=hash_)] == [content.name]

    qbt.torrents_create_category(name=IMPORTED)
    qbt.torrents_set_category(category=IMPORTED, torrent_hashes=hash_)
    assert qbt.torrents_info(category=IMPORTED)[0]["hash"] == hash_
    qbt.torrents_delete(delete_files=True, torrent_hashes=hash_)
    assert not content.exists()
    assert qbt.torrents_info() == [] or hash_ not in {t["hash"] for t in qbt.torrents_info()}

    # The user deletes the imported file and searches again. Sonarr would take a grab under the imported hash
    # for "already imported" and never import it, so the same episode now comes under a new hash.
    again = _torznab_magnet(server, 1, 1)
    new_hash = parse_magnet(again).infohash
    assert new_hash != hash_ and parse_magnet(again).title == parse_magnet(magnet).title
    assert _torznab_magnet(server, 1, 1) == again  # stable until that one is imported and removed too
    assert qbt.torrents_add(urls=again, category=CATEGORY, is_stopped=False) == "Ok."
    redone = wait_until(lambda: qbt.torrents_info(torrent_hashes=new_hash)[0],
                   lambda t: t["state"] in ("stoppedUP", "error"), 90, server)
    assert redone["state"] == "stoppedUP", redone
    assert Path(redone["content_path"]).is_file()
    qbt.torrents_delete(delete_files=True, torrent_hashes=new_hash)


def test_multipart_add_and_hoster_fallback(server: ServerHandle, fake_world: FakeWorld) -> None:
    """Sonarr switches to multipart above 1024 bytes and sends .NET booleans; VOE fails, Vidoza delivers."""
    ref = EpisodeRef(Site.ANIWORLD, SLUG, 1, 2, Language.GERMAN_SUB)
    magnet = build_magnet(ref, "Kaguya-sama Love is War.S01E02.720p.WEB.H264.GER.SUB-ANIWORLD", provider="VOE")
    magnet += "".join(f"&tr=http%3A%2F%2Ftracker{i}.example.org%3A6969%2Fannounce" for i in range(30))
    assert len(magnet) > 1024
    hash_ = parse_magnet(magnet).infohash
    fake_world.hosters["VOE"].app.faults.status = 503
    with httpx.Client(base_url=f"{server.base_url}/api/v2", timeout=30) as c:
        c.headers["Authorization"] = "Basic c29uYXJyOnMzY3JldA=="  # Sonarr's pre-emptive header: ignored
        assert c.post("/auth/login", data={"username": USER, "password": PASSWORD}).text == "Ok."
        boundary = "-----------------------------8dc0c2a0f1c2b3e"
        body = "".join(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            for k, v in (("urls", magnet), ("category", CATEGORY), ("stopped", "False"))
        ) + f"--{boundary}--\r\n"
        r = c.post("/torrents/add", content=body.encode(),
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 200 and r.text == "Ok."
        done = wait_until(lambda: c.get("/torrents/info", params={"hashes": hash_}).json()[0],
                     lambda t: t["state"] in ("stoppedUP", "error"), 90, server)
        assert done["state"] == "stoppedUP", done
        # VOE (the magnet's provider, tried first) answers 503 to everything, so Vidoza delivered.
        assert fake_world.hosters["Vidoza"].app.hits
        assert Path(done["content_path"]).is_file()
        c.post("/torrents/delete", data={"hashes": hash_, "deleteFiles": "True"})


def test_delete_while_downloading_cancels_and_removes_partial(
    server: ServerHandle, qbt: qbittorrentapi.Client
) -> None:
    ref = EpisodeRef(Site.ANIWORLD, SLUG, 1, 3, Language.GERMAN_DUB)
    magnet = build_magnet(ref, "Kaguya-sama Love is War.S01E03.1080p.WEB.H264.GER-ANIWORLD", provider="VOE")
    hash_ = parse_magnet(magnet).infohash
    assert qbt.torrents_add(urls=magnet, category=CATEGORY) == "Ok."
    wait_until(lambda: qbt.torrents_info(torrent_hashes=hash_)[0],
          lambda t: t["state"] == "downloading" and t["progress"] > 0, 60, server)
    downloads = _downloads(server)
    assert list(downloads.glob(".anibridge-*")), "a partial file exists mid-download"
    qbt.torrents_delete(delete_files=True, torrent_hashes=hash_)
    assert hash_ not in {t["hash"] for t in qbt.torrents_info()}
    wait_until(lambda: _job_state(server, hash_), lambda s: s == "cancelled", 20, server)
    wait_until(lambda: list(downloads.glob(".anibridge-*")), lambda left: left == [], 20, server)
    assert not list(downloads.glob("*S01E03*"))


def test_all_hosters_failing_is_error_with_reason(
    server: ServerHandle, qbt: qbittorrentapi.Client, fake_world: FakeWorld
) -> None:
    for name in ("VOE", "Filemoon"):  # every hoster that offers this episode in German Dub
        fake_world.hosters[name].app.faults.status = 503
    ref = EpisodeRef(Site.ANIWORLD, SLUG, 1, 4, Language.GERMAN_DUB)
    magnet = build_magnet(ref, "Kaguya-sama Love is War.S01E04.1080p.WEB.H264.GER-ANIWORLD", provider="VOE")
    hash_ = parse_magnet(magnet).infohash
    assert qbt.torrents_add(urls=magnet, category=CATEGORY) == "Ok."
    failed = wait_until(lambda: qbt.torrents_info(torrent_hashes=hash_)[0], lambda t: t["state"] == "error", 90, server)
    assert "VOE" in failed["comment"] and "Filemoon" in failed["comment"], failed["comment"]
    assert failed["content_path"] == ""
    assert any("VOE" in t["msg"] for t in qbt.torrents_trackers(torrent_hash=hash_))
    assert qbt.torrents_info(status_filter="errored")[0]["hash"] == hash_
    qbt.torrents_delete(delete_files=True, torrent_hashes=hash_)


def test_a_broken_file_from_the_first_hoster_is_refused_and_the_second_delivers(
    server: ServerHandle, qbt: qbittorrentapi.Client, fake_world: FakeWorld
) -> None:
    """VOE (the magnet's hoster, tried first) answers every media request with 200 and an HTML "File not found"
    page. That file used to be reported complete; now it is refused and the episode arrives, verified, from the
    next hoster."""
    fake_world.hosters["VOE"].app.faults.broken_media = "html-all"
    ref = EpisodeRef(Site.ANIWORLD, SLUG, 1, 5, Language.GERMAN_DUB)
    magnet = build_magnet(ref, "Kaguya-sama Love is War.S01E05.1080p.WEB.H264.GER-ANIWORLD", provider="VOE")
    hash_ = parse_magnet(magnet).infohash
    voe_hits = len(fake_world.hosters[VOE_MIRROR].app.hits)
    assert qbt.torrents_add(urls=magnet, category=CATEGORY) == "Ok."
    done = wait_until(lambda: qbt.torrents_info(torrent_hashes=hash_)[0],
                      lambda t: t["state"] in ("stoppedUP", "error"), 90, server)
    assert done["state"] == "stoppedUP", done
    assert len(fake_world.hosters[VOE_MIRROR].app.hits) > voe_hits  # VOE's broken media was really fetched
    content = Path(done["content_path"])
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", str(content)],
        check=True, capture_output=True, text=True).stdout)
    assert {s.get("codec_type") for s in probe["streams"]} >= {"video", "audio"}
    assert not list(_downloads(server).glob(".anibridge-*"))  # VOE's rejected file is gone
    assert "S01E05" not in " ".join(p.name for p in _downloads(server).iterdir() if p != content)
    qbt.torrents_delete(delete_files=True, torrent_hashes=hash_)


def test_wrong_password_and_expired_session_are_403(server: ServerHandle) -> None:
    api = f"{server.base_url}/api/v2"
    with httpx.Client(base_url=api, timeout=10) as c:
        r = c.post("/auth/login", data={"username": USER, "password": "nope"})
        assert r.status_code == 200 and r.text == "Fails." and "SID" not in r.cookies
        assert c.get("/torrents/info").status_code == 403
        r = c.post("/auth/login", data={"username": USER, "password": PASSWORD})
        assert r.text == "Ok." and "Secure" not in r.headers["set-cookie"]
        assert c.get("/torrents/info").status_code == 200
        time.sleep(3.5)  # QBIT_SESSION_TIMEOUT_SECONDS=3
        assert c.get("/torrents/info").status_code == 403
        assert c.post("/auth/login", data={"username": USER, "password": PASSWORD}).text == "Ok."
        assert c.get("/torrents/info").status_code == 200
    with pytest.raises(qbittorrentapi.LoginFailed):
        qbittorrentapi.Client(host=server.base_url, username=USER, password="wrong").auth_log_in()
