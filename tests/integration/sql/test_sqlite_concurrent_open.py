"""Several connections opening a brand-new SQLite file at the same instant must all succeed.

Switching to WAL takes an exclusive lock and SQLite answers "database is locked" without waiting when two
connections switch together; CI once lost a run to exactly that (two services migrating one new file).
Threads reproduce the race reliably: with a plain `PRAGMA journal_mode=WAL` about one round in ten fails.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from anibridge.adapters.sql.database import Database


def test_many_engines_open_a_new_file_together(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    for round_no in range(40):
        url = f"sqlite:///{tmp_path / f'r{round_no}.db'}"
        dbs = [Database(url, pool_threads=1) for _ in range(6)]
        barrier = threading.Barrier(len(dbs))

        def connect(db: Database) -> None:
            barrier.wait()
            try:
                with db.engine.connect() as conn:
                    assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=connect, args=(db,)) for db in dbs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for db in dbs:
            db.dispose()
    assert not errors, errors[:3]
