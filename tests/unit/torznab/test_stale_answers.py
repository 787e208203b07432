"""While a site answers gates, a search answers what it found before (up to a bounded age); never-seen searches,
RSS/Test requests and answers past the bound still say which site needs what."""

from __future__ import annotations

from dataclasses import replace

import pytest

from anibridge.domain.catalog.identity import Site
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.request import SearchKind, SearchRequest
from anibridge.domain.torznab.service import SitesGated
from anibridge.ports.errors import GateKind, SiteGated

from .fakes import World, world

pytestmark = pytest.mark.anyio

EPISODE = SearchRequest(SearchKind.TV, q="Kaguya-sama", season=1, episode=2)


def gate_everything(w: World) -> None:
    """AniWorld's pages and hoster links all answer DDoS-Guard, and no availability row is fresh any more."""

    async def gated(*args: object, **kwargs: object) -> object:
        raise SiteGated("aniworld.to", GateKind.DDOS_GUARD)

    catalog = w.catalogs[Site.ANIWORLD]
    catalog.episode = gated  # type: ignore[method-assign]
    catalog.season = gated  # type: ignore[method-assign]
    catalog.series = gated  # type: ignore[method-assign]
    w.finder.find = gated  # type: ignore[method-assign]
    w.clock.advance(25 * 3600)  # past the availability cache's 24 h


async def test_a_search_seen_before_answers_the_same_releases_while_gated() -> None:
    w = world(SearchConfig(stale_max_hours=48))
    healthy = await w.search.search(EPISODE)
    assert len(healthy) == 3
    gate_everything(w)
    again = await w.search.search(EPISODE)
    assert [(r.guid, r.title, r.magnet) for r in again] == [(r.guid, r.title, r.magnet) for r in healthy]
    # Paging still cuts the remembered answer.
    assert [r.guid for r in await w.search.search(replace(EPISODE, offset=1))] == [r.guid for r in healthy[1:]]


async def test_a_search_never_seen_says_which_site_needs_what() -> None:
    w = world(SearchConfig(stale_max_hours=48))
    await w.search.search(EPISODE)
    gate_everything(w)
    with pytest.raises(SitesGated, match="aniworld.to: "):
        await w.search.search(SearchRequest(SearchKind.TV, q="Kaguya-sama", season=1, episode=3))


async def test_an_answer_older_than_the_bound_is_not_served() -> None:
    w = world(SearchConfig(stale_max_hours=24))
    await w.search.search(EPISODE)
    gate_everything(w)  # 25 h later
    with pytest.raises(SitesGated):
        await w.search.search(EPISODE)


async def test_zero_hours_turns_it_off() -> None:
    w = world(SearchConfig(stale_max_hours=0))
    await w.search.search(EPISODE)
    gate_everything(w)  # 25 h later, as in the first test, where a 48 h bound serves the answer
    with pytest.raises(SitesGated):
        await w.search.search(EPISODE)


async def test_a_healthy_answer_replaces_the_remembered_one() -> None:
    w = world(SearchConfig(stale_max_hours=48))
    await w.search.search(EPISODE)
    episodes = w.catalogs[Site.ANIWORLD].series_by_slug["kaguya-sama-love-is-war"].seasons[1]
    episodes[2] = episodes[2][:1]  # the site now offers one language of the episode
    w.clock.advance(25 * 3600)  # a new probe, not the availability cache
    fresh = await w.search.search(EPISODE)
    assert len(fresh) == 1
    gate_everything(w)
    assert [r.guid for r in await w.search.search(EPISODE)] == [r.guid for r in fresh]
