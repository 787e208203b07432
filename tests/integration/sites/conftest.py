"""Fake catalogue sites for the site-adapter tests: one server per module, faults reset after every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from anibridge.settings import Settings
from anibridge_fakes.catalogue import Catalogue, load_catalogue
from anibridge_fakes.http import FakeServer


def fake_embed(provider: str, video_id: str, kind: str) -> str:
    """Hoster embed URLs on a reserved TLD: the site tests only follow tokens, never fetch hosters."""
    return f"https://{provider.lower()}.invalid/e/{video_id}"


def site_settings(**overrides: Any) -> Settings:
    """Short timeouts so every fault test finishes well under a second or two."""
    values: dict[str, Any] = {
        "http_timeout_seconds": 0.5,
        "provider_redirect_timeout_seconds": 1,
        "provider_redirect_retries": 0,
        "index_refresh_hours": 24,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


def serve(server: FakeServer) -> Iterator[FakeServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
