"""The shared `fake_world` (real hoster farm): every catalogue redirect lands on a live hoster embed page."""

from __future__ import annotations

import httpx
import pytest

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.world import FakeWorld


@pytest.mark.slow
def test_redirects_of_every_provider_reach_a_hoster(fake_world: FakeWorld) -> None:
    env = fake_world.env()
    assert env["ANIWORLD_BASE_URL"].startswith("http://127.0.0.1:") and env["SKYHOOK_BASE_URL"]
    seen: dict[str, int] = {}
    for link_id, offer in fake_world.catalogue.offers_by_link.items():
        if offer.provider in seen:
            continue
        with httpx.Client(timeout=10) as client:
            answer = client.get(f"{env['ANIWORLD_BASE_URL']}/redirect/{link_id}")
            assert answer.status_code == 302
            embed = client.get(answer.headers["location"], headers={"Referer": env["ANIWORLD_BASE_URL"] + "/"},
                               follow_redirects=True)
        seen[offer.provider] = embed.status_code
    assert set(seen) == {"VOE", "Vidoza", "Filemoon", "Doodstream", "Streamtape", "Vidmoly", "Luluvdo", "LoadX", "GXPlayer"}
    assert all(status < 400 for status in seen.values()), str(seen)
    assert set(fake_world.hosters) >= set(seen)


def test_fault_reset_between_tests_part_one(fake_world: FakeWorld) -> None:
    fake_world.sites[Site.STO].app.faults.status = 503


def test_fault_reset_between_tests_part_two(fake_world: FakeWorld) -> None:
    assert fake_world.sites[Site.STO].app.faults.status is None
