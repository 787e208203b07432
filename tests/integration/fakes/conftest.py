"""The site fakes under test, wired to a stand-in hoster farm (module-independent, started once)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from anibridge_fakes.world import FakeWorld
from tests.integration.fakes.standin import StandInFarm


@pytest.fixture(scope="session")
def standin_world() -> Iterator[FakeWorld]:
    world = FakeWorld(farm=StandInFarm(), big_index=False).start()
    yield world
    world.stop()


@pytest.fixture
def world(standin_world: FakeWorld) -> Iterator[FakeWorld]:
    yield standin_world
    standin_world.reset()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c
