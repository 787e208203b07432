"""StreamFinder as the container wires it (real site adapters + real hoster adapters) against the fake world:
every site resolves to a stream, and a failing hoster falls back to the next one in PROVIDER_ORDER."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.ports.errors import HosterUnavailable, NotFound
from anibridge.settings import load_settings
from anibridge.wiring.container import Container, create_container
from anibridge_fakes.catalogue import Show
from anibridge_fakes.world import FakeWorld

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _episode_with(world: FakeWorld, site: Site, min_offers: int = 1) -> tuple[Show, EpisodeRef, list[str]]:
    """A show/episode on `site` whose German Dub is offered by at least `min_offers` plain (unprotected) hosters."""
    for show in world.catalogue.on(site):
        if site is Site.MEGAKINO and show.kind != "movie":
            continue  # Megakino series pages are per season with their own slugs; films are season 0, episode 0
        slug = show.slug(site)
        for season, episodes in sorted(show.seasons.items()):
            if site is not Site.MEGAKINO and season == 0:
                continue
            for ep in episodes:
                offers = [o for o in ep.offers if o.language is Language.GERMAN_DUB and not o.protected and not o.placeholder]
                if slug and len(offers) >= min_offers:
                    return show, EpisodeRef(site, slug, season, ep.number, Language.GERMAN_DUB), [o.provider for o in offers]
    raise AssertionError(f"catalogue has no {site.value} episode with {min_offers} German Dub offers")


def _container(world: FakeWorld, tmp_path: Path, **extra: str) -> Container:
    env = {**world.env(), "DATA_DIR": str(tmp_path), "HTTP_TIMEOUT_SECONDS": "3", **extra}
    return create_container(load_settings(env))


@pytest.mark.parametrize("site", [Site.ANIWORLD, Site.STO, Site.MEGAKINO])
async def test_every_site_resolves_a_playable_stream(fake_world: FakeWorld, tmp_path: Path, site: Site) -> None:
    _, ref, providers = _episode_with(fake_world, site)
    container = _container(fake_world, tmp_path)
    try:
        stream = await container.stream_finder().find(ref)
        assert stream.provider in providers
        async with httpx.AsyncClient() as client:
            media = await client.get(stream.url, headers=dict(stream.headers), follow_redirects=True)
        assert media.status_code == 200
    finally:
        await container.http_client().aclose()


async def test_falls_back_when_the_first_hoster_fails(fake_world: FakeWorld, tmp_path: Path) -> None:
    _, ref, providers = _episode_with(fake_world, Site.ANIWORLD, min_offers=2)
    first, second = providers[0], providers[1]
    container = _container(fake_world, tmp_path, PROVIDER_ORDER=f"{first},{second}")
    try:
        fake_world.hosters[first].app.faults.status = 503
        stream = await container.stream_finder().find(ref)
        assert stream.provider != first
        fake_world.hosters[first].app.faults.reset()
        assert (await container.stream_finder().find(ref, preferred=first)).provider == first
        for name in providers:
            fake_world.hosters[name].app.faults.status = 502
        with pytest.raises(HosterUnavailable) as caught:
            await container.stream_finder().find(ref)
        assert all(name in str(caught.value) for name in providers)
        with pytest.raises(NotFound):
            await container.stream_finder().find(EpisodeRef(Site.ANIWORLD, ref.slug, 999, 1, Language.GERMAN_DUB))
    finally:
        await container.http_client().aclose()
