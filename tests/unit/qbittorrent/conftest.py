"""Fixtures of the qBittorrent unit tests; the world itself lives in `world.py` (also used by integration tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .world import World, build_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield build_world(tmp_path)
