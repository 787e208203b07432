"""The cached listing and the rid diffs never drift from the truth.

Random operations (adds, progress, completion, failure, deletes, categories, tags, queue moves, stop/start)
run through the use cases; after each one the warm cached listing must equal a cold one built from the
repositories, and a client that applies every incremental sync/maindata answer must hold exactly what a full
update shows.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from anibridge.domain.jobs.records import (
    JobState,
    ProgressUpdate,
)
from anibridge.domain.qbittorrent.listing import TorrentListing
from anibridge.domain.qbittorrent.service import AddRequest
from anibridge.domain.qbittorrent.sync import MainDataSync
from anibridge.domain.releases.magnets import parse_magnet

from .world import World, build_world, magnet

pytestmark = pytest.mark.anyio


def _apply(state: dict[str, Any], answer: dict[str, Any]) -> None:
    """What a qBittorrent WebUI does with a maindata answer."""
    if answer.get("full_update"):
        state.clear()
        state.update({"torrents": {}, "categories": {}, "tags": set()})
    for hash_, fields in answer.get("torrents", {}).items():
        state["torrents"].setdefault(hash_, {}).update(fields)
    for hash_ in answer.get("torrents_removed", []):
        state["torrents"].pop(hash_, None)
    state["categories"].update(answer.get("categories", {}))
    for name in answer.get("categories_removed", []):
        state["categories"].pop(name, None)
    state["tags"] |= set(answer.get("tags", []))
    state["tags"] -= set(answer.get("tags_removed", []))


async def _op(world: World, rng: random.Random, step: int) -> None:
    hashes = [t.hash for t in await world.tasks.list()]
    choice = rng.randrange(10) if hashes else 0
    pick = rng.choice(hashes) if hashes else ""
    task = await world.tasks.get(pick) if pick else None
    job = await world.jobs.get(task.job_id) if task is not None and task.job_id else None
    if choice in (0, 1):
        n = rng.randrange(1, 25)
        await world.service.add(AddRequest([magnet(n)], category=rng.choice(["", "tv"]), stopped=rng.random() < 0.2))
    elif choice == 2 and job is not None and job.state is JobState.QUEUED:
        await world.jobs.transition(job.id, frozenset({JobState.QUEUED}), JobState.DOWNLOADING)
        await world.jobs.record_progress(job.id, ProgressUpdate(step, 1000, 10.0, 3, 1.0), world.clock.now())
    elif choice == 3 and job is not None and job.state is JobState.DOWNLOADING:
        final = rng.choice([JobState.COMPLETED, JobState.FAILED])
        await world.jobs.transition(job.id, frozenset({JobState.DOWNLOADING}), final, message="boom",
                                    result_path=str(world.root / f"{step}.mp4"))
    elif choice == 4:
        await world.service.delete(pick, delete_files=True)
    elif choice == 5:
        if "tv" not in {c.name for c in await world.service.labels.categories()}:
            await world.service.labels.create_category("tv", "")
        await world.service.labels.set_category(pick, rng.choice(["", "tv"]))
    elif choice == 6:
        await world.service.labels.add_tags(pick, [rng.choice(["a", "b", "c"])])
    elif choice == 7:
        await world.service.labels.remove_tags(pick, [])
    elif choice == 8:
        await world.service.move_priority(pick, rng.choice(["top", "bottom", "increase", "decrease"]))
    else:
        await (world.service.stop(pick) if rng.random() < 0.5 else world.service.start(pick))
    if rng.random() < 0.1:
        await world.service.labels.remove_categories(["tv"])
    world.clock.advance(rng.choice([0, 1, 5]))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_cached_listing_and_diffs_match_a_cold_rebuild(tmp_path: Path, seed: int) -> None:
    await random_ops_match_a_cold_rebuild(build_world(tmp_path), random.Random(seed), 120)
    assert parse_magnet(magnet(1)).infohash  # the magnets used are valid


async def random_ops_match_a_cold_rebuild(world: World, rng: random.Random, steps: int) -> None:
    """After every random operation: warm listing == cold rebuild, and a client applying the maindata diffs
    holds exactly what a full update says (also used on the SQL repositories)."""
    sync = MainDataSync()
    client: dict[str, Any] = {}
    rid = 0
    for step in range(steps):
        await _op(world, rng, step)
        warm = await world.listing.torrents()
        cold = await TorrentListing(world.tasks, world.jobs, world.clock, world.listing.config).torrents()
        assert warm == cold, f"step {step}"
        version, entries = await world.listing.versioned()
        cats = {c.name: {"name": c.name, "savePath": c.save_path} for c in await world.service.labels.categories()}
        tags = await world.service.labels.tags_with(world.listing.totals[2])
        answer = json.loads(sync.answer(rid, version, entries, cats, tags, {}))
        rid = answer["rid"]
        _apply(client, answer)
        full = json.loads(MainDataSync().answer(0, version, entries, cats, tags, {}))
        assert client["torrents"] == full["torrents"], f"step {step}"
        assert client["categories"] == full["categories"] and client["tags"] == set(full["tags"])
        assert tags == await world.service.labels.tags()
