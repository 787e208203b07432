"""s.to adapter against the fake s.to: v2 pages, the classic-layout show, suggest, tokens, Turnstile, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.sites.sto import StoCatalog
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.ports.errors import ChallengeRequired, NotFound, SiteUnavailable
from anibridge_fakes.catalogue import Catalogue
from anibridge_fakes.http import FakeServer
from anibridge_fakes.sto import StoApp
from tests.integration.sites.conftest import fake_embed, serve, site_options

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake(catalogue: Catalogue) -> Iterator[FakeServer]:
    yield from serve(FakeServer(StoApp(catalogue, fake_embed)))


@pytest.fixture(autouse=True)
def _reset(fake: FakeServer) -> Iterator[None]:
    yield
    fake.app.faults.reset()


def adapter(client: httpx.AsyncClient, fake: FakeServer, data_dir: Path | None = None) -> StoCatalog:
    return StoCatalog(client, site_options(fake.base_url, data_dir))


async def test_index_with_alternatives_from_data_search(fake: FakeServer, catalogue: Catalogue, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        entries = await adapter(client, fake, tmp_path).index()
    slugs = {e.slug for e in entries}
    assert slugs == {s.slugs[Site.STO] for s in catalogue.on(Site.STO)}
    money = next(e for e in entries if e.slug == "haus-des-geldes")
    assert any("casa de papel" in a.lower() for a in money.alt_titles)
    assert (tmp_path / "index-s.to.json").exists()


async def test_suggest_search(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        hits = await adapter(client, fake).search("9-1-1")
    assert {h.slug for h in hits} >= {"9-1-1", "9-1-1-lone-star"}


async def test_v2_series_season_episode_and_token(fake: FakeServer, catalogue: Catalogue) -> None:
    show = catalogue.by_slug(Site.STO, "breaking-bad")
    assert show is not None
    ep = show.episode(1, 1)
    assert ep is not None
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        series = await catalog.series("breaking-bad")
        season = await catalog.season("breaking-bad", 1)
        detail = await catalog.episode("breaking-bad", 1, 1)
        voe = next(h for h in detail.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB)
        embed = await catalog.embed_url(voe)
    assert series.title and series.seasons[-5:] == (1, 2, 3, 4, 5) and series.year == 2008
    assert len(season) == 7 and season[0].title_de and Language.GERMAN_DUB in season[0].languages
    expected = {(o.provider, o.language) for o in ep.offers if not o.placeholder}
    assert {(h.provider, h.language) for h in detail.hosters} == expected
    assert "Provider" not in {h.provider for h in detail.hosters}  # placeholders are dropped
    assert set(detail.languages) == {o.language for o in ep.offers}
    assert all(h.url.startswith(fake.base_url + "/r?t=") for h in detail.hosters)
    offer = next(o for o in ep.offers if o.provider == "VOE" and o.language is Language.GERMAN_DUB)
    assert embed == fake_embed(offer.provider, offer.video_id, offer.kind)


async def test_per_episode_languages_follow_the_flags(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        season3 = await adapter(client, fake).season("dark", 3)
    assert season3 and all(Language.GERMAN_SUB not in row.languages for row in season3)


async def test_turnstile_token_is_a_challenge(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        detail = await catalog.episode("breaking-bad", 1, 2)
        voe = next(h for h in detail.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB)
        started = time.monotonic()
        with pytest.raises(ChallengeRequired):
            await catalog.embed_url(voe)
    assert time.monotonic() - started < 2


async def test_cloudflare_interstitial_is_a_challenge(fake: FakeServer) -> None:
    fake.app.faults.challenge = True
    async with httpx.AsyncClient() as client:
        with pytest.raises(ChallengeRequired):
            await adapter(client, fake).series("dark")


async def test_classic_layout_show_is_tolerated(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        series = await catalog.series("the-walking-dead")
        season = await catalog.season("the-walking-dead", 1)
        detail = await catalog.episode("the-walking-dead", 1, 1)
        embed = await catalog.embed_url(detail.hosters[0])
    assert series.title and 1 in series.seasons and season
    assert detail.hosters and "/redirect/" in detail.hosters[0].url
    assert ".invalid/e/" in embed


async def test_faults(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        with pytest.raises(NotFound):
            await catalog.series("no-such-show")
        fake.app.faults.status = 502
        with pytest.raises(SiteUnavailable):
            await catalog.episode("dark", 1, 1)
        fake.app.faults.reset()
        fake.app.faults.layout_changed = True
        with pytest.raises(SiteUnavailable, match="layout"):
            await catalog.index()
        with pytest.raises(SiteUnavailable, match="layout"):
            await catalog.episode("dark", 1, 1)


@pytest.mark.slow
async def test_latency_below_the_timeout_is_tolerated_above_it_is_unavailable(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, fake)
        fake.app.faults.latency = 0.2
        assert (await catalog.series("dark")).title
        fake.app.faults.latency = 0.8
        started = time.monotonic()
        with pytest.raises(SiteUnavailable, match="timeout"):
            await catalog.series("silo")
    assert time.monotonic() - started < 2.5


async def test_new_episodes_from_the_series_calendar(fake: FakeServer, catalogue: Catalogue) -> None:
    async with httpx.AsyncClient() as client:
        news = await adapter(client, fake).new_episodes()
    shows = [s for s in catalogue.on(Site.STO) if s.numbered_seasons]
    assert {(n.slug, n.season, n.episode) for n in news} == {
        (s.slugs[Site.STO], s.numbered_seasons[-1], s.seasons[s.numbered_seasons[-1]][-1].number) for s in shows
    }  # each show's newest episode; the calendar's upcoming entries (not on the site yet) are left out
    now = datetime.now(UTC)
    assert all(n.released_at is not None and n.released_at <= now for n in news)
    silo = next(n for n in news if n.slug == "silo")
    assert silo.series_title == "Silo" and silo.languages and Language.GERMAN_DUB in silo.languages
    classic_show = next(s for s in shows if s.sto_layout == "classic")
    assert any(n.slug == classic_show.slugs[Site.STO] for n in news)  # classic URLs in the calendar parse too


async def test_new_episodes_fall_back_to_nothing_without_a_listing(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        catalog = StoCatalog(client, site_options(fake.base_url + "/nowhere"))
        assert await catalog.new_episodes() == []
