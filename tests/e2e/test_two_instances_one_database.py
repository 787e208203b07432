"""Acceptance (QA repro): two `anibridge serve` processes on one DATABASE_URL (SQLite file, PostgreSQL) get the
same magnet added at the same moment, many times: exactly one task and exactly one job per magnet (it was two
jobs, `X.mp4` plus `X.2.mp4`, one of them orphaned)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.releases.magnets import (
    build_magnet,
    parse_magnet,
)
from anibridge_fakes.world import FakeWorld
from tests.e2e.conftest import ServerHandle, start_server
from tests.integration.sql.conftest import database_url, needs_pg

pytestmark = pytest.mark.slow

ROUNDS = 12  # season 1 of the fake Kaguya-sama has 12 episodes


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


def _magnet(n: int) -> str:
    ref = EpisodeRef(Site.ANIWORLD, "kaguya-sama-love-is-war", 1, n, Language.GERMAN_DUB)
    return build_magnet(ref, f"Kaguya-sama.S01E{n:02d}.1080p.WEB.H264.GER-ANIWORLD", provider="VOE")


def test_two_servers_adding_one_magnet_at_once_make_one_task_and_one_job(
    fake_world: FakeWorld, shared_url: str, tmp_path: Path
) -> None:
    env = fake_world.env() | {"DATABASE_URL": shared_url, "DOWNLOAD_DIR": str(tmp_path / "downloads"),
                              # Real episodes, slow downloads: no job finishes or fails during the adds (a re-add
                              # after a failure legitimately starts a second job).
                              "MAX_CONCURRENCY": "1", "DOWNLOAD_RATE_LIMIT_BYTES_PER_SEC": "8192"}
    servers: list[ServerHandle] = []
    try:
        for name in ("a", "b"):
            servers.append(start_server(env, tmp_path / name / "data"))
        barrier = threading.Barrier(2)

        def add(base_url: str, uri: str) -> int:
            with httpx.Client(base_url=base_url, timeout=30) as client:
                barrier.wait(timeout=30)
                return client.post("/api/v2/torrents/add", data={"urls": uri}).status_code

        with ThreadPoolExecutor(2) as pool:
            for n in range(1, ROUNDS + 1):
                uri = _magnet(n)
                codes = list(pool.map(add, [s.base_url for s in servers], [uri, uri]))
                assert codes == [200, 200], [s.logs() for s in servers]
        engine = create_engine(shared_url)
        try:
            with engine.connect() as conn:
                hashes = conn.execute(text("SELECT hash, job_id FROM client_tasks")).all()
                jobs = conn.execute(text("SELECT id FROM jobs")).scalars().all()
        finally:
            engine.dispose()
        assert sorted(h for h, _ in hashes) == sorted(parse_magnet(_magnet(n)).infohash for n in range(1, ROUNDS + 1))
        assert len(jobs) == ROUNDS, "one magnet added to both instances at once was downloaded twice"
        assert sorted(j for _, j in hashes) == sorted(jobs)
    finally:
        for server in servers:
            server.stop()
