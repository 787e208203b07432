"""ClientTaskRepo contract (tasks, change sequence, categories), run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import JobMode
from anibridge.domain.qbittorrent.records import (
    Category,
    ClientTask,
    TaskOptions,
)
from tests.integration.sql.conftest import Repos

pytestmark = pytest.mark.anyio

REF = EpisodeRef(Site.MEGAKINO, "some-film", 0, 0, Language.GERMAN_DUB)


def make_task(repos: Repos, n: int, **kw: object) -> ClientTask:
    return ClientTask(hash=f"{n:040x}", name=f"Some.Film.{n}", ref=REF,
                      added_on=repos.clock.now() + timedelta(seconds=n), **kw)  # type: ignore[arg-type]


async def test_upsert_and_get_round_trip_every_field(repos: Repos) -> None:
    task = ClientTask(
        hash="ab" * 20, name="Name & [STRM] ä", ref=REF, added_on=repos.clock.now(), mode=JobMode.STRM,
        provider="VOE", job_id="c" * 32, category="sonarr", tags=("a", "b c"), save_path="/downloads",
        content_path="/downloads/x.strm", completion_on=repos.clock.now() + timedelta(minutes=1),
        published_at=repos.clock.now() - timedelta(days=400), stopped=True,
        ratio_limit=0.0, seeding_time_limit=10, priority=2, force_start=True,
        magnet_uri="magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=x&aw_slug=y",
        options=TaskOptions(dl_limit=5, up_limit=7, seq_dl=True, auto_tmm=True, inactive_seeding_time_limit=30,
                            download_path="tmp", file_priority=7, trackers=("http://t/a",), webseeds=("http://w/",)),
    )
    await repos.tasks.upsert(task)
    assert task.updated_seq == 1
    got = await repos.tasks.get(task.hash)
    assert got == task
    assert await repos.tasks.get("0" * 40) is None


async def test_upsert_overwrites_and_bumps_the_sequence(repos: Repos) -> None:
    task = make_task(repos, 1)
    await repos.tasks.upsert(task)
    await repos.tasks.upsert(make_task(repos, 2))
    task.category, task.tags, task.job_id = "radarr", ("x",), "j" * 32
    await repos.tasks.upsert(task)
    assert task.updated_seq == 3
    got = await repos.tasks.get(task.hash)
    assert got is not None and (got.category, got.tags, got.job_id, got.updated_seq) == ("radarr", ("x",), "j" * 32, 3)


async def test_list_in_added_order_and_filtered(repos: Repos) -> None:
    for n in (3, 1, 2):
        await repos.tasks.upsert(make_task(repos, n))
    assert [t.hash for t in await repos.tasks.list()] == [f"{n:040x}" for n in (1, 2, 3)]
    assert [t.hash for t in await repos.tasks.list([f"{3:040x}", "f" * 40, f"{1:040x}"])] == [
        f"{1:040x}", f"{3:040x}"]
    assert list(await repos.tasks.list([])) == []


async def test_get_by_job(repos: Repos) -> None:
    await repos.tasks.upsert(make_task(repos, 1, job_id="j1"))
    await repos.tasks.upsert(make_task(repos, 2, job_id="j2"))
    got = await repos.tasks.get_by_job("j2")
    assert got is not None and got.hash == f"{2:040x}"
    assert await repos.tasks.get_by_job("nope") is None


async def test_delete_and_changes_since(repos: Repos) -> None:
    tasks, removed, seq0 = await repos.tasks.changes_since(0)
    assert (list(tasks), list(removed), seq0) == ([], [], 0)
    for n in (1, 2, 3):
        await repos.tasks.upsert(make_task(repos, n))
    tasks, removed, seq = await repos.tasks.changes_since(0)
    assert [t.hash for t in tasks] == [f"{n:040x}" for n in (1, 2, 3)] and list(removed) == [] and seq == 3
    assert await repos.tasks.delete([f"{2:040x}", f"{2:040x}", "f" * 40]) == 1
    assert await repos.tasks.get(f"{2:040x}") is None
    tasks, removed, seq = await repos.tasks.changes_since(3)
    assert list(tasks) == [] and list(removed) == [f"{2:040x}"] and seq == 4
    assert await repos.tasks.delete(["f" * 40]) == 0
    assert (await repos.tasks.changes_since(4))[2] == 4  # nothing happened, nothing counted
    # Re-adding a deleted hash: it is a change again, no longer "removed".
    await repos.tasks.upsert(make_task(repos, 2))
    tasks, removed, seq = await repos.tasks.changes_since(3)
    assert [t.hash for t in tasks] == [f"{2:040x}"] and list(removed) == [] and seq == 5
    assert await repos.tasks.delete([]) == 0


async def test_categories(repos: Repos) -> None:
    assert list(await repos.tasks.categories()) == []
    await repos.tasks.save_category(Category("tv", "/d/tv"))
    await repos.tasks.save_category(Category("movies"))
    await repos.tasks.save_category(Category("tv", "/d/series"))
    assert list(await repos.tasks.categories()) == [Category("movies", ""), Category("tv", "/d/series")]
    await repos.tasks.delete_categories(["tv", "unknown"])
    await repos.tasks.delete_categories([])
    assert list(await repos.tasks.categories()) == [Category("movies", "")]


async def test_global_tags_are_a_set(repos: Repos) -> None:
    assert list(await repos.tasks.tags()) == []
    await repos.tasks.save_tags(["b", "a", "b"])
    await repos.tasks.save_tags(["a", "c"])  # already known names are no error
    await repos.tasks.save_tags([])
    assert list(await repos.tasks.tags()) == ["a", "b", "c"]
    await repos.tasks.delete_tags(["a", "unknown"])
    await repos.tasks.delete_tags([])
    assert list(await repos.tasks.tags()) == ["b", "c"]


async def test_insert_if_absent_inserts_once_and_counts_only_real_inserts(repos: Repos) -> None:
    first = make_task(repos, 1)
    assert await repos.tasks.insert_if_absent(first) is True
    assert first.updated_seq == 1
    again = make_task(repos, 1, job_id="x" * 32, category="other")
    assert await repos.tasks.insert_if_absent(again) is False
    stored = await repos.tasks.get(first.hash)
    assert stored == first and stored is not None and stored.job_id is None  # the loser changed nothing
    assert (await repos.tasks.changes_since(0))[2] == 1  # a lost insert is not a change
    # A deleted hash can be inserted again and is no longer reported as removed.
    assert await repos.tasks.delete([first.hash]) == 1
    assert await repos.tasks.insert_if_absent(make_task(repos, 1)) is True
    tasks, removed, seq = await repos.tasks.changes_since(1)
    assert [t.hash for t in tasks] == [first.hash] and list(removed) == [] and seq == 3


async def test_swap_job_is_conditional_on_the_current_job(repos: Repos) -> None:
    task = make_task(repos, 1, stopped=True, content_path="/d/x.mp4",
                     completion_on=repos.clock.now())
    await repos.tasks.upsert(task)
    assert await repos.tasks.swap_job(task.hash, "a" * 32, "b" * 32) is False  # it has no job yet
    assert await repos.tasks.swap_job(task.hash, None, "a" * 32) is True
    got = await repos.tasks.get(task.hash)
    assert got is not None and got.job_id == "a" * 32
    assert (got.stopped, got.content_path, got.completion_on) == (False, None, None)
    assert got.updated_seq == 2 and (await repos.tasks.changes_since(1))[0][0].hash == task.hash
    # Two restarts that both saw job a: only the first one wins.
    assert await repos.tasks.swap_job(task.hash, "a" * 32, "b" * 32) is True
    assert await repos.tasks.swap_job(task.hash, "a" * 32, "c" * 32) is False
    got = await repos.tasks.get(task.hash)
    assert got is not None and got.job_id == "b" * 32 and got.updated_seq == 3
    assert (await repos.tasks.changes_since(0))[2] == 3  # a lost swap is not a change
    assert await repos.tasks.swap_job("f" * 40, None, "d" * 32) is False  # deleted/unknown hash


def test_stored_options_from_another_version_never_break_loading() -> None:
    from anibridge.adapters.sql.mapping import options_from_json, options_to_json

    assert options_to_json(TaskOptions()) is None  # defaults are not stored
    assert options_from_json(None) == TaskOptions()
    odd = {"dl_limit": "fast", "seq_dl": True, "trackers": ["http://t/"], "from_the_future": 1}
    assert options_from_json(odd) == TaskOptions(seq_dl=True, trackers=("http://t/",))
    options = TaskOptions(up_limit=5, webseeds=("http://w/",))
    assert options_from_json(options_to_json(options)) == options
