"""Publication time end to end on SQLite and PostgreSQL: a database an older anibridge left at schema 4 (tasks
without `published_at`) is upgraded in place, its old task keeps answering, and a new grab's publication time
travels from the magnet through the database to PyPI `qbittorrent-api` as `creation_date`, while `added_on`
in torrents/info and sync/maindata stays the grab time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import qbittorrentapi
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from anibridge.adapters.sql import migrations
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.mapping import task_values
from anibridge.adapters.sql.models import ClientTaskRow, CounterRow
from anibridge.adapters.sql.repos import SqlClientTaskRepo, SqlJobRepo
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.releases.magnets import parse_magnet
from tests.integration.qbittorrent.serving import served_api
from tests.integration.sql.conftest import database_url, needs_pg
from tests.unit.qbittorrent.world import FakeClock, World, build_world, magnet, ref

AIRED = datetime(2019, 4, 6, 15, 0, tzinfo=UTC)
OLD_GRAB = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)


def _schema_4(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema as anibridge left it before `published_at`: the real steps 1-4, nothing after."""
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m[0] <= 4])
        patch.setattr(migrations, "LATEST_VERSION", 4)
        assert migrations.apply_migrations(db.engine) == [1, 2, 3, 4]


def _old_task() -> ClientTask:
    payload = parse_magnet(magnet(3))
    return ClientTask(hash=payload.infohash, name=payload.title, ref=ref(3), added_on=OLD_GRAB, category="tv-sonarr",
                      magnet_uri=magnet(3), updated_seq=1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])])
def upgraded(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Database, ClientTask]]:
    with database_url(request.param, tmp_path) as url:
        db = Database(url)
        try:
            _schema_4(db, monkeypatch)
            old = _old_task()
            values = {k: v for k, v in task_values(old).items() if k != "published_at"}

            def _insert_as_version_4_did(session: Session) -> None:  # the row and its change number
                session.execute(insert(ClientTaskRow.__table__).values(**values))
                session.execute(update(CounterRow).where(CounterRow.name == "client_tasks").values(value=1))

            db.run_sync(_insert_as_version_4_did)
            assert migrations.apply_migrations(db.engine) == [5]
            yield db, old
        finally:
            db.dispose()


@pytest.fixture
def served(upgraded: tuple[Database, ClientTask], tmp_path: Path) -> Iterator[tuple[World, str, ClientTask]]:
    db, old = upgraded

    def repos(clock: FakeClock) -> tuple[SqlClientTaskRepo, SqlJobRepo]:
        return SqlClientTaskRepo(db), SqlJobRepo(db, clock)

    world = build_world(tmp_path, repos=repos)
    with served_api(world) as url:
        yield world, url, old


def test_upgraded_database_serves_old_and_new_tasks(served: tuple[World, str, ClientTask]) -> None:
    world, url, old = served
    qbt = qbittorrentapi.Client(host=url, REQUESTS_ARGS={"timeout": 10})

    # The task from before the upgrade has no publication time: every date is its grab time, as before.
    props = qbt.torrents_properties(old.hash)
    assert props.creation_date == props.addition_date == int(OLD_GRAB.timestamp())

    grabbed = world.clock.now()
    uri = magnet(1, published_at=AIRED)
    assert qbt.torrents_add(urls=uri, category="tv-sonarr") == "Ok."
    new = parse_magnet(uri).infohash
    world.clock.advance(30)

    props = qbt.torrents_properties(new)
    assert props.creation_date == int(AIRED.timestamp())
    assert props.addition_date == int(grabbed.timestamp())
    added = {t.hash: t.added_on for t in qbt.torrents_info(category="tv-sonarr")}
    assert added == {old.hash: int(OLD_GRAB.timestamp()), new: int(grabbed.timestamp())}
    maindata = qbt.sync_maindata(rid=0)
    assert {h: t["added_on"] for h, t in maindata["torrents"].items()} == added
    assert all("creation_date" not in t for t in maindata["torrents"].values())  # not a torrent-list key


def test_the_publication_time_is_stored_with_the_task(upgraded: tuple[Database, ClientTask]) -> None:
    """What a second instance (or a restart) reads back from the same database."""
    db, old = upgraded
    tasks = SqlClientTaskRepo(db)
    new = ClientTask(hash="ab" * 20, name="n", ref=ref(1), added_on=OLD_GRAB + timedelta(days=1), published_at=AIRED)
    asyncio.run(tasks.upsert(new))
    assert asyncio.run(tasks.get(new.hash)) == new
    before = asyncio.run(tasks.get(old.hash))
    assert before is not None and before.published_at is None and before.added_on == OLD_GRAB
