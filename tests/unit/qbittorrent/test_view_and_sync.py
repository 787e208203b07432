"""The qBittorrent view model (states, paths, limits) and the rid bookkeeping of sync/maindata."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.qbittorrent.listing import render
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.qbittorrent.service import (
    AddRequest,
    ClientConfig,
)
from anibridge.domain.qbittorrent.states import qbit_state
from anibridge.domain.qbittorrent.sync import MainDataSync
from anibridge.domain.qbittorrent.view import (
    content_path,
    select,
    torrent_info,
)
from anibridge.domain.releases.magnets import parse_magnet

from .world import World, build_world, magnet, ref

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _task(**kw: object) -> ClientTask:
    base = ClientTask(hash="a" * 40, name="Show.S01E01.1080p.WEB.H264.GER-ANIWORLD", ref=ref(1), added_on=NOW)
    return replace(base, **kw)  # type: ignore[arg-type]


def _job(state: JobState, **kw: object) -> Job:
    return replace(Job(id="j1", ref=ref(1), mode=JobMode.DOWNLOAD, release_title="x", state=state,
                       updated_at=NOW), **kw)  # type: ignore[arg-type]


def test_states() -> None:
    assert qbit_state(None, _task()) == "queuedDL"
    assert qbit_state(None, _task(stopped=True)) == "stoppedDL"
    assert qbit_state(_job(JobState.DOWNLOADING), _task()) == "downloading"
    assert qbit_state(_job(JobState.DOWNLOADING), _task(force_start=True)) == "forcedDL"
    assert qbit_state(_job(JobState.DOWNLOADING), _task(stopped=True)) == "stoppedDL"
    assert qbit_state(_job(JobState.COMPLETED), _task()) == "stoppedUP"
    assert qbit_state(_job(JobState.FAILED), _task()) == "error"
    assert qbit_state(_job(JobState.CANCELLED), _task()) == "stoppedDL"


def test_content_path_mapping_and_finality() -> None:
    cfg = ClientConfig(download_dir="/data/downloads", public_save_path="/mnt/anime/")
    done = _job(JobState.COMPLETED, result_path="/data/downloads/sub/A.mp4")
    assert content_path(done, cfg) == "/mnt/anime/sub/A.mp4"
    assert content_path(_job(JobState.DOWNLOADING, result_path="/data/downloads/A.mp4"), cfg) == ""
    plain = ClientConfig(download_dir="/data/downloads")
    assert content_path(replace(done, result_path="/elsewhere/B.mkv"), plain) == "/data/downloads/B.mkv"


def test_finished_reaches_seed_goal_and_running_fields() -> None:
    cfg = ClientConfig(download_dir="/d")
    done = torrent_info(_task(), _job(JobState.COMPLETED, result_path="/d/A.mp4", total_bytes=10), NOW, cfg, 3)
    assert (done["ratio"], done["ratio_limit"], done["priority"], done["eta"]) == (0.0, -2.0, 0, 0)
    assert (done["max_ratio"], done["seeding_time_limit"], done["max_seeding_time"]) == (0.0, -2, -1)
    limited = torrent_info(_task(ratio_limit=1.5, seeding_time_limit=10), _job(JobState.COMPLETED), NOW, cfg, 1)
    assert limited["ratio"] == 1.5 and limited["seeding_time"] == 600
    unlimited = torrent_info(_task(ratio_limit=-1.0), _job(JobState.COMPLETED), NOW, cfg, 1)
    assert unlimited["ratio_limit"] == -1.0 and unlimited["ratio"] == 0.0  # Sonarr then copies, never deletes
    running = torrent_info(_task(), _job(JobState.DOWNLOADING, downloaded_bytes=25, total_bytes=100, speed=5.5, eta=15),
                           NOW + timedelta(seconds=9), cfg, 2)
    assert (running["progress"], running["dlspeed"], running["eta"], running["amount_left"]) == (0.25, 5, 15, 75)
    assert running["time_active"] == 9 and running["priority"] == 2
    queued = torrent_info(_task(), _job(JobState.QUEUED), NOW + timedelta(hours=1), cfg, 1)
    assert queued["eta"] == 8640000 and queued["time_active"] == 0


def test_select_paging_and_sort() -> None:
    items = [{"name": n, "state": "stoppedUP", "category": "", "tags": "", "dlspeed": 0, "size": s}
             for n, s in (("b", 2), ("a", 3), ("c", 1))]
    assert [t["name"] for t in select(items, lambda t: t, sort="size")] == ["c", "b", "a"]
    assert [t["name"] for t in select(items, lambda t: t, offset=-2)] == ["a", "c"]
    assert [t["name"] for t in select(items, lambda t: t, sort="name", reverse=True, limit=2)] == ["c", "b"]
    assert select(items, lambda t: t, state_filter="downloading") == []


def test_sync_rids_and_eviction() -> None:
    cfg = ClientConfig(download_dir="/d")
    one = render(_task(), None, NOW, cfg, 1)
    two = render(_task(hash="b" * 40), None, NOW, cfg, 2)
    sync = MainDataSync(keep=2)
    first = json.loads(sync.answer(0, 1, [one, two], {}, [], {"dl_info_speed": 0}))
    assert first["full_update"] and set(first["torrents"]) == {"a" * 40, "b" * 40}
    changed = render(replace(_task(), category="tv"), None, NOW, cfg, 1)
    diff = json.loads(sync.answer(first["rid"], 2, [changed], {"tv": {"name": "tv", "savePath": ""}}, ["x"],
                                  {"dl_info_speed": 7}))
    assert diff["torrents"] == {"a" * 40: {"category": "tv"}} and diff["torrents_removed"] == ["b" * 40]
    assert diff["categories"] == {"tv": {"name": "tv", "savePath": ""}} and diff["tags"] == ["x"]
    assert diff["server_state"] == {"dl_info_speed": 7}
    sync.answer(diff["rid"], 2, [changed], {}, [], {})
    sync.answer(diff["rid"], 2, [changed], {}, [], {})
    assert json.loads(sync.answer(first["rid"], 2, [changed], {}, [], {}))["full_update"] is True  # evicted


@pytest.mark.anyio
async def test_delete_files_on_torrent_delete_setting(tmp_path: Path) -> None:
    world: World = build_world(tmp_path, delete_files=True)
    await world.service.add(AddRequest([magnet(1)]))
    hash_ = parse_magnet(magnet(1)).infohash
    path = await world.finish(hash_)
    await world.service.delete(hash_, delete_files=False)  # Sonarr copied; the setting still removes the file
    assert not path.exists()
