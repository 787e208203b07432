"""AniWorld adapter against the fake AniWorld: every page type, the redirect token, new episodes and each fault."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.sites.aniworld import AniWorldCatalog
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import ChallengeRequired, NotFound, SiteUnavailable
from anibridge_fakes.aniworld import AniWorldApp
from anibridge_fakes.catalogue import Catalogue
from anibridge_fakes.http import FakeServer
from tests.integration.sites.conftest import fake_embed, serve, site_options

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake(catalogue: Catalogue) -> Iterator[FakeServer]:
    yield from serve(FakeServer(AniWorldApp(catalogue, fake_embed)))


@pytest.fixture(autouse=True)
def _reset(fake: FakeServer) -> Iterator[None]:
    yield
    fake.app.faults.reset()


def adapter(client: httpx.AsyncClient, fake: FakeServer, data_dir: Path | None = None, **kw: object) -> AniWorldCatalog:
    return AniWorldCatalog(client, site_options(fake.base_url, data_dir, **kw))


async def test_index_lists_every_show_with_alternative_titles(fake: FakeServer, catalogue: Catalogue, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        entries = await adapter(client, fake, tmp_path).index()
    by_slug = {e.slug: e for e in entries}
    expected = {s.slugs[Site.ANIWORLD] for s in catalogue.on(Site.ANIWORLD)}
    assert set(by_slug) == expected
    assert "Shingeki no Kyojin" in by_slug["attack-on-titan"].alt_titles
    saved = json.loads((tmp_path / "index-aniworld.to.json").read_text())
    assert {e["slug"] for e in saved["entries"]} == expected


async def test_index_survives_a_restart_without_refetching(fake: FakeServer, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        first = await adapter(client, fake, tmp_path).index()
        hits = len(fake.app.hits)
        second = await adapter(client, fake, tmp_path).index()
    assert [e.slug for e in second] == [e.slug for e in first]
    assert len(fake.app.hits) == hits


async def test_stale_index_is_served_while_one_refresh_runs(fake: FakeServer, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake, tmp_path, index_ttl_seconds=1e-7 * 3600)
        await catalog.index()
        time.sleep(0.01)
        fake.app.faults.latency = 1.0
        before = fake.app.hits.count("/animes-alphabet")
        started = time.monotonic()
        results = [await catalog.index() for _ in range(5)]
        assert time.monotonic() - started < 0.6  # nobody waited for the slow refresh (margin for a busy CI)
        assert all(results)
        await catalog._cache.refresh()
    assert fake.app.hits.count("/animes-alphabet") == before + 1


async def test_search_uses_the_json_endpoint(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        hits = await adapter(client, fake).search("one punch")
    assert [(h.slug, h.title, h.year) for h in hits] == [("one-punch-man", "One Punch Man", 2015)]


async def test_series_season_and_specials(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        series = await catalog.series("attack-on-titan")
        season = await catalog.season("attack-on-titan", 1)
        films = await catalog.season("attack-on-titan", 0)
        no_films = await catalog.season("one-punch-man", 0)
    assert series.title == "Attack on Titan" and series.seasons == (0, 1, 2, 3, 4)
    assert series.year == 2013 and series.imdb_id == "tt2560140"
    assert season[0].episode == 1 and season[0].title_de and season[0].title_en
    assert films and all(f.season == 0 for f in films) and "[OVA]" in (films[0].title_en or "")
    assert no_films == []


async def test_episode_languages_hosters_and_redirect(fake: FakeServer, catalogue: Catalogue) -> None:
    show = catalogue.by_slug(Site.ANIWORLD, "attack-on-titan")
    assert show is not None
    ep = show.episode(1, 1)
    assert ep is not None
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        detail = await catalog.episode("attack-on-titan", 1, 1)
        embed = await catalog.embed_url(detail.hosters[0])
    assert set(detail.languages) == {o.language for o in ep.offers if o.language != Language.ENGLISH_DUB} | (
        {Language.ENGLISH_DUB} if any(o.language == Language.ENGLISH_DUB for o in ep.offers) else set())
    assert [(h.provider, h.language) for h in detail.hosters] == [(o.provider, o.language) for o in ep.offers]
    assert all(h.url.startswith(fake.base_url + "/redirect/") for h in detail.hosters)
    first = ep.offers[0]
    assert embed == fake_embed(first.provider, first.video_id, first.kind)


async def test_film_episode_page(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        detail = await adapter(client, fake).episode("attack-on-titan", 0, 1)
    assert detail.season == 0 and detail.hosters


async def test_new_episodes(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        news = await adapter(client, fake).new_episodes()
    assert news and all(n.site is Site.ANIWORLD and n.season >= 1 and n.episode >= 1 for n in news)
    assert all(n.languages and n.released_at is not None and n.series_title for n in news)


async def test_unknown_slug_is_not_found(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(NotFound):
            await adapter(client, fake).series("no-such-show")
        with pytest.raises(NotFound):
            await adapter(client, fake).episode("attack-on-titan", 1, 999)


async def test_server_errors_become_site_unavailable(fake: FakeServer, tmp_path: Path) -> None:
    fake.app.faults.status = 503
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake, tmp_path)
        with pytest.raises(SiteUnavailable, match="503"):
            await catalog.index()
        with pytest.raises(SiteUnavailable):
            await catalog.episode("attack-on-titan", 1, 1)


@pytest.mark.slow
async def test_hanging_site_times_out(fake: FakeServer) -> None:
    fake.app.faults.hang = True
    started = time.monotonic()
    async with httpx.AsyncClient() as client:
        with pytest.raises(SiteUnavailable, match="timeout"):
            await adapter(client, fake).series("attack-on-titan")
    fake.app.faults.hang = False
    assert time.monotonic() - started < 3


async def test_ddos_guard_page_is_a_challenge(fake: FakeServer) -> None:
    fake.app.faults.challenge = True
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        with pytest.raises(ChallengeRequired):
            await catalog.series("attack-on-titan")
        link = HosterLink("VOE", Language.GERMAN_DUB, f"{fake.base_url}/redirect/1210")
        with pytest.raises(ChallengeRequired):
            await catalog.embed_url(link)


async def test_changed_layout_is_reported_not_silently_empty(fake: FakeServer) -> None:
    fake.app.faults.layout_changed = True
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        with pytest.raises(SiteUnavailable, match="layout"):
            await catalog.index()
        with pytest.raises(SiteUnavailable, match="layout"):
            await catalog.episode("attack-on-titan", 1, 1)


async def test_moved_domain_is_followed_for_pages_and_tokens(fake: FakeServer, catalogue: Catalogue) -> None:
    new = FakeServer(AniWorldApp(catalogue, fake_embed)).start()
    try:
        fake.app.faults.moved_to = new.base_url
        async with httpx.AsyncClient() as client:
            catalog = adapter(client, fake)
            detail = await catalog.episode("attack-on-titan", 1, 1)
            embed = await catalog.embed_url(detail.hosters[0])
        assert embed.startswith("https://") and ".invalid/e/" in embed
    finally:
        new.stop()


async def test_tokens_scraped_from_the_new_domain_are_followed(fake: FakeServer, catalogue: Catalogue) -> None:
    new = FakeServer(AniWorldApp(catalogue, fake_embed)).start()
    try:
        async with httpx.AsyncClient() as client:
            catalog = adapter(client, fake)
            link = HosterLink("VOE", Language.GERMAN_DUB, f"{new.base_url}/redirect/1210")
            embed = await catalog.embed_url(link)
            off_site = HosterLink("VOE", Language.GERMAN_DUB, "https://voe.invalid/e/abc")
            assert await catalog.embed_url(off_site) == off_site.url
        assert ".invalid/e/" in embed and "/redirect/1210" in new.app.hits
    finally:
        new.stop()
