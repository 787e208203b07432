"""A session-wide HosterFarm and a helper that builds the real hoster adapters against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest

from anibridge.adapters.hosters.base import HosterAdapter
from anibridge.settings import Settings
from anibridge.wiring.streams import build_resolvers
from anibridge_fakes.hosters import HosterFarm

PROVIDERS = ("VOE", "Vidoza", "Filemoon", "Doodstream", "Streamtape", "Vidmoly", "Luluvdo", "LoadX", "GXPlayer")


@pytest.fixture(scope="session")
def farm() -> Iterator[HosterFarm]:
    hosters = HosterFarm().start()
    yield hosters
    hosters.stop()


@pytest.fixture(autouse=True)
def _reset_farm(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "farm" in request.fixturenames:
        request.getfixturevalue("farm").reset_faults()


@asynccontextmanager
async def adapters(farm: HosterFarm, timeout: float = 2.0) -> AsyncIterator[dict[str, HosterAdapter]]:
    settings = Settings(hoster_hosts=farm.host_map(), http_timeout_seconds=timeout)
    async with httpx.AsyncClient() as client:
        built = build_resolvers(client, settings)
        yield {r.provider: r for r in built if isinstance(r, HosterAdapter)}
