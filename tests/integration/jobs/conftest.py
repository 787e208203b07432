"""Fixtures shared by the download integration tests: the real container against the fake world, and the loopback
media server with its generated clips (a module may override `media` to add files)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from anibridge.settings import load_settings
from anibridge.wiring.container import Container, create_container
from anibridge_fakes.world import FakeWorld
from tests.integration.jobs.media_server import MediaServer, make_media


@pytest.fixture
async def container(fake_world: FakeWorld, tmp_path: Path) -> AsyncIterator[Container]:
    """The real container wired to the fakes, data under `tmp_path`; its HTTP client is closed afterwards."""
    c = create_container(load_settings({**fake_world.env(), "DATA_DIR": str(tmp_path)}))
    c.file_store().root.mkdir(parents=True, exist_ok=True)
    yield c
    await c.http_client().aclose()


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test clips (MP4 and HLS variants), made once per module with ffmpeg."""
    root = tmp_path_factory.mktemp("media")
    make_media(root)
    return root


@pytest.fixture
def server(media: Path) -> Iterator[MediaServer]:
    with MediaServer(media) as srv:
        yield srv
