"""Real-browser tests of the dashboard: Debian's chromium + chromium-driver driven by selenium, headless,
against `anibridge serve` on the fake world. Screenshots go to $ANIBRIDGE_ARTEFACTS (default
./test-artefacts/browser), which is not committed. Run with `make browser`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from anibridge_fakes.media import ensure_media
from anibridge_fakes.world import FakeWorld
from tests.e2e.conftest import ROOT, ServerHandle, start_server

USER, PASSWORD = "admin", "dashboard-pw"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def artefacts() -> Path:
    path = Path(os.environ.get("ANIBRIDGE_ARTEFACTS", ROOT / "test-artefacts" / "browser"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    media = ensure_media()
    size = min(f.stat().st_size for f in (media.file("mp4", n) for n in ("720p.mp4", "1080p.mp4")) if f)
    env = fake_world.env() | {
        "QBIT_USERNAME": USER,
        "QBIT_PASSWORD": PASSWORD,
        # A few seconds per download, so the Queue page shows progress moving before it reaches 100 %.
        "DOWNLOAD_RATE_LIMIT_BYTES_PER_SEC": str(max(size // 4, 8192)),
        "MAX_CONCURRENCY": "2",
    }
    handle = start_server(env, tmp_path_factory.mktemp("browser") / "data")
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("chromium and chromium-driver are needed: apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    # An explicit driver path: selenium must not try to download one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(5)  # a click that submits a form returns before the next page is there
    yield driver
    driver.quit()
