"""Site adapters and SkyHook replayed from their recorded cassettes (the parsers pinned to recorded pages)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from vcr.errors import CannotOverwriteExistingCassetteException

from anibridge.adapters.sites.aniworld import AniWorldCatalog
from anibridge.adapters.sites.megakino import MegakinoCatalog
from anibridge.adapters.sites.sto import StoCatalog
from anibridge.adapters.skyhook import SkyHookMetadata
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.ports.errors import ChallengeRequired
from anibridge_fakes.record_cassettes import cassette_settings, cassette_site

pytestmark = [pytest.mark.anyio, pytest.mark.cassette]
Replay = Callable[[str], AbstractContextManager[Any]]


async def test_aniworld(replay: Replay) -> None:
    with replay("aniworld.yaml"):
        async with httpx.AsyncClient() as client:
            aw = AniWorldCatalog(client, cassette_site(cassette_settings(), Site.ANIWORLD))
            index = await aw.index()
            search = await aw.search("one punch")
            series = await aw.series("attack-on-titan")
            season = await aw.season("attack-on-titan", 1)
            films = await aw.season("attack-on-titan", 0)
            detail = await aw.episode("attack-on-titan", 1, 1)
            embed = await aw.embed_url(detail.hosters[0])
            news = await aw.new_episodes()
    assert len(index) >= 10 and any("Shingeki no Kyojin" in e.alt_titles for e in index)
    assert [s.slug for s in search] == ["one-punch-man"]
    assert series.title == "Attack on Titan" and 0 in series.seasons and 1 in series.seasons
    assert season and films and films[0].season == 0
    assert detail.languages and detail.hosters[0].url == "http://aniworld.test/redirect/1210"
    assert embed.startswith(f"http://{detail.hosters[0].provider.lower()}.test/e/")
    assert news and news[0].released_at is not None


async def test_sto(replay: Replay) -> None:
    with replay("sto.yaml"):
        async with httpx.AsyncClient() as client:
            sto = StoCatalog(client, cassette_site(cassette_settings(), Site.STO))
            index = await sto.index()
            suggest = await sto.search("9-1-1")
            series = await sto.series("breaking-bad")
            season = await sto.season("breaking-bad", 1)
            detail = await sto.episode("breaking-bad", 1, 1)
            voe = next(h for h in detail.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB)
            embed = await sto.embed_url(voe)
            protected = await sto.episode("breaking-bad", 1, 2)
            with pytest.raises(ChallengeRequired):
                await sto.embed_url(next(h for h in protected.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB))
            classic = await sto.series("the-walking-dead")
            classic_ep = await sto.episode("the-walking-dead", 1, 1)
            classic_embed = await sto.embed_url(classic_ep.hosters[0])
    assert any(e.slug == "breaking-bad" for e in index)
    assert {"9-1-1", "9-1-1-lone-star"} <= {s.slug for s in suggest}
    assert series.year == 2008 and len(season) == 7
    assert "Provider" not in {h.provider for h in detail.hosters} and embed == "http://voe.test/e/" + embed.rsplit("/", 1)[1]
    assert classic.title and classic_ep.hosters and classic_embed.endswith(".test/e/" + classic_embed.rsplit("/", 1)[1])


async def test_megakino(replay: Replay) -> None:
    with replay("megakino.yaml"):
        async with httpx.AsyncClient() as client:
            mk = MegakinoCatalog(client, cassette_site(cassette_settings(), Site.MEGAKINO))
            index = await mk.index()
            movie = await mk.series("avengers-endgame")
            film = await mk.episode("avengers-endgame", 0, 0)
            episodes = await mk.season("reacher-2-staffel", 2)
            ep2 = await mk.episode("reacher-2-staffel", 2, 2)
            search = await mk.search("avengers")
    assert {e.slug for e in index} >= {"avengers-endgame", "reacher-2-staffel", "the-penguin-1-staffel"}
    assert movie.kind == "movie" and film.hosters and all(h.url.startswith("http://") for h in film.hosters)
    assert [e.episode for e in episodes][:2] == [1, 2] and ep2.hosters
    assert [s.slug for s in search] == ["avengers-endgame"]
    assert all(e.site is Site.MEGAKINO for e in index)


async def test_skyhook(replay: Replay) -> None:
    with replay("skyhook.yaml"):
        async with httpx.AsyncClient() as client:
            sky = SkyHookMetadata(client, cassette_settings().skyhook_base_url)
            found = await sky.search("Breaking Bad")
            by_imdb = await sky.search("imdb:tt0903747")
            show = await sky.show(81189)
            missing = await sky.show(1)
    assert found[0].tvdb_id == 81189 and [s.tvdb_id for s in by_imdb] == [81189]
    assert show is not None and show.episodes and missing is None


async def test_unrecorded_request_fails_instead_of_reaching_the_network(replay: Replay) -> None:
    with replay("aniworld.yaml"):
        async with httpx.AsyncClient() as client:
            with pytest.raises(CannotOverwriteExistingCassetteException):
                await client.get("http://aniworld.test/anime/stream/never-recorded")
