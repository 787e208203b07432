"""Unreachable sites are reported, never passed off as "no results": Torznab answers an <error> naming them when
no site could be asked, /health says `degraded` per site, and a site known to be down is not asked again on every
request (circuit breaker). Partial outages still return what the reachable sites have."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import falcon.testing
import pytest
from lxml import etree

from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import Container, create_container
from anibridge_fakes.world import FakeWorld

pytestmark = pytest.mark.anyio

DEAD = "http://127.0.0.1:1"  # nothing listens on port 1: connection refused, like a DNS-blocked site


def _container(fake_world: FakeWorld, tmp_path: Path, **env: str) -> Container:
    return create_container(load_settings({**fake_world.env(), "DATA_DIR": str(tmp_path / "data"), **env}))


@pytest.fixture
async def all_dead(fake_world: FakeWorld, tmp_path: Path) -> AsyncIterator[tuple[falcon.testing.ASGIConductor, Container]]:
    container = _container(fake_world, tmp_path, ANIWORLD_BASE_URL=DEAD, STO_BASE_URL=DEAD, MEGAKINO_BASE_URL=DEAD,
                           MEGAKINO_MIRRORS_URL=f"{DEAD}/mirrors.txt")
    async with falcon.testing.ASGIConductor(build_falcon_app(container)) as client:
        yield client, container


def _error(body: bytes) -> str | None:
    root = etree.fromstring(body)
    return root.get("description") if root.tag == "error" else None


async def test_search_with_every_site_unreachable_is_a_torznab_error_naming_them(
    all_dead: tuple[falcon.testing.ASGIConductor, Container],
) -> None:
    client, _ = all_dead
    r = await client.simulate_get("/torznab/api", params={"t": "tvsearch", "q": "Kaguya-sama"})
    assert r.status_code == 200
    error = _error(r.content)
    assert error is not None, r.text
    assert "aniworld.to unreachable" in error and "s.to unreachable" in error and "megakino unreachable" in error


async def test_the_test_request_is_an_error_too_and_the_breaker_stops_asking(
    all_dead: tuple[falcon.testing.ASGIConductor, Container], fake_world: FakeWorld
) -> None:
    client, container = all_dead
    for params in ({"t": "search"}, {"t": "tvsearch"}, {"t": "search"}):  # Test / RSS: no q
        r = await client.simulate_get("/torznab/api", params=params)
        assert _error(r.content) and "unreachable" in (_error(r.content) or ""), r.text
    statuses = {s.site: s for s in container.site_reachability().statuses()}
    # three requests, but each site was contacted (and failed) only once: the later ones were refused at once
    # (the Test asks the episode sites; Megakino only lists films)
    assert {name: s.failures for name, s in statuses.items()} == {"aniworld.to": 1, "s.to": 1, "megakino": 0}
    health = await client.simulate_get("/health")
    assert health.status_code == 200 and health.json["status"] == "degraded", health.json
    sites = health.json["components"]["sites"]
    assert sites["aniworld.to"]["status"] == "degraded" and "ConnectError" in sites["aniworld.to"]["last_result"]
    assert sites["aniworld.to"]["last_contact"] and sites["aniworld.to"]["next_try_in_seconds"] > 0


async def test_a_partial_outage_still_returns_what_the_reachable_sites_have(
    fake_world: FakeWorld, tmp_path: Path
) -> None:
    container = _container(fake_world, tmp_path, ANIWORLD_BASE_URL=DEAD)
    async with falcon.testing.ASGIConductor(build_falcon_app(container)) as client:
        r = await client.simulate_get("/torznab/api", params={"t": "search"})
        assert _error(r.content) is None, r.text
        assert etree.fromstring(r.content).findall(".//item"), r.text
        health = (await client.simulate_get("/health")).json
        assert health["status"] == "degraded"
        assert health["components"]["sites"]["s.to"]["status"] == "ok"
        assert health["components"]["sites"]["aniworld.to"]["status"] == "degraded"
