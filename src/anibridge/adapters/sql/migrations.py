"""Versioned, append-only schema migrations without Alembic.

All pending steps run in ONE transaction together with the `schema_version` bookkeeping, so a failing step
leaves nothing behind, and concurrent starters are serialised: SQLite by `BEGIN IMMEDIATE` (the engine's begin
hook takes the write lock up front), PostgreSQL by a transaction-scoped advisory lock. The second process then
sees the versions the first one recorded and applies nothing.

Rules: never edit or reorder a released step; add a new one with the next number. Use per-dialect SQL where
SQLite's ALTER TABLE limits require it (table rebuild).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, MetaData, String, Table, func, insert, select

from anibridge.adapters.sql.schema_v1 import schema_version_table, tables_v1

log = logging.getLogger(__name__)

# Any constant works as long as every anibridge process uses the same one ("anibridg" in ASCII).
_PG_LOCK_KEY = 0x616E696272696467

Step = Callable[[Connection], None]


def _v1_initial_schema(conn: Connection) -> None:
    md = MetaData()
    tables = tables_v1(md)
    md.create_all(conn, tables=tables)
    counters = next(t for t in tables if t.name == "counters")
    conn.execute(insert(counters).values(name="client_tasks", value=0))


def _v2_tags(conn: Connection) -> None:
    Table("tags", MetaData(), Column("name", String(255), primary_key=True)).create(conn)


def _v3_regrab_generations(conn: Connection) -> None:
    Table(
        "regrab_generations", MetaData(),
        Column("base_hash", String(40), primary_key=True),
        Column("generation", Integer, nullable=False),
    ).create(conn)


def _v4_save_paths_and_torrent_options(conn: Connection) -> None:
    """Nullable columns, so plain ADD COLUMN works on SQLite and PostgreSQL alike. `save_path` becomes a
    directory relative to the download root; every earlier task was saved in the root itself."""
    conn.exec_driver_sql("ALTER TABLE jobs ADD COLUMN target_dir TEXT")
    conn.exec_driver_sql("ALTER TABLE client_tasks ADD COLUMN magnet_uri TEXT")
    conn.exec_driver_sql("ALTER TABLE client_tasks ADD COLUMN options TEXT")
    conn.exec_driver_sql("UPDATE client_tasks SET save_path = ''")


def _v5_task_published_at(conn: Connection) -> None:
    """Nullable, no backfill: tasks grabbed before have no publication time and report their grab time."""
    column_type = DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE client_tasks ADD COLUMN published_at {column_type}")


MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, "initial schema: jobs, client_tasks, removed_tasks, counters, categories, availability, strm mappings",
     _v1_initial_schema),
    (2, "tags: qBittorrent's global tag list survives restarts and is shared by instances", _v2_tags),
    (3, "regrab_generations: a new info hash for a release after its completed download was deleted",
     _v3_regrab_generations),
    (4, "save paths and per-torrent options: jobs.target_dir, client_tasks.magnet_uri and options",
     _v4_save_paths_and_torrent_options),
    (5, "client_tasks.published_at: the release's publication time from the magnet", _v5_task_published_at),
]

LATEST_VERSION = MIGRATIONS[-1][0]


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer anibridge; refusing to run against an unknown schema."""


def apply_migrations(engine: Engine) -> list[int]:
    """Bring the schema to LATEST_VERSION; returns the versions applied by this call (empty if up to date)."""
    versions = schema_version_table(MetaData())
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        versions.create(conn, checkfirst=True)
        current = conn.execute(select(func.max(versions.c.version))).scalar() or 0
        if current > LATEST_VERSION:
            raise SchemaTooNew(
                f"database schema version {current} is newer than this anibridge supports ({LATEST_VERSION})"
            )
        applied: list[int] = []
        for version, description, step in MIGRATIONS:
            if version <= current:
                continue
            log.info("applying schema migration %d: %s", version, description)
            step(conn)
            conn.execute(insert(versions).values(version=version, applied_at=datetime.now(UTC)))
            applied.append(version)
    return applied


def current_version(engine: Engine) -> int:
    """The recorded schema version, 0 for an empty database."""
    versions = schema_version_table(MetaData())
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "schema_version"):
            return 0
        return int(conn.execute(select(func.max(versions.c.version))).scalar() or 0)
