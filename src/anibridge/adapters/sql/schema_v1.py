"""Frozen table definitions of schema version 1. Never edit: later versions are new migration steps.

The ORM models in `models.py` describe the newest schema; a test checks that migrating an empty database
yields exactly what the models describe, so the two cannot drift apart silently.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text

from anibridge.adapters.sql.models import JsonText, UtcDateTime


def _ref_columns(primary_key: bool) -> list[Column[object]]:
    return [
        Column("site", String(32), primary_key=primary_key, nullable=False),
        Column("slug", String(255), primary_key=primary_key, nullable=False),
        Column("season", Integer, primary_key=primary_key, nullable=False),
        Column("episode", Integer, primary_key=primary_key, nullable=False),
        Column("language", String(32), primary_key=primary_key, nullable=False),
    ]


def tables_v1(md: MetaData) -> list[Table]:
    jobs = Table(
        "jobs", md,
        Column("id", String(32), primary_key=True),
        Column("state", String(16), nullable=False),
        Column("mode", String(16), nullable=False),
        Column("site", String(32), nullable=False, index=True),
        Column("slug", String(255), nullable=False),
        Column("season", Integer, nullable=False),
        Column("episode", Integer, nullable=False),
        Column("language", String(32), nullable=False),
        Column("release_title", Text, nullable=False),
        Column("provider", String(32)),
        Column("provider_used", String(32)),
        Column("progress", Float, nullable=False),
        Column("downloaded_bytes", BigInteger, nullable=False),
        Column("total_bytes", BigInteger),
        Column("speed", Float),
        Column("eta", Integer),
        Column("message", Text),
        Column("result_path", Text),
        Column("worker", String(128)),
        Column("lease_until", UtcDateTime),
        Column("cancel_requested", Boolean, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("created_at", UtcDateTime, nullable=False, index=True),
        Column("updated_at", UtcDateTime, nullable=False, index=True),
        Index("ix_jobs_state_created_at", "state", "created_at"),
    )
    client_tasks = Table(
        "client_tasks", md,
        Column("hash", String(40), primary_key=True),
        Column("name", Text, nullable=False),
        *_ref_columns(primary_key=False),
        Column("mode", String(16), nullable=False),
        Column("provider", String(32)),
        Column("job_id", String(32), index=True),
        Column("category", String(255), nullable=False, index=True),
        Column("tags", JsonText, nullable=False),
        Column("save_path", Text, nullable=False),
        Column("content_path", Text),
        Column("added_on", UtcDateTime, nullable=False, index=True),
        Column("completion_on", UtcDateTime),
        Column("stopped", Boolean, nullable=False),
        Column("ratio_limit", Float, nullable=False),
        Column("seeding_time_limit", Integer, nullable=False),
        Column("priority", Integer, nullable=False),
        Column("force_start", Boolean, nullable=False),
        Column("updated_seq", BigInteger, nullable=False, index=True),
    )
    removed_tasks = Table(
        "removed_tasks", md,
        Column("hash", String(40), primary_key=True),
        Column("seq", BigInteger, nullable=False, index=True),
    )
    counters = Table(
        "counters", md,
        Column("name", String(64), primary_key=True),
        Column("value", BigInteger, nullable=False),
    )
    categories = Table(
        "categories", md,
        Column("name", String(255), primary_key=True),
        Column("save_path", Text, nullable=False),
    )
    availability = Table(
        "episode_availability", md,
        *_ref_columns(primary_key=True),
        Column("available", Boolean, nullable=False),
        Column("height", Integer),
        Column("vcodec", String(64)),
        Column("provider", String(32)),
        Column("checked_at", UtcDateTime, nullable=False, index=True),
        Column("extra", JsonText, nullable=False),
    )
    strm = Table(
        "strm_url_mappings", md,
        *_ref_columns(primary_key=True),
        Column("provider_hint", String(32), primary_key=True),
        Column("resolved_url", Text, nullable=False),
        Column("provider_used", String(32)),
        Column("headers", JsonText, nullable=False),
        Column("resolved_at", UtcDateTime, nullable=False, index=True),
        Column("updated_at", UtcDateTime, nullable=False),
    )
    return [jobs, client_tasks, removed_tasks, counters, categories, availability, strm]


def schema_version_table(md: MetaData) -> Table:
    """Created before any migration runs (it records them), so it is not part of a numbered step."""
    return Table(
        "schema_version", md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("applied_at", UtcDateTime, nullable=False),
    )
