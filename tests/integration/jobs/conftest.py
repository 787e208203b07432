"""Fixtures shared by the download integration tests that run the real container against the fake world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from anibridge.settings import load_settings
from anibridge.wiring.container import Container, create_container
from anibridge_fakes.world import FakeWorld


@pytest.fixture
async def container(fake_world: FakeWorld, tmp_path: Path) -> AsyncIterator[Container]:
    """The real container wired to the fakes, data under `tmp_path`; its HTTP client is closed afterwards."""
    c = create_container(load_settings({**fake_world.env(), "DATA_DIR": str(tmp_path)}))
    c.file_store().root.mkdir(parents=True, exist_ok=True)
    yield c
    await c.http_client().aclose()
