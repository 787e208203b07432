"""One repository suite, three backends: in-memory, SQLite file, PostgreSQL (ANIBRIDGE_TEST_PG_URL).

Each PostgreSQL test runs in its own schema (search_path set through the connection options), so tests never
see each other's rows and can run against a shared database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anibridge.adapters.memory import (
    InMemoryAvailabilityRepo,
    InMemoryClientTaskRepo,
    InMemoryJobRepo,
    InMemoryRegrabRepo,
    InMemoryStrmMappingRepo,
)
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import apply_migrations
from anibridge.adapters.sql.repos import (
    SqlAvailabilityRepo,
    SqlClientTaskRepo,
    SqlJobRepo,
    SqlRegrabRepo,
    SqlStrmMappingRepo,
)
from tests.fakes import FakeClock

PG_URL = os.environ.get("ANIBRIDGE_TEST_PG_URL", "")
needs_pg = pytest.mark.skipif(not PG_URL, reason="ANIBRIDGE_TEST_PG_URL is not set")


@dataclass
class Repos:
    backend: str
    clock: FakeClock
    jobs: Any
    tasks: Any
    availability: Any
    strm: Any
    regrabs: Any


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test; the yielded URL makes it the search_path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'anibridge.db'}"
    else:
        with pg_schema_url() as url:
            yield url


BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])]


@pytest.fixture(params=BACKENDS)
def repos(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repos]:
    clock = FakeClock(mono=0.0)
    kind: str = request.param
    if kind == "memory":
        yield Repos(kind, clock, InMemoryJobRepo(clock), InMemoryClientTaskRepo(), InMemoryAvailabilityRepo(),
                    InMemoryStrmMappingRepo(), InMemoryRegrabRepo())
        return
    with database_url(kind, tmp_path) as url:
        db = Database(url)
        apply_migrations(db.engine)
        try:
            yield Repos(kind, clock, SqlJobRepo(db, clock), SqlClientTaskRepo(db), SqlAvailabilityRepo(db),
                        SqlStrmMappingRepo(db, clock), SqlRegrabRepo(db))
        finally:
            db.dispose()
