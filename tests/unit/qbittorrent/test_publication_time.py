"""The release's publication time (the magnet's `<p>_pub`) next to the grab time, as qBittorrent separates them.

A real .torrent's own date is reported only as `torrents/properties` `creation_date`; `added_on`/`addition_date`
are when it reached the client, and cleanup tools age torrents by `added_on`. So a grab of an episode that aired
years ago must not look years old, and the queue, the pending-job grace period and elapsed times keep using the
grab time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anibridge.domain.jobs.records import JobState
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.qbittorrent.service import AddRequest
from anibridge.domain.releases.magnets import parse_magnet

from .world import World, magnet, ref

pytestmark = pytest.mark.anyio

AIRED = datetime(2019, 4, 6, 15, 0, tzinfo=UTC)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


async def test_a_grab_keeps_the_publication_time_apart_from_the_grab_time(world: World) -> None:
    uri = magnet(1, published_at=AIRED)
    grabbed = world.clock.now()
    await world.service.add(AddRequest([uri]))
    hash_ = parse_magnet(uri).infohash
    task = await world.tasks.get(hash_)
    assert task is not None and task.published_at == AIRED and task.added_on == grabbed
    await world.jobs.transition(task.job_id or "", frozenset({JobState.QUEUED}), JobState.DOWNLOADING)

    world.clock.advance(90)
    [info] = await world.listing.torrents()
    props = await world.listing.properties(hash_)
    assert props is not None
    assert props["creation_date"] == _epoch(AIRED)
    assert info["added_on"] == props["addition_date"] == _epoch(grabbed)
    assert info["last_activity"] == _epoch(grabbed)  # Sonarr's inactive-seeding check reads this one
    assert props["time_elapsed"] == info["time_active"] == 90  # measured from the grab, not from the air date


async def test_without_a_publication_time_the_creation_date_is_the_grab_time(world: World) -> None:
    await world.service.add(AddRequest([magnet(1)]))
    [info] = await world.listing.torrents()
    props = await world.listing.properties(info["hash"])
    assert props is not None and props["creation_date"] == props["addition_date"] == info["added_on"]
    task = await world.tasks.get(info["hash"])
    assert task is not None and task.published_at is None


async def test_a_publication_time_after_the_grab_is_capped_at_the_grab(world: World) -> None:
    """Clients may hand in any magnet; a release cannot have come out after it was grabbed."""
    uri = magnet(1, published_at=world.clock.now() + timedelta(days=3))
    await world.service.add(AddRequest([uri]))
    task = await world.tasks.get(parse_magnet(uri).infohash)
    assert task is not None and task.published_at == task.added_on == world.clock.now()


async def test_queue_order_follows_the_grab_not_the_publication(world: World) -> None:
    newer, older = magnet(1, published_at=AIRED + timedelta(days=7)), magnet(2, published_at=AIRED)
    await world.service.add(AddRequest([newer]))
    world.clock.advance(5)
    await world.service.add(AddRequest([older]))
    first, second = parse_magnet(newer).infohash, parse_magnet(older).infohash
    assert [t["hash"] for t in await world.listing.torrents()] == [first, second]
    ranks = {t["hash"]: t["priority"] for t in await world.listing.torrents()}
    assert ranks[first] < ranks[second]
    info = {t["hash"]: t for t in await world.listing.torrents()}
    assert info[first]["added_on"] < info[second]["added_on"]


async def test_the_pending_job_grace_period_counts_from_the_grab(world: World) -> None:
    """A task without a job was just inserted by a concurrent add: an old air date must not let a re-add
    start a second download of it."""
    uri = magnet(1, published_at=AIRED)
    payload = parse_magnet(uri)
    await world.tasks.upsert(ClientTask(hash=payload.infohash, name=payload.title, ref=ref(1),
                                        added_on=world.clock.now(), published_at=AIRED))
    again = await world.service.add(AddRequest([uri]))
    assert again.existing == [payload.infohash]
    assert await world.jobs.list_recent() == []

