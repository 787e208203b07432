"""Acceptance: PyPI `qbittorrent-api` calls every endpoint of WebAPI 2.11.4 on a known hash and gets no 404.

The list of endpoints is taken from the client library itself (each API method names its endpoint and the
WebAPI version that introduced or removed it), so it is independent of our endpoint table: an endpoint the
library knows for 2.11.4 and this test does not call fails the test. The server is the qBittorrent API on
in-memory repositories, served by uvicorn on loopback; one task is finished (a real file) so file endpoints
act on a real file.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import qbittorrentapi
import requests
from packaging.version import Version

from anibridge.domain.releases.magnets import parse_magnet
from tests.integration.qbittorrent.serving import served_api
from tests.unit.qbittorrent.world import World, build_world, magnet

WEBAPI = Version("2.11.4")
UNKNOWN_ID_IS_404 = {"torrentcreator/torrentFile", "torrentcreator/deleteTask"}
"""Not torrent endpoints: they name a torrent-creator task, and qBittorrent answers 404 for an unknown one."""


_RSS = ("addFeed", "addFolder", "markAsRead", "moveItem", "refreshItem", "removeItem", "removeRule", "renameRule",
        "setFeedURL", "setRule")
EXPECTED_REFUSALS = {
    ("app/sendTestEmail", 409), ("app/shutdown", 409),  # no mail; the service is not stopped through the API
    *((f"rss/{m}", 409) for m in _RSS),  # no RSS reader: the Torznab feed is for the *arr apps
    ("search/downloadTorrent", 409), ("search/installPlugin", 409), ("torrentcreator/addTask", 409),
    ("torrentcreator/deleteTask", 404), ("torrentcreator/torrentFile", 404),
    ("torrents/export", 409),  # no .torrent exists for a synthetic hash (qB: a torrent without metadata)
    ("torrents/renameFolder", 409),  # single-file torrents have no folders (qB: "No such folder")
    ("torrents/setSSLParameters", 400),
}
"""The answers that are not 2xx: features anibridge has no use for, each with qBittorrent's status."""


def library_endpoints() -> set[str]:
    """`scope/method` of every endpoint qbittorrent-api calls for WebAPI 2.11.4, read from its source."""
    package = Path(qbittorrentapi.__file__).parent
    names = {member.name: str(member.value) for member in qbittorrentapi.definitions.APINames}
    found: set[str] = set()
    for source in package.glob("*.py"):
        for call in re.finditer(r"self\._(?:get|post)\w*\((.*?)\)\n", source.read_text(), re.S):
            body = call.group(1)
            name = re.search(r"_name=APINames\.(\w+)", body)
            method = re.search(r'_method="(\w+)"', body)
            if not (name and method):
                continue
            introduced = re.search(r'version_introduced="([\d.]+)"', body)
            removed = re.search(r'version_removed="([\d.]+)"', body)
            if introduced and Version(introduced.group(1)) > WEBAPI:
                continue
            if removed and Version(removed.group(1)) <= WEBAPI:
                continue
            found.add(f"{names[name.group(1)]}/{method.group(1)}")
    return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[World, str]]:
    world = build_world(tmp_path)
    with served_api(world) as url:
        yield world, url


def test_every_webapi_2_11_4_endpoint_answers_without_404(served: tuple[World, str]) -> None:
    world, url = served
    answers: list[tuple[str, int]] = []

    def record(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        path = (response.request.path_url or "").split("?")[0]
        if path.startswith("/api/v2/"):  # not the client's scheme probe of "/"
            answers.append((path.removeprefix("/api/v2/"), response.status_code))

    qbt = qbittorrentapi.Client(
        host=url, RAISE_ERROR_FOR_UNSUPPORTED_QBITTORRENT_VERSIONS=True,
        RAISE_NOTIMPLEMENTEDERROR_FOR_UNIMPLEMENTED_API_ENDPOINTS=True,
        REQUESTS_ARGS={"timeout": 10, "hooks": {"response": [record]}},
    )
    h, other = parse_magnet(magnet(1)).infohash, parse_magnet(magnet(2)).infohash
    qbt.torrents_create_category(name="tv-sonarr", save_path="/downloads/tv")
    assert qbt.torrents_add(urls=[magnet(1), magnet(2)], category="tv-sonarr", tags="a") == "Ok."
    path = asyncio.run(world.finish(h))
    assert path.parent == world.root / "tv"
    search_id = qbt.search_start(pattern="x", plugins="all", category="all")["id"]

    calls: list[Callable[[], object]] = [
        qbt.app_version, qbt.app_web_api_version, qbt.app_build_info, qbt.app_preferences,
        lambda: qbt.app_set_preferences({"dht": True}), qbt.app_default_save_path,
        qbt.app_cookies, lambda: qbt.app_set_cookies([]), qbt.app_network_interface_list,
        lambda: qbt.app_network_interface_address_list(""),
        lambda: qbt.app_get_directory_content("/downloads"), qbt.app_send_test_email, qbt.app_shutdown,
        qbt.log_main, lambda: qbt.log_main(last_known_id=-1), qbt.log_peers,
        qbt.sync_maindata, lambda: qbt.sync_torrent_peers(h),
        qbt.transfer_info, qbt.transfer_speed_limits_mode, lambda: qbt.transfer_set_speed_limits_mode(True),
        qbt.transfer_toggle_speed_limits_mode, qbt.transfer_download_limit, qbt.transfer_upload_limit,
        lambda: qbt.transfer_set_download_limit(1000), lambda: qbt.transfer_set_upload_limit(1000),
        lambda: qbt.transfer_ban_peers("127.0.0.1:6881"),
        qbt.torrents_info, qbt.torrents_count, lambda: qbt.torrents_properties(h), lambda: qbt.torrents_trackers(h),
        lambda: qbt.torrents_webseeds(h), lambda: qbt.torrents_add_webseeds(h, ["http://127.0.0.1:1/w"]),
        lambda: qbt.torrents_edit_webseed(h, "http://127.0.0.1:1/w", "http://127.0.0.1:2/w"),
        lambda: qbt.torrents_remove_webseeds(h, ["http://127.0.0.1:2/w"]),
        lambda: qbt.torrents_files(h), lambda: qbt.torrents_piece_states(h), lambda: qbt.torrents_piece_hashes(h),
        lambda: qbt.torrents_stop(other), lambda: qbt.torrents_start(other),
        lambda: qbt.torrents_recheck(h), lambda: qbt.torrents_reannounce(h),
        lambda: qbt.torrents_add_trackers(h, ["http://127.0.0.1:3/announce"]),
        lambda: qbt.torrents_edit_tracker(h, "http://127.0.0.1:3/announce", "http://127.0.0.1:4/announce"),
        lambda: qbt.torrents_remove_trackers(h, ["http://127.0.0.1:4/announce"]),
        lambda: qbt.torrents_add_peers("127.0.0.1:6881", h),
        lambda: qbt.torrents_file_priority(h, 0, 7),
        lambda: qbt.torrents_upload_limit(h), lambda: qbt.torrents_download_limit(h),
        lambda: qbt.torrents_set_upload_limit(100, h), lambda: qbt.torrents_set_download_limit(200, h),
        lambda: qbt.torrents_set_share_limits(-2, -2, -2, torrent_hashes=h),
        lambda: qbt.torrents_toggle_sequential_download(h), lambda: qbt.torrents_toggle_first_last_piece_priority(h),
        lambda: qbt.torrents_set_super_seeding(True, h), lambda: qbt.torrents_set_force_start(True, other),
        lambda: qbt.torrents_set_auto_management(False, h),
        lambda: qbt.torrents_increase_priority(other), lambda: qbt.torrents_decrease_priority(other),
        lambda: qbt.torrents_top_priority(other), lambda: qbt.torrents_bottom_priority(other),
        lambda: qbt.torrents_set_location("/downloads/moved", h),
        lambda: qbt.torrents_set_save_path("/downloads/tv", h),
        lambda: qbt.torrents_set_download_path("/downloads/incomplete", h),
        lambda: qbt.torrents_rename(h, "Kaguya-sama.S01E01.Renamed"),
        lambda: qbt.torrents_rename_file(h, old_path="Kaguya-sama.S01E01.Renamed.mp4", new_path="E01.mp4"),
        lambda: qbt.torrents_rename_folder(h, old_path="Season 1", new_path="S01"),
        lambda: qbt.torrents_export(h),
        lambda: qbt.torrents_ssl_parameters(h),
        lambda: qbt.torrents_set_ssl_parameters(h, "cert", "key", "dh"),
        qbt.torrents_categories, lambda: qbt.torrents_edit_category("tv-sonarr", save_path="/downloads/tv"),
        lambda: qbt.torrents_create_category("radarr"), lambda: qbt.torrents_set_category("radarr", other),
        lambda: qbt.torrents_remove_categories("radarr"),
        qbt.torrents_tags, lambda: qbt.torrents_create_tags("x"), lambda: qbt.torrents_add_tags("y", h),
        lambda: qbt.torrents_set_tags(["y", "z"], h), lambda: qbt.torrents_remove_tags("y", h),
        lambda: qbt.torrents_delete_tags("x"),
        qbt.rss_items, qbt.rss_rules, lambda: qbt.rss_matching_articles("rule"),
        lambda: qbt.rss_add_folder("f"), lambda: qbt.rss_add_feed("http://127.0.0.1:1/rss", "f"),
        lambda: qbt.rss_set_feed_url("http://127.0.0.1:1/rss2", "f"), lambda: qbt.rss_remove_item("f"),
        lambda: qbt.rss_move_item("f", "g"), lambda: qbt.rss_refresh_item("f"), lambda: qbt.rss_mark_as_read("f"),
        lambda: qbt.rss_set_rule("rule", {}), lambda: qbt.rss_rename_rule("rule", "r2"),
        lambda: qbt.rss_remove_rule("r2"),
        qbt.search_plugins, lambda: qbt.search_status(search_id), lambda: qbt.search_results(search_id),
        lambda: qbt.search_stop(search_id), lambda: qbt.search_delete(search_id),
        lambda: qbt.search_install_plugin("http://127.0.0.1:1/p.py"), lambda: qbt.search_uninstall_plugin("p"),
        lambda: qbt.search_enable_plugin("p", True), qbt.search_update_plugins,
        lambda: qbt.search_download_torrent("http://127.0.0.1:1/t.torrent", "p"),
        lambda: qbt.torrentcreator_add_task(source_path="/downloads/tv", torrent_file_path="/downloads/x.torrent"),
        qbt.torrentcreator_status, lambda: qbt.torrentcreator_torrent_file("unknown"),
        lambda: qbt.torrentcreator_delete_task("unknown"),
        lambda: qbt.torrents_delete(True, h),
        lambda: qbt.auth_log_in("admin", "any"), qbt.auth_log_out,
    ]
    for call in calls:
        try:
            call()
        except qbittorrentapi.APIError:
            pass  # a 4xx with qBittorrent's message; which status is checked below

    called = {path for path, _status in answers}
    missing = library_endpoints() - called
    assert not missing, f"WebAPI 2.11.4 endpoints this test did not call: {sorted(missing)}"
    not_found = sorted({path for path, status in answers if status == 404} - UNKNOWN_ID_IS_404)
    assert not not_found, f"answered 404: {not_found}"
    assert {path for path, status in answers if status == 404} == UNKNOWN_ID_IS_404
    refused = {(path, status) for path, status in answers if status >= 300}
    assert refused == EXPECTED_REFUSALS  # every other call, all torrent ones included, succeeded


def test_file_endpoints_act_on_the_real_file(served: tuple[World, str]) -> None:
    world, url = served
    qbt = qbittorrentapi.Client(host=url, REQUESTS_ARGS={"timeout": 10})
    h = parse_magnet(magnet(1)).infohash
    qbt.torrents_add(urls=magnet(1), save_path="/downloads/anime")
    path = asyncio.run(world.finish(h))
    assert path.parent == world.root / "anime"
    qbt.torrents_set_location("/downloads/moved", h)
    [t] = qbt.torrents_info(torrent_hashes=h)
    assert t.save_path == "/downloads/moved" and (world.root / "moved" / path.name).exists()
    qbt.torrents_rename_file(h, old_path=path.name, new_path="E01.mp4")
    assert (world.root / "moved" / "E01.mp4").exists()
    assert qbt.torrents_files(h)[0].name == "E01.mp4"
    qbt.torrents_set_share_limits(-2, -2, -2, torrent_hashes=h)
    [t] = qbt.torrents_info(torrent_hashes=h)
    assert (t.ratio_limit, t.seeding_time_limit) == (-2, -2)
    qbt.torrents_create_category("tv-sonarr")
    with pytest.raises(qbittorrentapi.Conflict409Error):
        qbt.torrents_create_category("tv-sonarr")
    with pytest.raises(qbittorrentapi.Conflict409Error):
        qbt.torrents_edit_category("missing", save_path="")
    readd = t.magnet_uri
    qbt.torrents_delete(False, h)
    assert qbt.torrents_add(urls=readd) == "Ok." and qbt.torrents_info(torrent_hashes=h)[0].hash == h
