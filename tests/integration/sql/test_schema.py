"""The migration chain and the ORM models describe the same schema; migrations are idempotent and guarded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, inspect

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import LATEST_VERSION, SchemaTooNew, apply_migrations, current_version
from anibridge.adapters.sql.models import Base, SchemaVersionRow
from tests.integration.sql.conftest import database_url, needs_pg

DATABASES = ["sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])]


@pytest.fixture(params=DATABASES)
def two_dbs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with database_url(request.param, tmp_path / "a") as a, database_url(request.param, tmp_path / "b") as b:
        dbs = Database(a), Database(b)
        yield dbs
        for db in dbs:
            db.dispose()


def snapshot(engine: Engine) -> dict[str, Any]:
    insp = inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        out[table] = {
            "columns": {c["name"]: (str(c["type"]), c["nullable"]) for c in insp.get_columns(table)},
            "pk": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)),
        }
    return out


def test_fresh_migration_equals_the_models(two_dbs: tuple[Database, Database]) -> None:
    migrated, modelled = two_dbs
    assert current_version(migrated.engine) == 0
    assert apply_migrations(migrated.engine) == list(range(1, LATEST_VERSION + 1))
    assert current_version(migrated.engine) == LATEST_VERSION
    Base.metadata.create_all(modelled.engine)
    got, want = snapshot(migrated.engine), snapshot(modelled.engine)
    assert set(got) == {"jobs", "client_tasks", "removed_tasks", "counters", "categories", "tags",
                        "regrab_generations", "episode_availability", "strm_url_mappings", "schema_version"}
    assert got == want


def test_second_run_applies_nothing_and_newer_schema_is_refused(two_dbs: tuple[Database, Database]) -> None:
    db = two_dbs[0]
    apply_migrations(db.engine)
    assert apply_migrations(db.engine) == []
    from datetime import UTC, datetime

    db.run_sync(lambda s: s.execute(insert(SchemaVersionRow).values(version=LATEST_VERSION + 1,
                                                                       applied_at=datetime.now(UTC))))
    with pytest.raises(SchemaTooNew, match=f"version {LATEST_VERSION + 1}"):
        apply_migrations(db.engine)


def test_failing_step_rolls_back_the_whole_run(two_dbs: tuple[Database, Database],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from anibridge.adapters.sql import migrations

    def broken(conn: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (LATEST_VERSION + 1, "broken", broken)])
    monkeypatch.setattr(migrations, "LATEST_VERSION", LATEST_VERSION + 1)
    db = two_dbs[0]
    with pytest.raises(RuntimeError, match="boom"):
        apply_migrations(db.engine)
    assert inspect(db.engine).get_table_names() == []


def test_a_version_1_database_upgrades_in_place(two_dbs: tuple[Database, Database]) -> None:
    """An existing install (schema 1, categories in use) gains the later tables and keeps its rows."""
    from sqlalchemy import text

    db = two_dbs[0]
    apply_migrations(db.engine)
    with db.engine.begin() as conn:  # back to what anibridge with schema 1 left behind
        for table in ("tags", "regrab_generations"):  # what migrations after 1 add
            conn.execute(text(f"DROP TABLE {table}"))
        for table, column in (("jobs", "target_dir"), ("client_tasks", "magnet_uri"), ("client_tasks", "options"),
                              ("client_tasks", "published_at")):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 1"))
        conn.execute(text("INSERT INTO categories (name, save_path) VALUES ('tv-sonarr', '/d/tv')"))
    assert current_version(db.engine) == 1
    assert apply_migrations(db.engine) == list(range(2, LATEST_VERSION + 1))
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT name, save_path FROM categories")).all() == [("tv-sonarr", "/d/tv")]
        conn.execute(text("INSERT INTO tags (name) VALUES ('kept')"))
    modelled = two_dbs[1]
    Base.metadata.create_all(modelled.engine)
    assert snapshot(db.engine) == snapshot(modelled.engine)
