"""Acceptance: two processes share one queue/one database on SQLite and PostgreSQL.

- 200 queued jobs claimed by two processes (4 claimers each): every job claimed exactly once, none left.
- Two processes migrating an empty database at the same moment: the migrations are applied exactly once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.mapping import job_values
from anibridge.adapters.sql.migrations import LATEST_VERSION, apply_migrations
from anibridge.adapters.sql.models import JobRow, SchemaVersionRow
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from tests.integration.sql.conftest import database_url, needs_pg

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
DATABASES = ["sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])]


@pytest.fixture(params=DATABASES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as u:
        yield u


def run_pair(mode: str, url: str, barrier: Path) -> list[object]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    barrier.mkdir()
    cmd = [sys.executable, "-m", "tests.integration.sql.worker_process", mode, url, str(barrier)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    deadline = time.monotonic() + 60
    while len(list(barrier.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    (barrier / "go").touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


def test_two_processes_claim_200_jobs_exactly_once(url: str, tmp_path: Path) -> None:
    db = Database(url)
    apply_migrations(db.engine)
    base = datetime.now(UTC)
    ref = EpisodeRef(Site.ANIWORLD, "queue", 1, 1, Language.GERMAN_DUB)
    rows = []
    for n in range(200):
        created = base + timedelta(microseconds=n)
        rows.append(job_values(Job(id=f"{n:032x}", ref=ref, mode=JobMode.DOWNLOAD, release_title=f"T{n}",
                                   created_at=created, updated_at=created)))
    db.run_sync(lambda s: s.execute(insert(JobRow), rows))

    first, second = run_pair("claim", url, tmp_path / "barrier")
    assert isinstance(first, list) and isinstance(second, list)
    assert len(first) + len(second) == 200
    assert set(first).isdisjoint(second)
    assert set(first) | set(second) == {f"{n:032x}" for n in range(200)}
    assert first and second, "one process claimed everything: the test did not exercise concurrency"
    states = db.run_sync(lambda s: dict(s.execute(select(JobRow.state, func.count()).group_by(JobRow.state)).all()))
    assert states == {JobState.COMPLETED.value: 200}
    db.dispose()


def test_two_processes_migrate_once(url: str, tmp_path: Path) -> None:
    first, second = run_pair("migrate", url, tmp_path / "barrier")
    assert sorted([first, second], key=len) == [[], list(range(1, LATEST_VERSION + 1))]
    db = Database(url)
    versions = db.run_sync(lambda s: s.scalars(select(SchemaVersionRow.version)).all())
    assert list(versions) == list(range(1, LATEST_VERSION + 1))
    assert apply_migrations(db.engine) == []
    db.dispose()
