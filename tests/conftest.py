"""Shared pytest configuration: async tests run on asyncio through anyio's bundled plugin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from anibridge_fakes.world import FakeWorld


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def fake_world() -> Iterator[FakeWorld]:
    """The whole fake internet (hosters, AniWorld, s.to, Megakino, SkyHook), started once per session."""
    from anibridge_fakes.world import FakeWorld

    world = FakeWorld().start()
    yield world
    world.stop()


@pytest.fixture(autouse=True)
def _reset_fake_world(request: pytest.FixtureRequest) -> Iterator[None]:
    """Faults a test switched on never leak into the next one (only for tests that use `fake_world`)."""
    yield
    if "fake_world" in request.fixturenames:
        request.getfixturevalue("fake_world").reset()
