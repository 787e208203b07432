"""The SQL repositories in one import, and a mypy check that each satisfies its port."""

from __future__ import annotations

from anibridge.adapters.sql.cache_repos import SqlAvailabilityRepo, SqlStrmMappingRepo
from anibridge.adapters.sql.job_repo import SqlJobRepo
from anibridge.adapters.sql.regrab_repo import SqlRegrabRepo
from anibridge.adapters.sql.task_repo import SqlClientTaskRepo

__all__ = ["SqlAvailabilityRepo", "SqlClientTaskRepo", "SqlJobRepo", "SqlRegrabRepo", "SqlStrmMappingRepo"]


def _conformance(db: object) -> None:  # pragma: no cover - type-level only
    from anibridge.adapters.sql.database import Database
    from anibridge.ports.repos import AvailabilityRepo, ClientTaskRepo, JobRepo, RegrabRepo, StrmMappingRepo

    assert isinstance(db, Database)
    _jobs: JobRepo = SqlJobRepo(db)
    _tasks: ClientTaskRepo = SqlClientTaskRepo(db)
    _avail: AvailabilityRepo = SqlAvailabilityRepo(db)
    _strm: StrmMappingRepo = SqlStrmMappingRepo(db)
    _regrab: RegrabRepo = SqlRegrabRepo(db)
