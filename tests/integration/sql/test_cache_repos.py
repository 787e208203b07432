"""AvailabilityRepo and StrmMappingRepo contracts, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.streams.records import Availability
from anibridge.domain.strm.records import StrmMapping
from tests.integration.sql.conftest import Repos

pytestmark = pytest.mark.anyio

A = EpisodeRef(Site.ANIWORLD, "one-piece", 1, 1, Language.GERMAN_DUB)
B = EpisodeRef(Site.STO, "one-piece", 1, 1, Language.GERMAN_DUB)


async def test_availability_put_get_overwrite(repos: Repos) -> None:
    row = Availability(ref=A, available=True, checked_at=repos.clock.now(), height=1080, vcodec="avc1.64001f",
                       provider="VOE", extra={"alias": "S00E05"})
    await repos.availability.put(row)
    assert await repos.availability.get(A) == row
    assert await repos.availability.get(B) is None
    newer = Availability(ref=A, available=False, checked_at=repos.clock.now() + timedelta(hours=1))
    await repos.availability.put(newer)
    assert await repos.availability.get(A) == newer


async def test_availability_get_many(repos: Repos) -> None:
    refs = [EpisodeRef(Site.ANIWORLD, "show", 1, e, Language.GERMAN_SUB) for e in range(1, 260)]  # > one chunk
    for ref in refs[::7]:
        await repos.availability.put(Availability(ref=ref, available=True, checked_at=repos.clock.now()))
    found = await repos.availability.get_many(refs)
    assert set(found) == set(refs[::7])
    assert all(found[r].ref == r for r in found)
    assert await repos.availability.get_many([]) == {}


async def test_strm_mapping_put_get_delete(repos: Repos) -> None:
    m = StrmMapping(ref=A, provider_hint="", resolved_url="https://h/v.m3u8?t=1", resolved_at=repos.clock.now(),
                    provider_used="VOE", headers={"Referer": "https://h/"})
    await repos.strm.put(m)
    other = StrmMapping(ref=A, provider_hint="Filemoon", resolved_url="https://f/x.mp4",
                        resolved_at=repos.clock.now())
    await repos.strm.put(other)
    assert await repos.strm.get(A, "") == m
    assert await repos.strm.get(A, "Filemoon") == other
    assert await repos.strm.get(B, "") is None
    refreshed = StrmMapping(ref=A, provider_hint="", resolved_url="https://h/v2.m3u8",
                            resolved_at=repos.clock.now() + timedelta(minutes=3), provider_used="Vidoza")
    await repos.strm.put(refreshed)
    assert await repos.strm.get(A, "") == refreshed
    await repos.strm.delete(A, "")
    await repos.strm.delete(B, "nothing")
    assert await repos.strm.get(A, "") is None
    assert await repos.strm.get(A, "Filemoon") == other


async def test_regrab_generations_only_move_forward(repos: Repos) -> None:
    a, b = "a" * 40, "b" * 40
    assert await repos.regrabs.generations([a, b]) == {}
    assert await repos.regrabs.generations([]) == {}
    await repos.regrabs.advance(a, 0)
    await repos.regrabs.advance(a, 0)  # a second instance deleting the same torrent: still generation 1
    assert await repos.regrabs.generations([a, b]) == {a: 1}
    await repos.regrabs.advance(a, 1)
    await repos.regrabs.advance(b, 4)
    await repos.regrabs.advance(a, 0)  # a stale caller never moves a release back
    assert await repos.regrabs.generations([a, b, "c" * 40]) == {a: 2, b: 5}
