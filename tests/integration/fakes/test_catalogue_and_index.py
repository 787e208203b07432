"""The catalogue covers every case the adapters must handle; the big index is deterministic and served on demand."""

from __future__ import annotations

import httpx
import pytest

from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge_fakes.catalogue import KINDS, load_catalogue
from anibridge_fakes.index_gen import generate_index
from anibridge_fakes.world import FakeWorld
from tests.integration.fakes.standin import StandInFarm


def test_catalogue_covers_the_required_cases() -> None:
    cat = load_catalogue()
    assert len(cat.shows) >= 25
    assert any(len(s.numbered_seasons) >= 3 and max(e.absolute or 0 for e in s.all_episodes()) >= 100 for s in cat.shows)
    assert any(set(s.slugs) == {Site.STO} for s in cat.shows)
    assert any(Site.ANIWORLD in s.slugs and Site.STO in s.slugs for s in cat.shows)
    mk = cat.on(Site.MEGAKINO)
    assert {s.kind for s in mk} == {"movie", "series"}
    assert any(s.specials and all(e.tvdb_special for e in s.specials) for s in cat.on(Site.ANIWORLD))
    every = [e for s in cat.shows for e in s.all_episodes()]
    assert {o.kind for e in every for o in e.offers} == set(KINDS)
    full = {Language.GERMAN_DUB, Language.GERMAN_SUB}
    assert any(full - set(e.languages) for s in cat.shows for e in s.all_episodes() if Site.ANIWORLD in s.slugs)
    assert all(s.tvdb_id for s in cat.shows if s.kind != "movie")
    link_ids = [o.link_id for e in every for o in e.offers]
    assert len(link_ids) == len(set(link_ids)) == len(cat.offers_by_link)


def test_index_generator_is_deterministic_and_unique() -> None:
    first = generate_index()
    assert len(first) == 20_000
    assert len({e.slug for e in first}) == 20_000
    assert first[:50] == generate_index()[:50] and first[-1] == generate_index()[-1]
    assert sum(1 for e in first if e.alt_titles) > 10_000
    assert generate_index(100, seed=1) != generate_index(100, seed=2)


@pytest.mark.slow
def test_big_index_on_the_alphabet_page() -> None:
    world = FakeWorld(farm=StandInFarm(), big_index=True).start()
    try:
        text = httpx.get(world.sites[Site.ANIWORLD].base_url + "/animes-alphabet", timeout=10).text
    finally:
        world.stop()
    assert text.count("<li><a") >= 20_000
    assert "/anime/stream/kaguya-sama-love-is-war" in text
