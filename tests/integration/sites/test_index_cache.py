"""IndexCache: cold load, stale-while-revalidate, one refresh at a time, failure cooldown, persistence."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from anibridge.adapters.sites.index_cache import IndexCache, IndexSnapshot
from anibridge.domain.catalog.identity import Site
from anibridge.ports.catalog import SeriesEntry
from anibridge.ports.errors import SiteUnavailable

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Loader:
    """Counts calls; each load can be made slow or failing; titles carry the call number."""

    def __init__(self, clock: Clock) -> None:
        self.calls = 0
        self.delay = 0.0
        self.fail = False
        self.clock = clock

    async def __call__(self) -> IndexSnapshot:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise SiteUnavailable("aniworld.to: down")
        entries = (SeriesEntry(Site.ANIWORLD, "show", f"Show v{self.calls}", ("Alt",), kind="movie", year=2020),)
        return IndexSnapshot(entries, self.clock(), {"show": "/films/1-show.html"})


def cache(loader: Loader, clock: Clock, path: Path | None, ttl: float = 3600) -> IndexCache:
    return IndexCache(Site.ANIWORLD, loader, path=path, ttl_seconds=ttl, now=clock)


async def test_concurrent_cold_loads_share_one_fetch() -> None:
    clock = Clock()
    loader = Loader(clock)
    loader.delay = 0.05
    c = cache(loader, clock, None)
    results = await asyncio.gather(*(c.get() for _ in range(10)))
    assert loader.calls == 1 and all(r is results[0] for r in results)


async def test_stale_index_is_served_immediately_and_refreshed_once() -> None:
    clock = Clock()
    loader = Loader(clock)
    c = cache(loader, clock, None, ttl=60)
    first = await c.get()
    clock.t += 61
    loader.delay = 0.05
    stale = [await c.get() for _ in range(5)]
    await asyncio.sleep(0.01)  # the background refresh has started but not finished
    stale.append(await c.get())
    assert all(s is first for s in stale) and loader.calls == 2
    await asyncio.sleep(0.1)
    assert (await c.get()).entries[0].title == "Show v2"


async def test_failed_cold_load_is_not_retried_on_every_lookup() -> None:
    clock = Clock()
    loader = Loader(clock)
    loader.fail = True
    c = cache(loader, clock, None)
    for _ in range(3):
        with pytest.raises(SiteUnavailable):
            await c.get()
    assert loader.calls == 1
    clock.t += 31
    loader.fail = False
    assert (await c.get()).entries
    assert loader.calls == 2


async def test_failed_refresh_keeps_the_old_index() -> None:
    clock = Clock()
    loader = Loader(clock)
    c = cache(loader, clock, None, ttl=60)
    first = await c.get()
    clock.t += 61
    loader.fail = True
    assert await c.refresh() is first
    assert await c.get() is first


async def test_index_is_persisted_atomically_and_read_back(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "index-aniworld.to.json"
    await cache(Loader(clock), clock, path).get()
    assert json.loads(path.read_text())["entries"][0]["title"] == "Show v1"
    assert not list(tmp_path.glob(".*tmp"))
    again = Loader(clock)
    snap = await cache(again, clock, path).get()
    assert again.calls == 0
    assert snap.entries[0] == SeriesEntry(Site.ANIWORLD, "show", "Show v1", ("Alt",), kind="movie", year=2020)
    assert snap.urls == {"show": "/films/1-show.html"}


async def test_persisted_index_older_than_ttl_is_served_then_refreshed(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "index.json"
    await cache(Loader(clock), clock, path, ttl=60).get()
    clock.t += 120
    loader = Loader(clock)
    c = cache(loader, clock, path, ttl=60)
    assert (await c.get()).entries[0].title == "Show v1"
    await asyncio.sleep(0.01)
    assert loader.calls == 1


async def test_ttl_zero_refreshes_once_per_process(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "index.json"
    await cache(Loader(clock), clock, path, ttl=0).get()
    loader = Loader(clock)
    c = cache(loader, clock, path, ttl=0)
    for _ in range(3):
        await c.get()
        await asyncio.sleep(0.01)
    assert loader.calls == 1


async def test_corrupt_cache_file_is_ignored(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "index.json"
    path.write_text("{not json")
    loader = Loader(clock)
    assert (await cache(loader, clock, path).get()).entries
    assert loader.calls == 1
