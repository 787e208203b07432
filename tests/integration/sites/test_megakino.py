"""Megakino adapter against the fake Megakino: discovery, cookie gate, sitemap index, both hoster shapes, faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.sites.megakino import MegakinoCatalog
from anibridge.domain.catalog.identity import Language
from anibridge.ports.errors import ChallengeRequired, NotFound, SiteUnavailable
from anibridge_fakes.catalogue import Catalogue
from anibridge_fakes.http import FakeServer
from anibridge_fakes.megakino import MegakinoApp
from tests.integration.sites.conftest import fake_embed, serve, site_options

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake(catalogue: Catalogue) -> Iterator[FakeServer]:
    yield from serve(FakeServer(MegakinoApp(catalogue, fake_embed)))


@pytest.fixture(autouse=True)
def _reset(fake: FakeServer) -> Iterator[None]:
    yield
    fake.app.faults.reset()
    fake.app.sitemap_index = True  # type: ignore[attr-defined]


def adapter(client: httpx.AsyncClient, base: str, data_dir: Path | None = None) -> MegakinoCatalog:
    return MegakinoCatalog(client, site_options(base, data_dir))


def slugs_of(catalogue: Catalogue) -> dict[str, int]:
    return {slug: season for s in catalogue.shows for _pid, slug, season in s.megakino_posts()}


@pytest.mark.parametrize("sitemap_index", [True, False])
async def test_index_from_sitemap_index_and_urlset(fake: FakeServer, catalogue: Catalogue, tmp_path: Path, sitemap_index: bool) -> None:
    fake.app.sitemap_index = sitemap_index  # type: ignore[attr-defined]
    async with httpx.AsyncClient() as client:
        entries = await adapter(client, fake.base_url, tmp_path).index()
    expected = slugs_of(catalogue)
    assert {e.slug for e in entries} == set(expected)
    kinds = {e.slug: e.kind for e in entries}
    assert all(kinds[slug] == ("series" if season else "movie") for slug, season in expected.items())
    assert (tmp_path / "index-megakino.json").exists()


async def test_cookie_gate_is_warmed_before_pages(fake: FakeServer, catalogue: Catalogue) -> None:
    movie = next(slug for slug, season in slugs_of(catalogue).items() if season == 0)
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake.base_url)
        series = await catalog.series(movie)
        detail = await catalog.episode(movie, 0, 0)
    assert series.kind == "movie" and series.seasons == (0,) and series.year
    assert "/index.php" in fake.app.hits
    assert detail.hosters and all(h.language is Language.GERMAN_DUB for h in detail.hosters)
    assert all("youtube" not in h.url for h in detail.hosters)  # the trailer iframe is never a hoster


async def test_season_post_hosters_come_from_the_selects(fake: FakeServer, catalogue: Catalogue) -> None:
    show = next(s for s in catalogue.shows if any(season for _p, _s, season in s.megakino_posts()))
    _pid, slug, season = next(p for p in show.megakino_posts() if p[2])
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake.base_url)
        series = await catalog.series(slug)
        episodes = await catalog.season(slug, season)
        ep2 = await catalog.episode(slug, season, 2)
        with pytest.raises(NotFound):
            await catalog.episode(slug, season, 999)
    assert series.kind == "series" and series.seasons == (season,)
    assert [e.episode for e in episodes] == [e.number for e in show.seasons[season]]
    offers = show.seasons[season][1].offers
    assert [h.url for h in ep2.hosters] == [fake_embed(o.provider, o.video_id, o.kind) for o in offers]
    assert [h.provider for h in ep2.hosters] == [o.provider for o in offers]


async def test_search(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        hits = await adapter(client, fake.base_url).search("avengers")
    assert [h.slug for h in hits] == ["avengers-endgame"]


async def test_domain_move_is_discovered_through_mirrors(fake: FakeServer, catalogue: Catalogue) -> None:
    new = FakeServer(MegakinoApp(catalogue, fake_embed, name="megakino-new")).start()
    try:
        fake.app.faults.moved_to = new.base_url
        async with httpx.AsyncClient() as client:
            catalog = adapter(client, fake.base_url)
            assert await catalog.base_url() == new.base_url
            entries = await catalog.index()
            detail = await catalog.episode("avengers-endgame", 0, 0)
        assert entries and detail.hosters
        assert any(p.endswith(".html") for p in new.app.hits)
    finally:
        new.stop()


async def test_unreachable_domain_falls_back_to_the_configured_base_and_reports_unavailable() -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, "http://127.0.0.1:9")
        assert await catalog.base_url() == "http://127.0.0.1:9"
        with pytest.raises(SiteUnavailable):
            await catalog.index()


async def test_gate_that_never_opens_is_a_challenge(fake: FakeServer, catalogue: Catalogue) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake.base_url)
        await catalog.index()
        fake.app.faults.challenge = True
        with pytest.raises(ChallengeRequired):
            await catalog.series("avengers-endgame")


@pytest.mark.slow
async def test_changed_layout_and_errors(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake.base_url)
        await catalog.index()
        with pytest.raises(NotFound):
            await catalog.series("not-in-the-sitemap")
        fake.app.faults.layout_changed = True
        with pytest.raises(SiteUnavailable, match="layout"):
            await catalog.episode("avengers-endgame", 0, 0)
        fake.app.faults.reset()
        fresh = adapter(client, fake.base_url)
        await fresh.index()
        fake.app.faults.status = 503
        with pytest.raises(SiteUnavailable, match="503"):
            await fresh.episode("avengers-endgame", 0, 0)


@pytest.mark.slow
async def test_hanging_site_fails_within_the_timeouts(fake: FakeServer) -> None:
    import time

    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake.base_url)
        await catalog.index()
        fake.app.faults.hang = True
        started = time.monotonic()
        with pytest.raises(SiteUnavailable):
            await catalog.series("avengers-endgame")
        fake.app.faults.hang = False
    # page (2 attempts) + rediscovery (mirrors, sitemap probe) at 0.5 s each, no second page round
    assert time.monotonic() - started < 3.5


async def test_dead_configured_domain_with_a_live_mirror_list(fake: FakeServer) -> None:
    options = site_options("http://127.0.0.1:9", mirrors_url=fake.base_url + "/mirrors.txt")
    async with httpx.AsyncClient() as client:
        catalog = MegakinoCatalog(client, options)
        assert await catalog.base_url() == fake.base_url
        assert await catalog.index()


async def test_new_episodes_are_the_films_by_sitemap_lastmod_newest_first(fake: FakeServer, catalogue: Catalogue, tmp_path: Path) -> None:
    """Radarr's RSS sync reads these; the lastmod also survives a restart through the persisted index."""
    films = {s.megakino_posts()[0][1]: s.year for s in catalogue.shows if s.megakino_posts() and not s.megakino_posts()[0][2]}
    async with httpx.AsyncClient() as client:
        new = await adapter(client, fake.base_url, tmp_path).new_episodes()
        assert new and {n.slug for n in new} <= set(films) and len(new) == min(len(films), 50)
        assert all(n.season == 0 and n.episode == 0 and n.released_at is not None for n in new)
        dates = [n.released_at for n in new]
        assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
        assert new[0].released_at is not None and new[0].released_at.year == max(films.values())
        reread = await adapter(client, "http://127.0.0.1:9", tmp_path).new_episodes()  # from the index file
    assert [(n.slug, n.released_at) for n in reread] == [(n.slug, n.released_at) for n in new]
