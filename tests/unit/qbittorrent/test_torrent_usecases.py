"""Use cases of the qBittorrent client on in-memory repositories and the real (worker-less) scheduler."""

from __future__ import annotations

import pytest

from anibridge.domain.jobs.records import (
    JobMode,
    JobState,
)
from anibridge.domain.qbittorrent.service import (
    AddRequest,
    TorrentConflict,
    TorrentError,
    TorrentService,
)
from anibridge.domain.releases.magnets import parse_magnet

from .world import World, magnet

pytestmark = pytest.mark.anyio


async def test_add_creates_task_and_queued_job(world: World) -> None:
    uri = magnet(1)
    result = await world.service.add(AddRequest([uri], category="tv-sonarr", tags=["a"]))
    hash_ = parse_magnet(uri).infohash
    assert result.added == [hash_] and result.ok
    task = await world.tasks.get(hash_)
    assert task is not None and task.category == "tv-sonarr" and task.tags == ("a",)
    job = await world.jobs.get(task.job_id or "")
    assert job is not None and job.state is JobState.QUEUED and job.release_title == task.name
    assert job.provider == "VOE" and job.mode is JobMode.DOWNLOAD
    assert [c.name for c in await world.service.labels.categories()] == ["tv-sonarr"]


async def test_add_is_idempotent(world: World) -> None:
    uri = magnet(1)
    await world.service.add(AddRequest([uri]))
    again = await world.service.add(AddRequest([uri]))
    assert again.ok and again.existing and not again.added
    assert len(await world.tasks.list()) == 1
    assert len(await world.jobs.list_recent()) == 1


async def test_readd_after_failure_retries(world: World) -> None:
    uri = magnet(1)
    await world.service.add(AddRequest([uri]))
    hash_ = parse_magnet(uri).infohash
    await world.finish(hash_, fail="all hosters failed")
    await world.service.add(AddRequest([uri]))
    task = await world.tasks.get(hash_)
    assert task is not None
    job = await world.jobs.get(task.job_id or "")
    assert job is not None and job.state is JobState.QUEUED
    assert len(await world.jobs.list_recent()) == 2


async def test_add_strm_and_bad_urls(world: World) -> None:
    result = await world.service.add(AddRequest([magnet(2, mode=JobMode.STRM), "http://x/y.torrent", "magnet:?xt=bad"]))
    assert len(result.added) == 1 and len(result.rejected) == 2
    task = (await world.tasks.list())[0]
    assert task.mode is JobMode.STRM
    bad = await world.service.add(AddRequest(["magnet:?dn=x"]))
    assert not bad.ok


async def test_add_stopped_has_no_job_until_started(world: World) -> None:
    uri = magnet(1)
    await world.service.add(AddRequest([uri], stopped=True))
    hash_ = parse_magnet(uri).infohash
    [info] = await world.listing.torrents()
    assert info["state"] == "stoppedDL"
    await world.service.start(hash_)
    [info] = await world.listing.torrents()
    assert info["state"] == "queuedDL"


async def test_delete_cancels_running_job_and_removes_files(world: World) -> None:
    uri = magnet(1)
    await world.service.add(AddRequest([uri]))
    hash_ = parse_magnet(uri).infohash
    task = await world.tasks.get(hash_)
    assert task is not None
    partial = world.root / f".anibridge-{task.job_id}.VOE.mp4.part"
    partial.write_bytes(b"half")
    await world.jobs.claim_next("w/0", world.clock.now())
    assert await world.service.delete(hash_, delete_files=True) == 1
    job = await world.jobs.get(task.job_id or "")
    assert job is not None and job.cancel_requested
    assert not partial.exists()
    assert await world.tasks.get(hash_) is None


async def test_delete_keeps_files_unless_asked_and_tolerates_moved_content(world: World) -> None:
    uris = [magnet(1), magnet(2)]
    await world.service.add(AddRequest(uris))
    h1, h2 = (parse_magnet(u).infohash for u in uris)
    f1 = await world.finish(h1)
    await world.service.delete(h1, delete_files=False)
    assert f1.exists()
    f2 = await world.finish(h2)
    f2.unlink()  # Sonarr moved it away already
    assert await world.service.delete(f"{h2}|unknown", delete_files=True) == 1


async def test_categories(world: World) -> None:
    await world.service.labels.create_category("tv-sonarr", "/downloads/x")
    with pytest.raises(TorrentConflict):  # again: 409 like qBittorrent
        await world.service.labels.create_category("tv-sonarr", "/downloads/x")
    with pytest.raises(TorrentConflict):  # editing a missing one does not create it
        await world.service.labels.edit_category("radarr", "")
    with pytest.raises(TorrentError):
        await world.service.labels.create_category("  ", "")
    with pytest.raises(TorrentConflict):
        await world.service.labels.create_category("/bad", "")
    await world.service.labels.edit_category("tv-sonarr", "y")
    assert [(c.name, c.save_path) for c in await world.service.labels.categories()] == [("tv-sonarr", "y")]
    uri = magnet(1)
    await world.service.add(AddRequest([uri]))
    hash_ = parse_magnet(uri).infohash
    with pytest.raises(TorrentConflict):
        await world.service.labels.set_category(hash_, "nope")
    await world.service.labels.set_category(hash_, "tv-sonarr")
    assert (await world.listing.torrents())[0]["category"] == "tv-sonarr"
    await world.service.labels.remove_categories(["tv-sonarr"])
    assert await world.service.labels.categories() == []
    assert (await world.listing.torrents())[0]["category"] == ""


async def test_tags_limits_priority_force(world: World) -> None:
    uris = [magnet(1), magnet(2), magnet(3)]
    for uri in uris:
        await world.service.add(AddRequest([uri]))
        world.clock.advance(1)
    h1, h2, h3 = (parse_magnet(u).infohash for u in uris)
    await world.service.labels.add_tags(f"{h1}|{h2}", ["x", "y"])
    await world.service.labels.remove_tags(h2, ["x"])
    await world.service.labels.create_tags(["free"])
    assert await world.service.labels.tags() == ["free", "x", "y"]
    await world.service.labels.delete_tags(["y"])
    infos = {t["hash"]: t for t in await world.listing.torrents()}
    assert infos[h1]["tags"] == "x" and infos[h2]["tags"] == ""
    await world.service.set_share_limits(h1, 1.5, 60)
    await world.service.move_priority(h3, "top")
    await world.service.set_force_start(h2, True)
    infos = {t["hash"]: t for t in await world.listing.torrents()}
    assert infos[h1]["ratio_limit"] == 1.5 and infos[h1]["seeding_time_limit"] == 60
    assert [infos[h]["priority"] for h in (h3, h1, h2)] == [1, 2, 3]
    await world.service.move_priority(h2, "increase")
    infos = {t["hash"]: t for t in await world.listing.torrents()}
    assert [infos[h]["priority"] for h in (h3, h2, h1)] == [1, 2, 3]
    assert infos[h2]["force_start"] is True


async def test_stop_cancels_and_start_resubmits(world: World) -> None:
    uri = magnet(1)
    await world.service.add(AddRequest([uri]))
    hash_ = parse_magnet(uri).infohash
    first = (await world.tasks.get(hash_)).job_id  # type: ignore[union-attr]
    await world.service.stop("all")
    job = await world.jobs.get(first or "")
    assert job is not None and job.state is JobState.CANCELLED
    assert (await world.listing.torrents())[0]["state"] == "stoppedDL"
    await world.service.start(hash_)
    task = await world.tasks.get(hash_)
    assert task is not None and task.job_id != first and not task.stopped
    assert (await world.listing.torrents())[0]["state"] == "queuedDL"


async def test_top_and_bottom_write_only_the_moved_tasks(world: World) -> None:
    uris = [magnet(n) for n in range(1, 6)]
    await world.service.add(AddRequest(uris))  # same second: ties broken by added_on/hash
    before = {t.hash: t.updated_seq for t in await world.tasks.list()}
    last = parse_magnet(uris[-1]).infohash
    await world.service.move_priority(last, "top")
    after = {t.hash: t.updated_seq for t in await world.tasks.list()}
    assert [h for h in after if after[h] != before[h]] == [last]
    infos = {t["hash"]: t["priority"] for t in await world.listing.torrents()}
    assert infos[last] == 1 and sorted(infos.values()) == [1, 2, 3, 4, 5]
    await world.service.move_priority(last, "bottom")
    infos = {t["hash"]: t["priority"] for t in await world.listing.torrents()}
    assert infos[last] == 5


async def test_global_tags_follow_qbittorrent_and_survive_a_restart(world: World) -> None:
    """createTags/addTags/add-with-tags fill one global list; removeTags and deleting a torrent leave it alone,
    deleteTags empties it; a new service over the same repository (a restart) sees the same list."""
    uri = magnet(1)
    await world.service.add(AddRequest([uri], tags=["from-add"]))
    h1 = parse_magnet(uri).infohash
    await world.service.labels.create_tags(["unused", ""])
    await world.service.labels.add_tags(h1, ["x"])
    await world.service.labels.remove_tags(h1, ["x"])
    await world.service.delete(h1, delete_files=False)
    assert await world.service.labels.tags() == ["from-add", "unused", "x"]
    restarted = TorrentService(world.tasks, world.jobs, world.scheduler, world.clock, world.service.config,
                               world.files)
    assert await restarted.labels.tags() == ["from-add", "unused", "x"]
    await restarted.labels.delete_tags(["unused", "x"])
    assert await world.service.labels.tags() == ["from-add"]


async def test_deleting_a_finished_torrent_moves_its_release_to_a_new_hash(world: World) -> None:
    """Sonarr imports, then deletes; the next grab of that episode must not reuse the imported hash."""
    from anibridge.domain.releases.regrab import regrab_hash

    done, running = magnet(1), magnet(2)
    for uri in (done, running):
        await world.service.add(AddRequest([uri]))
    h_done, h_running = parse_magnet(done).infohash, parse_magnet(running).infohash
    await world.finish(h_done)
    await world.service.delete(f"{h_done}|{h_running}", delete_files=True)
    assert await world.regrabs.generations([h_done, h_running]) == {h_done: 1}
    again = done.replace(h_done, regrab_hash(h_done, 1))
    await world.service.add(AddRequest([again]))
    task = await world.tasks.get(regrab_hash(h_done, 1))
    assert task is not None and task.job_id and task.ref == parse_magnet(done).ref
