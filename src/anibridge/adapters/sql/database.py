"""Engine set-up and the executor SQL work runs on, so the event loop never blocks on the database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from anibridge.adapters.sql.migrations import apply_migrations

T = TypeVar("T")


class Database:
    """Owns the engine, the session factory and a small dedicated thread pool for blocking SQL calls."""

    def __init__(self, url: str, *, pool_threads: int = 4) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._executor = ThreadPoolExecutor(max_workers=pool_threads, thread_name_prefix="sql")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in one transaction on the SQL executor (BEGIN IMMEDIATE on SQLite)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.run_sync, fn)

    def run_sync(self, fn: Callable[[Session], T]) -> T:
        with self.sessions.begin() as session:
            return fn(session)

    async def ping(self) -> None:
        def _ping(session: Session) -> None:
            session.execute(text("SELECT 1"))

        await self.run(_ping)

    async def startup(self) -> None:
        """Apply pending migrations (exactly once, even when several processes start together)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, apply_migrations, self.engine)

    async def shutdown(self) -> None:
        self.dispose()

    def dispose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # NOTE: pysqlite's own transaction handling loses updates under concurrency (no BEGIN on SELECT); we issue
        # BEGIN IMMEDIATE ourselves so every write transaction takes the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        _enable_wal(cur)
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _enable_wal(cur: Any, *, deadline_s: float = 30.0) -> None:
    """Switch a fresh database file to WAL, tolerating a second process doing the same at the same moment.

    Changing the journal mode needs an exclusive lock, and SQLite answers SQLITE_BUSY at once (without calling the
    busy handler) when another connection is switching or reading in that instant, so two services started together
    on a new file could crash one of them. WAL is persistent: once any connection has switched, the mode reads
    back as "wal" and nothing else is needed.
    """
    end = time.monotonic() + deadline_s
    delay = 0.005
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= end:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
