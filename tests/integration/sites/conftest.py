"""Fake catalogue sites for the site-adapter tests: one server per module, faults reset after every test."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from anibridge.adapters.sites.chromium import ChromiumPaths
from anibridge.adapters.sites.options import SiteOptions
from anibridge_fakes.catalogue import Catalogue, load_catalogue
from anibridge_fakes.http import FakeServer
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.sto import StoApp

BROWSER = ChromiumPaths()
"""Debian's chromium and chromium-driver, where the browser-pass tests expect them."""

NEEDS_BROWSER = [
    pytest.mark.slow,
    pytest.mark.skipif(not (Path(BROWSER.chromium).exists() and Path(BROWSER.chromedriver).exists()),
                       reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"),
    pytest.mark.skipif(find_spec("selenium") is None, reason="needs selenium (pip install -e '.[dev]')"),
]
"""The marks of a module that starts a real headless Chromium."""


def fake_embed(provider: str, video_id: str, kind: str) -> str:
    """Hoster embed URLs on a reserved TLD: the site tests only follow tokens, never fetch hosters."""
    return f"https://{provider.lower()}.invalid/e/{video_id}"


def site_options(base_url: str, data_dir: Path | None = None, **overrides: Any) -> SiteOptions:
    """Short timeouts so every fault test finishes well under a second or two."""
    values: dict[str, Any] = {"timeout": 0.5, "redirect_timeout": 1.0, "redirect_retries": 0}
    values.update(overrides)
    return SiteOptions(base_url=base_url, data_dir=data_dir, **values)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


def serve(server: FakeServer) -> Iterator[FakeServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def sto_fake(catalogue: Catalogue) -> Iterator[FakeServer]:
    """The SerienStream fake of one module (the gate tests, the account tests, the browser pass)."""
    yield from serve(FakeServer(StoApp(catalogue, fake_embed)))


@pytest.fixture
def sto_app(sto_fake: FakeServer) -> Iterator[StoApp]:
    """The fake's app for one test; its gate, protection and faults are as new for the next."""
    app = sto_fake.app
    assert isinstance(app, StoApp)
    yield app
    app.gate = RedirectGate()
    app.protection.reset()
    app.faults.reset()
