"""Client mistakes get a 4xx in the client's format, never a 5xx (found by fuzzing the served app as a whole).

Regressions: `limit=1e309`/`rid=1e309` on torrents/info and sync/maindata and `ratioLimit=inf` on
torrents/add and setShareLimits crashed with OverflowError (500); every `/strm/*` URL answered 500
"auth misconfigured" when the STRM proxy is simply not enabled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import falcon.testing
import pytest

from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container

pytestmark = pytest.mark.anyio

HASH = "a" * 40


@pytest.fixture
async def conductor(tmp_path: Path) -> AsyncIterator[falcon.testing.ASGIConductor]:
    container = create_container(load_settings({"DATA_DIR": str(tmp_path / "data")}))
    async with falcon.testing.ASGIConductor(build_falcon_app(container)) as client:
        yield client


@pytest.mark.parametrize("value", ["1e309", "-1e309", "inf", "nan", "99999999999999999999999"])
@pytest.mark.parametrize("path", ["/api/v2/torrents/info?limit={v}", "/api/v2/torrents/info?offset={v}",
                                  "/api/v2/sync/maindata?rid={v}"])
async def test_qbittorrent_absurd_numbers_in_queries_are_400(
    conductor: falcon.testing.ASGIConductor, path: str, value: str
) -> None:
    result = await conductor.simulate_get(path.format(v=value))
    assert result.status_code == 400, result.text
    assert "html" not in result.headers.get("content-type", "")


@pytest.mark.parametrize("value", ["1e309", "inf", "nan"])
async def test_qbittorrent_absurd_share_limits_are_400(conductor: falcon.testing.ASGIConductor, value: str) -> None:
    add = await conductor.simulate_post(
        "/api/v2/torrents/add",
        body=f"urls=magnet:?xt=urn:btih:{HASH}&category=sonarr&ratioLimit={value}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert add.status_code == 400, add.text
    limits = await conductor.simulate_post(
        "/api/v2/torrents/setShareLimits",
        body=f"hashes={HASH}&ratioLimit={value}&seedingTimeLimit=1e309",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert limits.status_code == 400, limits.text


@pytest.mark.parametrize("path", ["/strm/stream?site=aniworld.to&slug=x&s=1&e=1&lang=German+Dub",
                                  "/strm/proxy?u=http://127.0.0.1/x", "/strm/proxy/seg.ts?u=x"])
async def test_strm_urls_are_404_not_500_when_the_proxy_is_off(
    conductor: falcon.testing.ASGIConductor, path: str
) -> None:
    for result in (await conductor.simulate_get(path), await conductor.simulate_head(path)):
        assert result.status_code == 404
    assert "STRM_PROXY_MODE" in (await conductor.simulate_get(path)).json["detail"]


@pytest.mark.parametrize("number", ["99999999999999999999", "1" + "0" * 30])
async def test_qbittorrent_add_with_an_absurd_episode_number_fails_cleanly(
    conductor: falcon.testing.ASGIConductor, number: str
) -> None:
    """Regression: the magnet parsed, then SQLite raised OverflowError storing the job (500)."""
    magnet = (f"magnet:?xt=urn:btih:{'e' * 40}&dn=X.S01E01&aw_slug=black-clover&aw_s=1&aw_e={number}"
              "&aw_lang=German+Dub&aw_site=aniworld.to")
    result = await conductor.simulate_post(
        "/api/v2/torrents/add", params={"urls": magnet, "category": "sonarr"})
    assert (result.status_code, result.text) == (200, "Fails."), result.text  # qBittorrent's answer to a bad URL
    assert (await conductor.simulate_get("/api/v2/torrents/info")).json == []


@pytest.mark.parametrize("body", [
    {"slug": "frieren", "season": 1, "episode": 99999999999999999999999},
    {"slug": "frieren", "season": "99999999999999999999", "episode": 1},
    {"slug": "frieren", "season": "\u00b2", "episode": 1},  # str.isdigit() is true for "²", int() is not
])
async def test_legacy_download_with_absurd_numbers_is_400(
    conductor: falcon.testing.ASGIConductor, body: dict[str, object]
) -> None:
    """Regression: 500 OverflowError from SQLite (huge numbers) or ValueError from int("²")."""
    result = await conductor.simulate_post("/downloader/download", json=body)
    assert result.status_code == 422, result.text  # the legacy API's validation status
    assert "season" in result.json["description"] or "episode" in result.json["description"]
