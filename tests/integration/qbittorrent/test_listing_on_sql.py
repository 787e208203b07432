"""The cached qBittorrent listing on the real SQL repositories (SQLite, and PostgreSQL when configured): the same
randomised operations as the unit test, warm cache == cold rebuild, applied maindata diffs == full update."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import apply_migrations
from anibridge.adapters.sql.repos import SqlClientTaskRepo, SqlJobRepo
from tests.integration.sql.conftest import database_url, needs_pg
from tests.unit.qbittorrent.test_listing_cache import random_ops_match_a_cold_rebuild
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

    await random_ops_match_a_cold_rebuild(build_world(tmp_path, repos=repos), random.Random(7), 60)
