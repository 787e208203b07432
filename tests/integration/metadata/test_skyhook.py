"""SkyHook adapter against the fake SkyHook: term forms, shows with absolute numbers, caching, failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from anibridge.adapters.skyhook import SkyHookMetadata
from anibridge.ports.errors import MetadataUnavailable
from anibridge_fakes.catalogue import Catalogue, load_catalogue
from anibridge_fakes.http import FakeServer
from anibridge_fakes.skyhook import SkyHookApp

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def fake(catalogue: Catalogue) -> Iterator[FakeServer]:
    server = FakeServer(SkyHookApp(catalogue)).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset(fake: FakeServer) -> Iterator[None]:
    yield
    fake.app.faults.reset()
    fake.app.hits.clear()


async def test_search_forms(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        sky = SkyHookMetadata(client, fake.base_url, timeout=1)
        by_text = await sky.search("Breaking Bad")
        by_tvdb = await sky.search("tvdb:81189")
        by_imdb = await sky.search("imdb:tt0903747")
        by_tmdb = await sky.search("tmdb:1396")
        unknown = await sky.search("tvdb:999999999")
    assert by_text[0].tvdb_id == 81189 and by_text[0].title == "Breaking Bad" and by_text[0].episodes == ()
    assert [s.tvdb_id for s in by_imdb] == [s.tvdb_id for s in by_tmdb] == [81189]
    assert by_tvdb[0].tvdb_id == 81189 and by_tvdb[0].episodes  # tvdb: goes to the shows endpoint, like Sonarr
    assert unknown == []


async def test_show_with_episodes_absolute_numbers_and_specials(fake: FakeServer, catalogue: Catalogue) -> None:
    anime = next(s for s in catalogue.shows if s.tvdb_id and sum(len(v) for k, v in s.seasons.items() if k) >= 100)
    async with httpx.AsyncClient() as client:
        show = await SkyHookMetadata(client, fake.base_url, timeout=1).show(anime.tvdb_id or 0)
    assert show is not None and show.title == anime.title and show.year
    absolutes = [e.absolute for e in show.episodes if e.season > 0]
    assert len(absolutes) >= 100 and all(a is not None for a in absolutes)
    assert sorted(a for a in absolutes if a is not None) == list(range(1, len(absolutes) + 1))
    assert all(e.air_date is not None for e in show.episodes if e.season > 0)


async def test_unknown_show_is_none(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        assert await SkyHookMetadata(client, fake.base_url, timeout=1).show(1) is None


async def test_results_are_cached(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        sky = SkyHookMetadata(client, fake.base_url, timeout=1)
        await sky.show(81189)
        await sky.show(81189)
        await sky.search("Dark")
        await sky.search("dark")
    assert len(fake.app.hits) == 2


async def test_failures_raise_metadata_unavailable_within_the_timeout(fake: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        fake.app.faults.status = 500
        with pytest.raises(MetadataUnavailable, match="500"):
            await SkyHookMetadata(client, fake.base_url, timeout=1).show(81189)
        fake.app.faults.reset()
        fake.app.faults.hang = True
        started = time.monotonic()
        with pytest.raises(MetadataUnavailable, match="Timeout"):
            await SkyHookMetadata(client, fake.base_url, timeout=0.3).search("Dark")
        fake.app.faults.hang = False
        assert time.monotonic() - started < 2


def _counting_client(sent: list[str]) -> httpx.AsyncClient:
    """Counts requests on the client side: the fake records no hit for fault-injected answers."""

    async def count(request: httpx.Request) -> None:
        sent.append(request.url.path)

    return httpx.AsyncClient(event_hooks={"request": [count]})


async def test_concurrent_identical_lookups_share_one_request(fake: FakeServer) -> None:
    sent: list[str] = []
    fake.app.faults.latency = 0.2
    async with _counting_client(sent) as client:
        sky = SkyHookMetadata(client, fake.base_url, timeout=2)
        searches = await asyncio.gather(*(sky.search(t) for t in ("Dark", "dark", " DARK ", "Dark")))
        shows = await asyncio.gather(*(sky.show(81189) for _ in range(5)), sky.search("tvdb:81189"))
    assert all(s == searches[0] for s in searches) and searches[0]
    assert all(s == shows[0] for s in shows[:5]) and shows[0] is not None
    assert len(sent) == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_request(fake: FakeServer) -> None:
    sent: list[str] = []
    fake.app.faults.latency = 0.3
    async with _counting_client(sent) as client:
        sky = SkyHookMetadata(client, fake.base_url, timeout=2)
        first = asyncio.ensure_future(sky.show(81189))
        second = asyncio.ensure_future(sky.show(81189))
        await asyncio.sleep(0.05)
        first.cancel()
        show = await second
        assert first.cancelled() and show is not None and show.tvdb_id == 81189
        assert await sky.show(81189) == show  # the cached result of the shared request
    assert len(sent) == 1


async def test_a_shared_failure_reaches_every_waiter_and_is_not_cached(fake: FakeServer) -> None:
    sent: list[str] = []
    fake.app.faults.latency = 0.2
    fake.app.faults.status = 503
    async with _counting_client(sent) as client:
        sky = SkyHookMetadata(client, fake.base_url, timeout=2)
        results = await asyncio.gather(*(sky.search("Dark") for _ in range(3)), return_exceptions=True)
        assert len(sent) == 1
        assert all(isinstance(r, MetadataUnavailable) for r in results)
        fake.app.faults.reset()
        assert await sky.search("Dark")  # retried, not served from a cached failure
    assert len(sent) == 2
