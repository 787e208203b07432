"""Row ⇄ record conversion and the portable upsert, shared by the SQL repositories."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from anibridge.adapters.sql.models import ClientTaskRow, JobRow
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
from anibridge.domain.qbittorrent.records import ClientTask, TaskOptions

_DEFAULT_OPTIONS = TaskOptions()


def ref_of(row: Any) -> EpisodeRef:
    return EpisodeRef(Site(row.site), row.slug, row.season, row.episode, Language(row.language))


def ref_values(ref: EpisodeRef) -> dict[str, Any]:
    return {
        "site": ref.site.value,
        "slug": ref.slug,
        "season": ref.season,
        "episode": ref.episode,
        "language": ref.language.value,
    }


def job_from_row(row: JobRow) -> Job:
    return Job(
        id=row.id,
        ref=ref_of(row),
        mode=JobMode(row.mode),
        release_title=row.release_title,
        state=JobState(row.state),
        provider=row.provider,
        progress=row.progress,
        downloaded_bytes=row.downloaded_bytes,
        total_bytes=row.total_bytes,
        speed=row.speed,
        eta=row.eta,
        message=row.message,
        result_path=row.result_path,
        provider_used=row.provider_used,
        worker=row.worker,
        lease_until=row.lease_until,
        cancel_requested=row.cancel_requested,
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
        target_dir=row.target_dir or "",
    )


def job_values(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        **ref_values(job.ref),
        "mode": job.mode.value,
        "release_title": job.release_title,
        "state": job.state.value,
        "provider": job.provider,
        "progress": job.progress,
        "downloaded_bytes": job.downloaded_bytes,
        "total_bytes": job.total_bytes,
        "speed": job.speed,
        "eta": job.eta,
        "message": job.message,
        "result_path": job.result_path,
        "provider_used": job.provider_used,
        "worker": job.worker,
        "lease_until": job.lease_until,
        "cancel_requested": job.cancel_requested,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "target_dir": job.target_dir,
    }


def task_from_row(row: ClientTaskRow) -> ClientTask:
    return ClientTask(
        hash=row.hash,
        name=row.name,
        ref=ref_of(row),
        added_on=row.added_on,
        mode=JobMode(row.mode),
        provider=row.provider,
        job_id=row.job_id,
        category=row.category,
        tags=tuple(row.tags or ()),
        save_path=row.save_path,
        content_path=row.content_path,
        completion_on=row.completion_on,
        published_at=row.published_at,
        stopped=row.stopped,
        ratio_limit=row.ratio_limit,
        seeding_time_limit=row.seeding_time_limit,
        priority=row.priority,
        force_start=row.force_start,
        updated_seq=row.updated_seq,
        magnet_uri=row.magnet_uri or "",
        options=options_from_json(row.options),
    )


def task_values(task: ClientTask) -> dict[str, Any]:
    return {
        "hash": task.hash,
        "name": task.name,
        **ref_values(task.ref),
        "mode": task.mode.value,
        "provider": task.provider,
        "job_id": task.job_id,
        "category": task.category,
        "tags": list(task.tags),
        "save_path": task.save_path,
        "content_path": task.content_path,
        "added_on": task.added_on,
        "completion_on": task.completion_on,
        "published_at": task.published_at,
        "stopped": task.stopped,
        "ratio_limit": task.ratio_limit,
        "seeding_time_limit": task.seeding_time_limit,
        "priority": task.priority,
        "force_start": task.force_start,
        "updated_seq": task.updated_seq,
        "magnet_uri": task.magnet_uri,
        "options": options_to_json(task.options),
    }


def options_to_json(options: TaskOptions) -> dict[str, Any] | None:
    """Only the settings that differ from the defaults (most tasks store NULL)."""
    changed = {f.name: getattr(options, f.name) for f in fields(TaskOptions)
               if getattr(options, f.name) != getattr(_DEFAULT_OPTIONS, f.name)}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in changed.items()} or None


def options_from_json(raw: Any) -> TaskOptions:
    """Unknown keys (from a newer anibridge) and values of the wrong type are ignored, never fatal."""
    if not isinstance(raw, dict):
        return _DEFAULT_OPTIONS
    values: dict[str, Any] = {}
    for f in fields(TaskOptions):
        if f.name not in raw:
            continue
        default = getattr(_DEFAULT_OPTIONS, f.name)
        value = raw[f.name]
        if isinstance(default, tuple) and isinstance(value, list):
            values[f.name] = tuple(str(v) for v in value)
        elif type(value) is type(default):
            values[f.name] = value
    return TaskOptions(**values)


def dialect_insert(session: Session, table: Any) -> Any:
    """The INSERT of the session's dialect (it has ON CONFLICT).

    Each dialect's module is imported when a database of its kind is first written: an SQLite installation does
    not hold the PostgreSQL dialect (about 2 MB resident) it never uses.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def upsert(session: Session, table: Table, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT (primary key) DO UPDATE: race-free on PostgreSQL, one statement on SQLite."""
    keys = [c.name for c in table.primary_key.columns]
    stmt = dialect_insert(session, table).values(**values)
    updates = {k: stmt.excluded[k] for k in values if k not in keys}
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=updates) if updates else stmt.on_conflict_do_nothing()
    session.execute(stmt)
