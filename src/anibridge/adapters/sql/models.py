"""Typed ORM rows. They stay in the adapter: repositories map them to and from the domain records.

Enums are plain strings (no native PostgreSQL ENUM types, which cannot be migrated without pain); datetimes go
through `UtcDateTime` so they always come back timezone-aware UTC on both SQLite and PostgreSQL; JSON goes
through `JsonText` (JSON text, as in the reference).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out. SQLite gets naive UTC text (so string comparison orders correctly)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; anibridge stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JsonText(TypeDecorator[Any]):
    """JSON stored as text (portable, readable with sqlite3), decoded on load."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


# Shared column shapes, also used by the frozen migration tables so both stay identical.
SITE_LEN, SLUG_LEN, LANG_LEN, STATE_LEN, HASH_LEN, NAME_LEN, PROVIDER_LEN, WORKER_LEN = 32, 255, 32, 16, 40, 255, 32, 128


class Base(DeclarativeBase):
    pass


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_created_at", "state", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(STATE_LEN))
    mode: Mapped[str] = mapped_column(String(STATE_LEN))
    site: Mapped[str] = mapped_column(String(SITE_LEN), index=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LEN))
    season: Mapped[int] = mapped_column(Integer)
    episode: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(LANG_LEN))
    release_title: Mapped[str] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(PROVIDER_LEN))
    provider_used: Mapped[str | None] = mapped_column(String(PROVIDER_LEN))
    progress: Mapped[float] = mapped_column(Float)
    downloaded_bytes: Mapped[int] = mapped_column(BigInteger)
    total_bytes: Mapped[int | None] = mapped_column(BigInteger)
    speed: Mapped[float | None] = mapped_column(Float)
    eta: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    result_path: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(WORKER_LEN))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    target_dir: Mapped[str | None] = mapped_column(Text)


class ClientTaskRow(Base):
    __tablename__ = "client_tasks"

    hash: Mapped[str] = mapped_column(String(HASH_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(SITE_LEN))
    slug: Mapped[str] = mapped_column(String(SLUG_LEN))
    season: Mapped[int] = mapped_column(Integer)
    episode: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(LANG_LEN))
    mode: Mapped[str] = mapped_column(String(STATE_LEN))
    provider: Mapped[str | None] = mapped_column(String(PROVIDER_LEN))
    job_id: Mapped[str | None] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(NAME_LEN), index=True)
    tags: Mapped[list[str]] = mapped_column(JsonText)
    save_path: Mapped[str] = mapped_column(Text)
    content_path: Mapped[str | None] = mapped_column(Text)
    added_on: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    completion_on: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stopped: Mapped[bool] = mapped_column(Boolean)
    ratio_limit: Mapped[float] = mapped_column(Float)
    seeding_time_limit: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    force_start: Mapped[bool] = mapped_column(Boolean)
    updated_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    magnet_uri: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any] | None] = mapped_column(JsonText)


class RemovedTaskRow(Base):
    """Tombstone of a deleted client task, so sync/maindata can report `torrents_removed` after `rid`."""

    __tablename__ = "removed_tasks"

    hash: Mapped[str] = mapped_column(String(HASH_LEN), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class CounterRow(Base):
    """Named monotonically increasing counters (`client_tasks` change sequence); the row lock orders writers."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class CategoryRow(Base):
    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(NAME_LEN), primary_key=True)
    save_path: Mapped[str] = mapped_column(Text)


class RegrabRow(Base):
    __tablename__ = "regrab_generations"

    base_hash: Mapped[str] = mapped_column(String(HASH_LEN), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)


class TagRow(Base):
    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(NAME_LEN), primary_key=True)


class AvailabilityRow(Base):
    __tablename__ = "episode_availability"

    site: Mapped[str] = mapped_column(String(SITE_LEN), primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LEN), primary_key=True)
    season: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(LANG_LEN), primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean)
    height: Mapped[int | None] = mapped_column(Integer)
    vcodec: Mapped[str | None] = mapped_column(String(64))
    provider: Mapped[str | None] = mapped_column(String(PROVIDER_LEN))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    extra: Mapped[dict[str, str]] = mapped_column(JsonText)


class StrmMappingRow(Base):
    __tablename__ = "strm_url_mappings"

    site: Mapped[str] = mapped_column(String(SITE_LEN), primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LEN), primary_key=True)
    season: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(LANG_LEN), primary_key=True)
    provider_hint: Mapped[str] = mapped_column(String(PROVIDER_LEN), primary_key=True)
    resolved_url: Mapped[str] = mapped_column(Text)
    provider_used: Mapped[str | None] = mapped_column(String(PROVIDER_LEN))
    headers: Mapped[dict[str, str]] = mapped_column(JsonText)
    resolved_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SchemaVersionRow(Base):
    __tablename__ = "schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)
