"""Values a column or PostgreSQL cannot hold are refused as client errors on both backends.

Regression (found running the server on PostgreSQL): a 300-character category or slug, a 100-character
`aw_provider`, or a NUL byte in `dn`/slug/category answered 500 `DataError` (value too long for
character varying / text fields cannot contain NUL); SQLite silently stored them. An over-long release title
would also have made the final rename fail (ENAMETOOLONG); file names are now cut to fit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import falcon.testing
import pytest

from anibridge.domain.releases.names import final_file_name
from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container

pytestmark = pytest.mark.anyio


@pytest.fixture
async def conductor(tmp_path: Path, app_database_url: str) -> AsyncIterator[falcon.testing.ASGIConductor]:
    env = {"DATA_DIR": str(tmp_path / "data")} | ({"DATABASE_URL": app_database_url} if app_database_url else {})
    container = create_container(load_settings(env))
    try:
        async with falcon.testing.ASGIConductor(build_falcon_app(container)) as client:
            yield client
    finally:
        container.database().dispose()


def _magnet(letter: str, **extra: str) -> str:
    keys = {"dn": "X.S01E01", "aw_slug": "black-clover", "aw_s": "1", "aw_e": "1", "aw_lang": "German Dub",
            "aw_site": "aniworld.to"} | extra
    return f"magnet:?xt=urn:btih:{letter * 40}&" + urlencode(keys)


@pytest.mark.parametrize("extra", [{"aw_slug": "s" * 300}, {"aw_provider": "P" * 100}, {"dn": "X\x00Y.S01E01"},
                                   {"aw_slug": "black\x00clover"}])
async def test_unstorable_magnet_values_fail_cleanly(
    conductor: falcon.testing.ASGIConductor, extra: dict[str, str]
) -> None:
    result = await conductor.simulate_post("/api/v2/torrents/add", params={"urls": _magnet("b", **extra)})
    assert (result.status_code, result.text) == (200, "Fails.")
    assert (await conductor.simulate_get("/api/v2/torrents/info")).json == []


@pytest.mark.parametrize("name", ["c" * 300, "a\x00b"])
async def test_unstorable_category_names_are_409(conductor: falcon.testing.ASGIConductor, name: str) -> None:
    create = await conductor.simulate_post("/api/v2/torrents/createCategory", params={"category": name})
    assert create.status_code == (400 if "\x00" in name else 409)  # a NUL in any form field is a bad parameter
    add = await conductor.simulate_post("/api/v2/torrents/add", params={"urls": _magnet("c"), "category": name})
    assert add.status_code < 500
    assert (await conductor.simulate_get("/api/v2/torrents/categories")).json == {}


async def test_save_path_with_nul_is_400(conductor: falcon.testing.ASGIConductor) -> None:
    result = await conductor.simulate_post("/api/v2/torrents/createCategory",
                                           params={"category": "sonarr", "savePath": "/data\x00/x"})
    assert result.status_code == 400


@pytest.mark.parametrize("slug", ["s" * 300, "a\x00b"])
async def test_legacy_download_refuses_unstorable_slugs(conductor: falcon.testing.ASGIConductor, slug: str) -> None:
    result = await conductor.simulate_post("/downloader/download", json={"slug": slug, "season": 1, "episode": 1})
    assert result.status_code == 422


def test_over_long_release_titles_make_file_names_that_fit() -> None:
    name = final_file_name("Ä" * 400 + ".S01E01", ".mp4")
    assert name is not None and name.endswith(".mp4") and len(name.encode()) <= 240
    assert final_file_name("Show.S01E01.MKV", ".mkv") == "Show.S01E01.MKV"
    assert final_file_name("a\x00b\x1fc", "mp4") == "a_b_c.mp4"


@pytest.mark.parametrize("seeding, ratio", [("99999999999", "1e300"), ("-99999999999", "-5")])
async def test_share_limits_are_clamped_like_qbittorrent(
    conductor: falcon.testing.ASGIConductor, seeding: str, ratio: str
) -> None:
    """Regression: seedingTimeLimit=99999999999 overflowed PostgreSQL's INTEGER column (500 DataError)."""
    add = await conductor.simulate_post("/api/v2/torrents/add", params={
        "urls": _magnet("d"), "category": "sonarr", "seedingTimeLimit": seeding, "ratioLimit": ratio, "stopped": "true"})
    assert add.text == "Ok."
    limits = await conductor.simulate_post("/api/v2/torrents/setShareLimits", params={
        "hashes": "d" * 40, "seedingTimeLimit": seeding, "ratioLimit": ratio})
    assert limits.status_code == 200
    (task,) = (await conductor.simulate_get("/api/v2/torrents/info")).json
    assert -2 <= task["seeding_time_limit"] <= 525600 and -2 <= task["ratio_limit"] <= 9998


@pytest.fixture
async def strm_conductor(tmp_path: Path, app_database_url: str) -> AsyncIterator[falcon.testing.ASGIConductor]:
    env = {"DATA_DIR": str(tmp_path / "data"), "STRM_PROXY_MODE": "proxy", "STRM_PROXY_AUTH": "none",
           "STRM_PUBLIC_BASE_URL": "http://127.0.0.1:1"} | ({"DATABASE_URL": app_database_url} if app_database_url else {})
    container = create_container(load_settings(env))
    try:
        async with falcon.testing.ASGIConductor(build_falcon_app(container)) as client:
            yield client
    finally:
        container.database().dispose()


@pytest.mark.parametrize("query", [
    "slug=" + "s" * 300 + "&s=1&e=1", "slug=a%00b&s=1&e=1", "slug=x&s=1&e=1&provider=" + "P" * 100,
    "slug=x&s=99999999999&e=1", "slug=x&s=%C2%B2&e=1",
])
async def test_strm_stream_refuses_unstorable_identities(
    strm_conductor: falcon.testing.ASGIConductor, query: str
) -> None:
    """Regression: with STRM_PROXY_AUTH=none these reached the mapping table (PostgreSQL: 500 DataError)."""
    result = await strm_conductor.simulate_get("/strm/stream?site=aniworld.to&lang=German+Dub&" + query)
    assert result.status_code == 400, result.text
