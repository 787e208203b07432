"""Cassette replay (vcrpy, record_mode "none"): no server runs; unmatched requests fail loudly.

vcrpy patches httpx's transports while a cassette is active; every test here enters the cassette through the
`replay` context manager, and an autouse guard proves the patch is gone afterwards so it never leaks into the
app tests that run in the same session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from anibridge_fakes.cassette_kit import vcr_config

CASSETTES = Path(__file__).parent


@pytest.fixture(autouse=True)
def _vcr_does_not_leak() -> Iterator[None]:
    before = (httpx.AsyncHTTPTransport.handle_async_request, httpx.HTTPTransport.handle_request)
    yield
    after = (httpx.AsyncHTTPTransport.handle_async_request, httpx.HTTPTransport.handle_request)
    assert after == before, "vcrpy's httpx patch outlived its cassette"


@pytest.fixture
def replay() -> Callable[[str], AbstractContextManager[Any]]:
    """`with replay("aniworld.yaml"): ...` — playback only, repeats allowed, any miss raises."""
    recorder = vcr_config(CASSETTES, "none")

    def use(name: str) -> AbstractContextManager[Any]:
        path = CASSETTES / name
        if not path.exists():
            pytest.fail(f"cassette {path} missing — run `make cassettes`")
        cm: AbstractContextManager[Any] = recorder.use_cassette(name, allow_playback_repeats=True)
        return cm

    return use
