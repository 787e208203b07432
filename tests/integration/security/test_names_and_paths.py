"""Slugs, file names, categories and save paths cannot steer anibridge outside what they name.

Regressions: slug `../../../../etc/passwd` made anibridge request `GET <aniworld>/etc/passwd/staffel-1/episode-1`
and a slug ending in `/staffel-1/episode-1?x=` downloaded another episode under a foreign hash; file names kept
bidi and zero-width characters, and a `dn` of `..` or `.anibridge-<32 hex>.Vidoza` became a hidden file
matching the temp-file pattern another job's cleanup deletes; categories named `..` and save paths like `/etc`
were stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import falcon.testing
import httpx
import pytest

from anibridge.adapters.sites.aniworld import AniWorldCatalog
from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.releases.names import final_file_name
from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.catalog import site_options
from anibridge.wiring.container import create_container
from tests.integration.security.conftest import OFFLINE

pytestmark = pytest.mark.anyio

EVIL_SLUGS = ["../../../../etc/passwd", "frieren/staffel-1/episode-1?x=", "Frieren", "a b", "frieren%2F..",
              "-", "frieren\u200b", "x" * 256, "."]


@pytest.mark.parametrize("slug", EVIL_SLUGS)
def test_episode_refs_refuse_slugs_outside_the_catalogue_alphabet(slug: str) -> None:
    with pytest.raises(ValueError):
        EpisodeRef(Site.ANIWORLD, slug, 1, 1, Language.GERMAN_DUB)


def test_real_catalogue_slugs_pass() -> None:
    for slug in ("kaguya-sama-love-is-war", "86-eighty-six", "9-1-1", "x"):
        assert EpisodeRef(Site.ANIWORLD, slug, 1, 1, Language.GERMAN_DUB).slug == slug


async def test_site_urls_keep_a_slug_in_one_path_segment(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.raw_path, "ascii"))
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        settings = load_settings({"ANIWORLD_BASE_URL": "http://aniworld.test", "DATA_DIR": str(tmp_path)})
        catalog = AniWorldCatalog(client, site_options(settings, Site.ANIWORLD))
        with pytest.raises(Exception):  # noqa: B017 - NotFound or SiteUnavailable: only the URL matters here
            await catalog.series("../../../../etc/passwd")
    assert seen and all(p.startswith("/anime/stream/..%2F..%2F") for p in seen), seen


@pytest.mark.parametrize(("dn", "expected"), [
    ("進撃\u202egnp.exe\u200b", "進撃gnp.exe.mp4"),
    ("..", None),
    (".anibridge-" + "ab" * 16 + ".Vidoza", "anibridge-" + "ab" * 16 + ".Vidoza.mp4"),
    (".hidden.S01E01", "hidden.S01E01.mp4"),
    ("A\u2028B\ufeff.S01E01", "AB.S01E01.mp4"),
])
def test_file_names_are_visible_and_never_hidden(dn: str, expected: str | None) -> None:
    assert final_file_name(dn, "mp4") == expected


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[falcon.testing.ASGIConductor]:
    env = {"DATA_DIR": str(tmp_path / "data"), "QBIT_PUBLIC_SAVE_PATH": "/downloads", **OFFLINE}
    async with falcon.testing.ASGIConductor(build_falcon_app(create_container(load_settings(env)))) as conductor:
        yield conductor


@pytest.mark.parametrize("slug", ["../../../../etc/passwd", "frieren/staffel-1/episode-1?x="])
async def test_magnets_and_jobs_with_evil_slugs_are_refused(client: falcon.testing.ASGIConductor, slug: str) -> None:
    magnet = "magnet:?xt=urn:btih:" + "c" * 40 + "&" + urlencode({
        "dn": "X.S01E01", "aw_slug": slug, "aw_s": "1", "aw_e": "1", "aw_lang": "German Dub", "aw_site": "aniworld.to"})
    add = await client.simulate_post("/api/v2/torrents/add", params={"urls": magnet, "category": "sonarr"})
    assert add.text == "Fails."
    job = await client.simulate_post("/downloader/download", json={"slug": slug, "season": 1, "episode": 1})
    assert job.status_code == 422 and "slug" in job.json["description"]


@pytest.mark.parametrize(("name", "save_path", "status"), [
    ("..", "", 409), ("tv/../..", "", 409), ("./x", "", 409), ("sonarr", "/etc", 409),
    ("sonarr", "/downloads/../etc", 409), ("sonarr", "/downloads/tv", 200), ("radarr", "", 200),
])
async def test_categories_and_save_paths(client: falcon.testing.ASGIConductor, name: str, save_path: str,
                                         status: int) -> None:
    result = await client.simulate_post("/api/v2/torrents/createCategory",
                                        params={"category": name, "savePath": save_path})
    assert result.status_code == status, result.text
    categories = (await client.simulate_get("/api/v2/torrents/categories")).json
    assert (name in categories) == (status == 200)
