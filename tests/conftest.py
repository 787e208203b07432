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


@pytest.fixture(autouse=True)
def _cli_works_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process CLI calls never wander to a server someone runs on 127.0.0.1:8000 (tests that want a server
    name it with --server)."""
    monkeypatch.setenv("ANIBRIDGE_SERVER", "local")


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
