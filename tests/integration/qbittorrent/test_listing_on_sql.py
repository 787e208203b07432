"""The cached qBittorrent listing on the real SQL repositories (SQLite, and PostgreSQL when configured): the same
randomised operations as the unit test, warm cache == cold rebuild, applied maindata diffs == full update."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import apply_migrations
from anibridge.adapters.sql.repos import SqlClientTaskRepo, SqlJobRepo
from anibridge.domain.torrent_listing import TorrentListing
from anibridge.domain.torrent_sync import MainDataSync
from tests.integration.sql.conftest import database_url, needs_pg
from tests.unit.qbittorrent.test_listing_cache import _apply, _op
from tests.unit.qbittorrent.world import FakeClock, build_world

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        db = Database(url)
        apply_migrations(db.engine)
        try:
            yield db
        finally:
            db.dispose()


async def test_cached_listing_on_sql(database: Database, tmp_path: Path) -> None:
    def repos(clock: FakeClock) -> tuple[SqlClientTaskRepo, SqlJobRepo]:
        return SqlClientTaskRepo(database), SqlJobRepo(database, clock)

    world = build_world(tmp_path, repos=repos)
    rng = random.Random(7)
    sync = MainDataSync()
    client: dict[str, Any] = {}
    rid = 0
    for step in range(60):
        await _op(world, rng, step)
        warm = await world.listing.torrents()
        cold = await TorrentListing(world.tasks, world.jobs, world.clock, world.listing.config).torrents()
        assert warm == cold, f"step {step}"
        version, entries = await world.listing.versioned()
        cats = {c.name: {"name": c.name, "savePath": c.save_path} for c in await world.service.labels.categories()}
        answer = json.loads(sync.answer(rid, version, entries, cats, await world.service.labels.tags_with(world.listing.totals[2]), {}))
        rid = answer["rid"]
        _apply(client, answer)
        assert client["torrents"] == {e.hash: json.loads(e.sync_json) for e in entries}, f"step {step}"
