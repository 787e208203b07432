"""No 500 on odd input, on SQLite and PostgreSQL; every surface answers in its client's format and no error body
carries exception text.

Regressions: Torznab `offset`/`limit`/`cat`/`tvdbid`/`tmdbid`/`rid`/`tvmazeid` set to `²`, `①` or more than
4,300 digits (int() refuses them after str.isdigit() accepted them); `torrents/files` with `indexes=0|²`; the
JSON job API with deeply nested JSON or a lone `\\ud800`; on PostgreSQL NUL bytes in tags, hashes, category
lists, `title_hint` or `/jobs/%00`, and tags over 255 characters — all 500 with the SQL in the body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import falcon.testing
import pytest
from lxml import etree

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.releases.magnets import build_magnet
from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container
from tests.integration.security.conftest import OFFLINE

pytestmark = pytest.mark.anyio

MAGNET = build_magnet(EpisodeRef(Site.ANIWORLD, "frieren", 1, 1, Language.GERMAN_DUB),
                      "Frieren.S01E01.1080p.WEB.H264.GER-ANIWORLD", provider="VOE")
HASH = MAGNET.split("btih:", 1)[1][:40].lower()
ODD_NUMBERS = ["\u00b2", "\u2460", "9" * 4301, "-1", "1.5", "0x10", " ", "\x00"]
LEAK_MARKERS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "SELECT", "INSERT", "ValueError", "OverflowError",
                "DataError")


@pytest.fixture
async def client(tmp_path: Path, app_database_url: str) -> AsyncIterator[falcon.testing.ASGIConductor]:
    env = {"DATA_DIR": str(tmp_path / "data"), **OFFLINE} | ({"DATABASE_URL": app_database_url} if app_database_url else {})
    container = create_container(load_settings(env))
    try:
        async with falcon.testing.ASGIConductor(build_falcon_app(container)) as conductor:
            added = await conductor.simulate_post("/api/v2/torrents/add",
                                                  params={"urls": MAGNET, "category": "sonarr"})
            assert added.text == "Ok."
            yield conductor
    finally:
        container.database().dispose()


def _no_leak(result: falcon.testing.Result) -> None:
    assert result.status_code < 500, result.text[:300]
    for marker in LEAK_MARKERS:
        assert marker not in result.text, result.text[:300]


@pytest.mark.parametrize("name", ["offset", "limit", "cat", "tvdbid", "tmdbid", "rid", "tvmazeid", "season", "ep"])
@pytest.mark.parametrize("value", ODD_NUMBERS)
async def test_torznab_odd_numbers_are_torznab_errors(
    client: falcon.testing.ASGIConductor, name: str, value: str
) -> None:
    result = await client.simulate_get("/torznab/api", params={"t": "tvsearch", "q": "x", name: value})
    _no_leak(result)
    assert result.status_code == 200
    root = etree.fromstring(result.content)
    assert root.tag in ("error", "rss")
    if value.strip() and root.tag == "error":
        assert root.get("code") in ("201", "900")  # 900: the (unreachable) sites were searched


@pytest.mark.parametrize("indexes", ["0|\u00b2", "\u2460", "9" * 4301, "0|-1|x", "0|" * 3000])
async def test_torrent_files_odd_indexes(client: falcon.testing.ASGIConductor, indexes: str) -> None:
    result = await client.simulate_get("/api/v2/torrents/files", params={"hash": HASH, "indexes": indexes})
    _no_leak(result)
    assert result.status_code in (200, 400)


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"slug": "\\ud800", "season": 1, "episode": 1}',
                                  b'{"slug": "frieren", "season": 1, "episode": 1, "title_hint": "a\\u0000b"}',
                                  b'{"slug": "frieren", "season": 1, "episode": 1, "title_hint": "\\udfff"}',
                                  b"\xff\xfe{", b'{"slug": {"a": [1, {"b": null}]}}'])
async def test_job_api_odd_json_is_422(client: falcon.testing.ASGIConductor, body: bytes) -> None:
    result = await client.simulate_post("/downloader/download", body=body,
                                        headers={"Content-Type": "application/json"})
    _no_leak(result)
    assert result.status_code == 422 and set(result.json) == {"title", "description"}


@pytest.mark.parametrize("job_id", ["%00", "a%00b", "x" * 5000, "%F0%9F%92%A9", "..%2F..%2Fetc"])
async def test_job_ids_that_cannot_exist_are_404(client: falcon.testing.ASGIConductor, job_id: str) -> None:
    for method in ("GET", "DELETE"):
        result = await client.simulate_request(method, f"/jobs/{job_id}")
        _no_leak(result)
        assert result.status_code == 404
    _no_leak(await client.simulate_get(f"/jobs/{job_id}/events"))


@pytest.mark.parametrize(("path", "form"), [
    ("torrents/addTags", {"hashes": HASH, "tags": "a\x00b"}),
    ("torrents/addTags", {"hashes": HASH, "tags": "t" * 300}),
    ("torrents/createTags", {"tags": "x\x00"}),
    ("torrents/createTags", {"tags": "t" * 256}),
    ("torrents/removeTags", {"hashes": HASH, "tags": "a\x00"}),
    ("torrents/deleteTags", {"tags": "a\x00"}),
    ("torrents/delete", {"hashes": "a\x00b", "deleteFiles": "false"}),
    ("torrents/setCategory", {"hashes": HASH + "\x00", "category": "sonarr"}),
    ("torrents/setCategory", {"hashes": HASH, "category": "so\x00narr"}),
    ("torrents/removeCategories", {"categories": "a\x00b\nc"}),
    ("torrents/stop", {"hashes": "\x00"}),
    ("torrents/info", {"hashes": "a\x00", "category": "x\x00", "tag": "y\x00"}),
    ("torrents/properties", {"hash": "\x00"}),
    ("torrents/files", {"hash": HASH + "\x00"}),
    ("torrents/add", {"urls": MAGNET, "tags": "a\x00b", "category": "sonarr"}),
    ("torrents/add", {"urls": MAGNET, "tags": "t" * 300, "category": "sonarr"}),
    ("torrents/add", {"urls": MAGNET, "category": "c\x00"}),
    ("torrents/add", {"urls": MAGNET.replace(HASH.upper(), HASH.upper()[:39] + "\x00")}),
])
async def test_qbittorrent_unstorable_values_are_client_errors(
    client: falcon.testing.ASGIConductor, path: str, form: dict[str, str]
) -> None:
    result = await client.simulate_post(f"/api/v2/{path}", params=form)
    _no_leak(result)
    assert result.headers["content-type"].startswith(("text/plain", "application/json"))
    info = await client.simulate_get("/api/v2/torrents/info")
    assert info.status_code == 200
    assert all(len(t) <= 255 and "\x00" not in t for row in info.json for t in row["tags"].split(", "))
