"""Acceptance: `anibridge serve` with NOTIFY_URLS on a loopback webhook, on the fake world. A download whose
hosters all fail is announced with its reason; s.to answering 503 for longer than the threshold is announced,
and so is its recovery; repeated failures of the same release are one alert."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.releases.magnets import build_magnet
from anibridge_fakes.world import FakeWorld
from tests.e2e.conftest import ServerHandle, start_server, wait_until
from tests.webhook import Webhook

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    with Webhook() as hook:
        yield hook


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, webhook: Webhook, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    env = fake_world.env() | {
        "NOTIFY_URLS": webhook.url,
        "NOTIFY_SITE_DOWN_MINUTES": "0.05",  # 3 s
        "HTTP_TIMEOUT_SECONDS": "3",
    }
    handle = start_server(env, tmp_path_factory.mktemp("alerts") / "data")
    yield handle
    handle.stop()


def _titles(webhook: Webhook) -> list[str]:
    return [str(r.get("title")) for r in webhook.received]


def test_failed_download_is_announced_once(server: ServerHandle, webhook: Webhook, fake_world: FakeWorld) -> None:
    for hoster in fake_world.hosters.values():
        hoster.app.faults.status = 503
    ref = EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 1, 6, Language.GERMAN_DUB)
    title = "Kaguya-sama.S01E06.WEB.H264.GER-ANIWORLD"
    with httpx.Client(base_url=f"{server.base_url}/api/v2", timeout=30) as api:
        assert api.post("/torrents/add", data={"urls": build_magnet(ref, title)}).text == "Ok."
        expected = f"anibridge: download failed: {title}"
        wait_until(lambda: _titles(webhook), lambda t: expected in t, 90, server)
        failed = next(r for r in webhook.received if r["title"] == expected)
        assert "503" in failed["message"] and failed["type"] == "failure"
        # Retried twice more (a re-add of a failed task starts a new job): still only the one alert.
        for _ in range(2):
            assert api.post("/torrents/add", data={"urls": build_magnet(ref, title)}).text == "Ok."
            wait_until(lambda: api.get("/torrents/info").json()[0]["state"], lambda s: s == "error", 90, server)
        time.sleep(6)  # one more look of the alert watch
    assert _titles(webhook).count(expected) == 1


def test_site_outage_and_recovery_are_announced(server: ServerHandle, webhook: Webhook,
                                                fake_world: FakeWorld) -> None:
    fake_world.sites[Site.STO.value].app.faults.status = 503

    def ask_sto() -> list[str]:
        httpx.get(f"{server.base_url}/search/show", params={"site": "s.to", "slug": "dark"}, timeout=30)
        return _titles(webhook)

    wait_until(ask_sto, lambda t: "anibridge: s.to unreachable" in t, 60, server)
    fake_world.sites[Site.STO.value].app.faults.reset()
    wait_until(ask_sto, lambda t: "anibridge: s.to is back" in t, 60, server)
    assert _titles(webhook).count("anibridge: s.to unreachable") == 1
