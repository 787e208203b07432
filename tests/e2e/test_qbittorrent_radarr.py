"""Acceptance: Radarr's whole loop against `anibridge serve` on the fake world, with the PyPI `qbittorrent-api`
client and no qBittorrent login (the open mode many home setups use): Test, a movie search by title as Radarr
sends it once its id-only first tier found nothing (`t=movie&q=<title> <year>`), grab the Megakino film's
magnet, poll until `stoppedUP`, import the file from
`content_path` (ffprobe reads it; the name carries the year Radarr parses), delete with files, and search again:
the film now comes under a new hash, so Radarr imports a second grab instead of taking it as already imported."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import qbittorrentapi
from lxml import etree

from anibridge.domain.releases.magnets import parse_magnet
from anibridge_fakes.world import FakeWorld
from tests.e2e.conftest import ServerHandle, start_server, wait_until

pytestmark = pytest.mark.slow

CATEGORY = "radarr"
RADARR_CATS = "2000,2010,2020,2030,2040,2045,2050,2060"
TORZNAB = "{http://torznab.com/schemas/2015/feed}attr"


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = start_server(fake_world.env(), tmp_path_factory.mktemp("radarr") / "data")
    yield handle
    handle.stop()


def _movie_magnet(server: ServerHandle) -> tuple[str, dict[str, str]]:
    r = httpx.get(f"{server.base_url}/torznab/api", timeout=100,
                  params={"t": "movie", "q": "Avengers Endgame 2019", "cat": RADARR_CATS})
    assert r.status_code == 200, r.text
    for item in etree.fromstring(r.content).iter("item"):
        attrs = {str(a.get("name")): str(a.get("value")) for a in item.iter(TORZNAB)}
        if "[STRM]" not in (item.findtext("title") or "") and attrs.get("magneturl"):
            return attrs["magneturl"], attrs
    raise AssertionError(f"no movie item in {r.text[:2000]}")


def test_radarr_grab_poll_import_delete_and_grab_again(server: ServerHandle) -> None:
    qbt = qbittorrentapi.Client(host=server.base_url, RAISE_ERROR_FOR_UNSUPPORTED_QBITTORRENT_VERSIONS=True,
                                REQUESTS_ARGS={"timeout": 30})
    assert httpx.get(f"{server.base_url}/api/v2/app/webapiVersion").status_code == 200  # open mode: no login
    qbt.app_preferences()
    if CATEGORY not in qbt.torrents_categories():
        qbt.torrents_create_category(name=CATEGORY)
    assert qbt.torrents_info(category=CATEGORY) == []

    magnet, attrs = _movie_magnet(server)
    payload = parse_magnet(magnet)
    assert ".2019." in payload.title  # Radarr maps a release to the film by title and year
    assert payload.site.value == "megakino" and attrs["category"].startswith("20")
    assert qbt.torrents_add(urls=magnet, category=CATEGORY, is_stopped=False) == "Ok."
    done = wait_until(lambda: qbt.torrents_info(torrent_hashes=payload.infohash)[0],
                      lambda t: t["state"] in ("stoppedUP", "error"), 90, server)
    assert done["state"] == "stoppedUP", done
    assert done["category"] == CATEGORY and done["name"] == payload.title
    content = Path(done["content_path"])
    assert content.is_file() and content.name.startswith(payload.title) and content.parent == Path(done["save_path"])
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", str(content)],
        check=True, capture_output=True, text=True).stdout)
    assert {s.get("codec_type") for s in probe["streams"]} >= {"video", "audio"}

    qbt.torrents_delete(delete_files=True, torrent_hashes=payload.infohash)  # Radarr imported and removes it
    assert not content.exists() and qbt.torrents_info(category=CATEGORY) == []

    again, _ = _movie_magnet(server)
    second = parse_magnet(again)
    assert second.infohash != payload.infohash and second.title == payload.title
    assert qbt.torrents_add(urls=again, category=CATEGORY) == "Ok."
    redone = wait_until(lambda: qbt.torrents_info(torrent_hashes=second.infohash)[0],
                        lambda t: t["state"] in ("stoppedUP", "error"), 90, server)
    assert redone["state"] == "stoppedUP", redone
    qbt.torrents_delete(delete_files=True, torrent_hashes=second.infohash)
