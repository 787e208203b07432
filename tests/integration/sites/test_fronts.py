"""AniWorld behind DDoS-Guard and Megakino behind Cloudflare: the adapters name the front instead of failing to parse."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from anibridge.adapters.sites.aniworld import AniWorldCatalog
from anibridge.adapters.sites.http import BROWSER_HEADERS
from anibridge.adapters.sites.megakino import MegakinoCatalog
from anibridge.ports.errors import GateKind, SiteGated
from anibridge_fakes.aniworld import AniWorldApp
from anibridge_fakes.catalogue import Catalogue
from anibridge_fakes.http import FakeServer
from anibridge_fakes.megakino import MegakinoApp
from tests.integration.sites.conftest import fake_embed, serve, site_options

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def aniworld(catalogue: Catalogue) -> Iterator[FakeServer]:
    yield from serve(FakeServer(AniWorldApp(catalogue, fake_embed)))


@pytest.fixture(scope="module")
def megakino(catalogue: Catalogue) -> Iterator[FakeServer]:
    yield from serve(FakeServer(MegakinoApp(catalogue, fake_embed)))


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    for name in ("aniworld", "megakino"):
        if name in request.fixturenames:
            request.getfixturevalue(name).app.protection.reset()


async def test_aniworld_ddos_guard(aniworld: FakeServer) -> None:
    aniworld.app.protection.front = "ddos-guard"
    async with httpx.AsyncClient() as client:
        catalog = AniWorldCatalog(client, site_options(aniworld.base_url))
        for call in (catalog.index(), catalog.series("one-piece"), catalog.search("one piece")):
            with pytest.raises(SiteGated) as info:
                await call
            assert info.value.kind is GateKind.DDOS_GUARD and info.value.retry_at is not None


async def test_megakino_cloudflare_and_a_clearance_for_the_same_user_agent(megakino: FakeServer) -> None:
    protection = megakino.app.protection
    protection.front = "cloudflare"
    settings = site_options(megakino.base_url)
    async with httpx.AsyncClient() as client:
        with pytest.raises(SiteGated) as info:
            await MegakinoCatalog(client, settings).index()
        assert info.value.kind is GateKind.CLOUDFLARE and "Cloudflare challenge" in str(info.value)
    # A clearance solved in a browser with the very User-Agent the site layer sends opens the front ...
    clearance = protection.grant_cf_clearance(BROWSER_HEADERS["User-Agent"])
    async with httpx.AsyncClient(cookies={"cf_clearance": clearance}) as client:
        assert await MegakinoCatalog(client, settings).index()
    # ... one solved with another browser does not.
    other = protection.grant_cf_clearance("Mozilla/5.0 (X11; Linux x86_64) Fake/1.0")
    async with httpx.AsyncClient(cookies={"cf_clearance": other}) as client:
        with pytest.raises(SiteGated):
            await MegakinoCatalog(client, settings).index()
