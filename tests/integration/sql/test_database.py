"""SQLite engine set-up: WAL, busy timeout, and BEGIN IMMEDIATE so concurrent writers never lose updates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import LATEST_VERSION, apply_migrations
from anibridge.adapters.sql.models import CounterRow


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nested' / 'a.db'}")  # parent directory is created
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


@pytest.mark.slow
def test_read_modify_write_from_many_threads_loses_nothing(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.db'}", pool_threads=8)
    apply_migrations(db.engine)

    def increment(session: Session) -> None:
        value = session.scalars(select(CounterRow.value).where(CounterRow.name == "client_tasks")).one()
        session.execute(update(CounterRow).where(CounterRow.name == "client_tasks").values(value=value + 1))

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(db.run_sync, increment) for _ in range(8 * 40)]:
            future.result()
    assert db.run_sync(lambda s: s.execute(text("SELECT value FROM counters")).scalar()) == 320
    db.dispose()


@pytest.mark.anyio
async def test_ping_and_run_use_the_executor(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    await db.startup()
    await db.ping()
    assert await db.run(lambda s: s.execute(text("SELECT max(version) FROM schema_version")).scalar()) == LATEST_VERSION
    await db.shutdown()
