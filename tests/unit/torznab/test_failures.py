"""Internal failures cost items, never the feed: site outages, crashing adapters, a broken cache."""

from __future__ import annotations

import pytest

from anibridge.domain.catalog.identity import Site
from anibridge.domain.torznab.request import (
    SearchKind,
    SearchRequest,
)
from anibridge.ports.errors import SiteUnavailable

from .fakes import world

pytestmark = pytest.mark.anyio


async def test_site_outage_gives_an_empty_result_not_an_error() -> None:
    w = world()
    catalog = w.catalogs[Site.ANIWORLD]

    async def down(*args: object) -> object:
        raise SiteUnavailable("aniworld answered HTTP 503")

    catalog.episode = down  # type: ignore[method-assign]
    catalog.season = down  # type: ignore[method-assign]
    assert await w.search.search(SearchRequest(SearchKind.TV, q="Kaguya-sama", season=1, episode=1)) == []
    assert await w.search.search(SearchRequest(SearchKind.TV, q="Kaguya-sama", season=1)) == []
    # Another site is unaffected.
    assert await w.search.search(SearchRequest(SearchKind.TV, q="9-1-1", season=1, episode=1))


async def test_crashing_new_episodes_falls_back_to_the_test_item() -> None:
    w = world()

    async def crash() -> object:
        raise RuntimeError("parser bug")

    w.catalogs[Site.ANIWORLD].new_episodes = crash  # type: ignore[method-assign]
    items = await w.search.search(SearchRequest(SearchKind.TV, categories=frozenset({5030, 5040})))
    assert [i.title for i in items] == ["AniBridge Connectivity Test"]


async def test_broken_availability_cache_still_answers() -> None:
    w = world()

    async def broken(*args: object) -> object:
        raise OSError("database is locked")

    w.repo.get_many = broken  # type: ignore[method-assign]
    w.repo.get = broken  # type: ignore[method-assign]
    w.repo.put = broken  # type: ignore[method-assign]
    items = await w.search.search(SearchRequest(SearchKind.TV, q="Kaguya-sama", season=1, episode=2))
    assert len(items) == 3


async def test_finder_crash_costs_only_that_variant() -> None:
    w = world()
    original = w.finder.find

    async def flaky(ref, preferred=None, exclude=frozenset()):  # type: ignore[no-untyped-def]
        if ref.language.value == "German Sub":
            raise KeyError("adapter bug")
        return await original(ref, preferred, exclude)

    w.finder.find = flaky  # type: ignore[method-assign]
    items = await w.search.search(SearchRequest(SearchKind.TV, q="Kaguya-sama", season=1, episode=2))
    assert [i.guid.split(":")[-1] for i in items] == ["German Dub", "English Sub"]
