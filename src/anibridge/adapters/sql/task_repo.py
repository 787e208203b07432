"""qBittorrent "torrents" and categories, with a change sequence for sync/maindata `rid` diffing.

Every upsert and delete takes the `client_tasks` counter row FIRST (row lock on PostgreSQL, the database write
lock on SQLite), so writers are serialised in counter order: a reader that saw counter value N has seen every
change numbered <= N, which is what makes `changes_since(rid)` lossless. Taking the counter before touching any
task row also keeps upsert/delete from deadlocking each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.mapping import dialect_insert, task_from_row, task_values, upsert
from anibridge.adapters.sql.models import CategoryRow, ClientTaskRow, CounterRow, RemovedTaskRow, TagRow
from anibridge.domain.qbittorrent.records import (
    Category,
    ClientTask,
)

_COUNTER = "client_tasks"


def _lock_counter(session: Session) -> int:
    return session.execute(
        select(CounterRow.value).where(CounterRow.name == _COUNTER).with_for_update()
    ).scalar_one()


def _bump_counter(session: Session, by: int) -> int:
    return session.execute(
        sql_update(CounterRow)
        .where(CounterRow.name == _COUNTER)
        .values(value=CounterRow.value + by)
        .returning(CounterRow.value)
    ).scalar_one()


def _dialect_insert(session: Session) -> Any:
    """The dialect's INSERT (both PostgreSQL and SQLite have ON CONFLICT DO NOTHING … RETURNING)."""
    return dialect_insert(session, ClientTaskRow.__table__)


class SqlClientTaskRepo:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def upsert(self, task: ClientTask) -> None:
        def _upsert(session: Session) -> int:
            seq = _bump_counter(session, 1)
            values = task_values(task)
            values["updated_seq"] = seq
            upsert(session, ClientTaskRow.__table__, values)  # type: ignore[arg-type]
            session.execute(delete(RemovedTaskRow).where(RemovedTaskRow.hash == task.hash))
            return seq

        task.updated_seq = await self._db.run(_upsert)

    async def insert_if_absent(self, task: ClientTask) -> bool:
        def _insert(session: Session) -> int | None:
            seq = _lock_counter(session) + 1
            values = task_values(task)
            values["updated_seq"] = seq
            inserted = session.execute(
                _dialect_insert(session).values(**values).on_conflict_do_nothing(index_elements=["hash"])
                .returning(ClientTaskRow.hash)
            ).first()
            if inserted is None:
                return None
            _bump_counter(session, 1)
            session.execute(delete(RemovedTaskRow).where(RemovedTaskRow.hash == task.hash))
            return seq

        seq = await self._db.run(_insert)
        if seq is None:
            return False
        task.updated_seq = seq
        return True

    async def swap_job(self, hash_: str, expected_job_id: str | None, job_id: str) -> bool:
        current = (ClientTaskRow.job_id.is_(None) if expected_job_id is None
                   else ClientTaskRow.job_id == expected_job_id)

        def _swap(session: Session) -> bool:
            seq = _lock_counter(session) + 1
            changed = session.execute(
                sql_update(ClientTaskRow)
                .where(ClientTaskRow.hash == hash_, current)
                .values(job_id=job_id, stopped=False, content_path=None, completion_on=None, updated_seq=seq)
                .returning(ClientTaskRow.hash)
            ).first()
            if changed is None:
                return False
            _bump_counter(session, 1)
            return True

        return await self._db.run(_swap)

    async def get(self, hash_: str) -> ClientTask | None:
        def _get(session: Session) -> ClientTask | None:
            row = session.get(ClientTaskRow, hash_)
            return task_from_row(row) if row else None

        return await self._db.run(_get)

    async def get_by_job(self, job_id: str) -> ClientTask | None:
        def _get(session: Session) -> ClientTask | None:
            row = session.scalars(
                select(ClientTaskRow)
                .where(ClientTaskRow.job_id == job_id)
                .order_by(ClientTaskRow.added_on.desc(), ClientTaskRow.updated_seq.desc())
                .limit(1)
            ).first()
            return task_from_row(row) if row else None

        return await self._db.run(_get)

    async def list(self, hashes: Sequence[str] | None = None) -> Sequence[ClientTask]:
        wanted = None if hashes is None else list(dict.fromkeys(hashes))

        def _list(session: Session) -> list[ClientTask]:
            stmt = select(ClientTaskRow).order_by(ClientTaskRow.added_on, ClientTaskRow.hash)
            if wanted is not None:
                stmt = stmt.where(ClientTaskRow.hash.in_(wanted))
            return [task_from_row(row) for row in session.scalars(stmt).all()]

        if wanted == []:
            return []
        return await self._db.run(_list)

    async def delete(self, hashes: Sequence[str]) -> int:
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return 0

        def _delete(session: Session) -> int:
            _lock_counter(session)
            gone = sorted(
                session.scalars(
                    delete(ClientTaskRow).where(ClientTaskRow.hash.in_(wanted)).returning(ClientTaskRow.hash)
                ).all()
            )
            if not gone:
                return 0
            last = _bump_counter(session, len(gone))
            for offset, hash_ in enumerate(gone):
                upsert(session, RemovedTaskRow.__table__, {"hash": hash_, "seq": last - len(gone) + 1 + offset})  # type: ignore[arg-type]
            return len(gone)

        return await self._db.run(_delete)

    async def changes_since(self, seq: int) -> tuple[Sequence[ClientTask], Sequence[str], int]:
        def _changes(session: Session) -> tuple[list[ClientTask], list[str], int]:
            # Read the counter first: a change committed after it shows up now AND next time (harmless), never
            # neither time.
            current = session.execute(select(CounterRow.value).where(CounterRow.name == _COUNTER)).scalar_one()
            rows = session.scalars(
                select(ClientTaskRow).where(ClientTaskRow.updated_seq > seq).order_by(ClientTaskRow.updated_seq)
            ).all()
            removed = session.scalars(
                select(RemovedTaskRow.hash).where(RemovedTaskRow.seq > seq).order_by(RemovedTaskRow.seq)
            ).all()
            return [task_from_row(r) for r in rows], list(removed), current

        return await self._db.run(_changes)

    async def categories(self) -> Sequence[Category]:
        def _list(session: Session) -> list[Category]:
            rows = session.scalars(select(CategoryRow).order_by(CategoryRow.name)).all()
            return [Category(name=r.name, save_path=r.save_path) for r in rows]

        return await self._db.run(_list)

    async def save_category(self, category: Category) -> None:
        def _save(session: Session) -> None:
            upsert(session, CategoryRow.__table__, {"name": category.name, "save_path": category.save_path})  # type: ignore[arg-type]

        await self._db.run(_save)

    async def delete_categories(self, names: Sequence[str]) -> None:
        wanted = list(dict.fromkeys(names))

        def _delete(session: Session) -> None:
            session.execute(delete(CategoryRow).where(CategoryRow.name.in_(wanted)))

        if wanted:
            await self._db.run(_delete)

    async def tags(self) -> Sequence[str]:
        def _list(session: Session) -> list[str]:
            return list(session.scalars(select(TagRow.name).order_by(TagRow.name)).all())

        return await self._db.run(_list)

    async def save_tags(self, names: Sequence[str]) -> None:
        wanted = sorted(set(names))

        def _save(session: Session) -> None:
            for name in wanted:  # ON CONFLICT DO NOTHING: two instances may create the same tag at once
                upsert(session, TagRow.__table__, {"name": name})  # type: ignore[arg-type]

        if wanted:
            await self._db.run(_save)

    async def delete_tags(self, names: Sequence[str]) -> None:
        wanted = sorted(set(names))

        def _delete(session: Session) -> None:
            session.execute(delete(TagRow).where(TagRow.name.in_(wanted)))

        if wanted:
            await self._db.run(_delete)
