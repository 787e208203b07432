"""The durable job queue on SQLite or PostgreSQL.

Every state change is one conditional UPDATE, so two workers (threads, processes or instances sharing one
PostgreSQL) can race without handing out a job twice: `claim_next` picks the oldest queued row with
`FOR UPDATE SKIP LOCKED` (PostgreSQL) inside the UPDATE and re-checks `state = 'queued'`; on SQLite the whole
transaction holds the write lock (BEGIN IMMEDIATE), which serialises claimers across processes too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.mapping import job_from_row, job_values
from anibridge.adapters.sql.models import JobRow
from anibridge.domain.jobs.lifecycle import CANCELLED_MESSAGE
from anibridge.domain.jobs.records import (
    Job,
    JobState,
    ProgressUpdate,
)
from anibridge.ports.system import Clock

_QUEUED = JobState.QUEUED.value
_RUNNING = JobState.DOWNLOADING.value
_CLAIM_ATTEMPTS = 5


class SqlJobRepo:
    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self._db = database
        self._clock: Clock = clock or SystemClock()

    async def add(self, job: Job) -> None:
        now = self._clock.now()
        values = job_values(job)
        values["created_at"] = job.created_at or now
        values["updated_at"] = job.updated_at or values["created_at"]

        def _add(session: Session) -> None:
            session.execute(insert(JobRow).values(**values))

        try:
            await self._db.run(_add)
        except IntegrityError:
            raise ValueError(f"job {job.id} already exists") from None

    async def get(self, job_id: str) -> Job | None:
        def _get(session: Session) -> Job | None:
            row = session.get(JobRow, job_id)
            return job_from_row(row) if row else None

        return await self._db.run(_get)

    async def get_many(self, job_ids: Sequence[str]) -> dict[str, Job]:
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return {}

        def _get_many(session: Session) -> dict[str, Job]:
            rows = session.scalars(select(JobRow).where(JobRow.id.in_(ids))).all()
            return {row.id: job_from_row(row) for row in rows}

        return await self._db.run(_get_many)

    async def claim_next(self, worker: str, lease_until: datetime) -> Job | None:
        now = self._clock.now()

        def _claim(session: Session) -> Job | None:
            for _ in range(_CLAIM_ATTEMPTS):
                oldest = (
                    select(JobRow.id)
                    .where(JobRow.state == _QUEUED)
                    .order_by(JobRow.created_at, JobRow.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                    .scalar_subquery()
                )
                stmt = (
                    sql_update(JobRow)
                    .where(JobRow.id == oldest, JobRow.state == _QUEUED)
                    .values(
                        state=_RUNNING,
                        worker=worker,
                        lease_until=lease_until,
                        attempts=JobRow.attempts + 1,
                        message=None,
                        updated_at=now,
                    )
                    .returning(JobRow)
                    .execution_options(synchronize_session=False)
                )
                row = session.scalars(stmt).one_or_none()
                if row is not None:
                    return job_from_row(row)
                # PostgreSQL: the row we picked may have been claimed between the pick and the re-check (or every
                # queued row is locked by other claimers). Only give up when no queued job is left at all.
                if not session.scalar(select(exists().where(JobRow.state == _QUEUED))):
                    return None
            return None

        return await self._db.run(_claim)

    async def transition(
        self,
        job_id: str,
        expected: frozenset[JobState],
        new_state: JobState,
        *,
        message: str | None = None,
        result_path: str | None = None,
        provider_used: str | None = None,
    ) -> Job | None:
        values: dict[str, Any] = {"state": new_state.value, "updated_at": self._clock.now()}
        if message is not None:
            values["message"] = message
        if result_path is not None:
            values["result_path"] = result_path
        if provider_used is not None:
            values["provider_used"] = provider_used
        if new_state is JobState.COMPLETED:
            values["progress"] = 100.0
        if new_state is JobState.QUEUED:
            values["worker"] = None
        if new_state is not JobState.DOWNLOADING:
            values["lease_until"] = None
        states = [s.value for s in expected]

        def _transition(session: Session) -> Job | None:
            stmt = (
                sql_update(JobRow)
                .where(JobRow.id == job_id, JobRow.state.in_(states))
                .values(**values)
                .returning(JobRow)
                .execution_options(synchronize_session=False)
            )
            row = session.scalars(stmt).one_or_none()
            return job_from_row(row) if row else None

        if not states:
            return None
        return await self._db.run(_transition)

    async def record_progress(
        self, job_id: str, update: ProgressUpdate, lease_until: datetime, worker: str | None = None
    ) -> bool:
        now = self._clock.now()

        def _record(session: Session) -> bool:
            stmt = sql_update(JobRow).where(
                JobRow.id == job_id, JobRow.state == _RUNNING, JobRow.cancel_requested.is_(False)
            )
            if worker is not None:
                stmt = stmt.where(JobRow.worker == worker)
            stmt = stmt.values(
                downloaded_bytes=update.downloaded_bytes,
                total_bytes=update.total_bytes,
                speed=update.speed,
                eta=update.eta,
                progress=update.progress,
                lease_until=lease_until,
                updated_at=now,
            )
            return session.execute(stmt.returning(JobRow.id)).first() is not None

        return await self._db.run(_record)

    async def request_cancel(self, job_id: str) -> Job | None:
        now = self._clock.now()

        def _cancel(session: Session) -> Job | None:
            session.execute(
                sql_update(JobRow)
                .where(JobRow.id == job_id, JobRow.state == _QUEUED)
                .values(state=JobState.CANCELLED.value, message=CANCELLED_MESSAGE, updated_at=now)
            )
            session.execute(
                sql_update(JobRow)
                .where(JobRow.id == job_id, JobRow.state == _RUNNING, JobRow.cancel_requested.is_(False))
                .values(cancel_requested=True, updated_at=now)
            )
            row = session.get(JobRow, job_id)
            return job_from_row(row) if row else None

        return await self._db.run(_cancel)

    async def requeue_expired(self, now: datetime) -> int:
        return await self._requeue(JobRow.lease_until.is_not(None) & (JobRow.lease_until < now))

    async def requeue_worker(self, worker_prefix: str) -> int:
        escaped = worker_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return await self._requeue(JobRow.worker.like(f"{escaped}%", escape="\\"))

    async def _requeue(self, condition: Any) -> int:
        """Running jobs matching `condition` go back to the queue; ones with a pending cancel end cancelled."""
        now = self._clock.now()

        def _run(session: Session) -> int:
            base = sql_update(JobRow).where(JobRow.state == _RUNNING, condition)
            cancelled = session.execute(
                base.where(JobRow.cancel_requested.is_(True))
                .values(state=JobState.CANCELLED.value, message=CANCELLED_MESSAGE, worker=None, lease_until=None,
                        updated_at=now)
                .returning(JobRow.id)
            ).all()
            requeued = session.execute(
                base.where(JobRow.cancel_requested.is_(False))
                .values(state=_QUEUED, worker=None, lease_until=None, updated_at=now)
                .returning(JobRow.id)
            ).all()
            return len(cancelled) + len(requeued)

        return await self._db.run(_run)

    async def list_recent(self, limit: int = 100) -> Sequence[Job]:
        def _list(session: Session) -> list[Job]:
            rows = session.scalars(
                select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id.desc()).limit(max(0, limit))
            ).all()
            return [job_from_row(row) for row in rows]

        return await self._db.run(_list)

    async def relocate(
        self,
        job_id: str,
        *,
        target_dir: str | None = None,
        release_title: str | None = None,
        result_path: str | None = None,
    ) -> Job | None:
        values: dict[str, Any] = {"updated_at": self._clock.now()}
        if target_dir is not None:
            values["target_dir"] = target_dir
        if release_title is not None:
            values["release_title"] = release_title
        if result_path is not None:
            values["result_path"] = result_path

        def _relocate(session: Session) -> Job | None:
            stmt = (
                sql_update(JobRow)
                .where(JobRow.id == job_id)
                .values(**values)
                .returning(JobRow)
                .execution_options(synchronize_session=False)
            )
            row = session.scalars(stmt).one_or_none()
            return job_from_row(row) if row else None

        return await self._db.run(_relocate)
