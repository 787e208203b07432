"""Release generations (domain/regrab.py) in SQL: one row per release that has been re-issued at least once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.mapping import dialect_insert
from anibridge.adapters.sql.models import RegrabRow


class SqlRegrabRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def generations(self, base_hashes: Sequence[str]) -> dict[str, int]:
        wanted = sorted(set(base_hashes))

        def _read(session: Session) -> dict[str, int]:
            rows = session.execute(
                select(RegrabRow.base_hash, RegrabRow.generation).where(RegrabRow.base_hash.in_(wanted))
            ).all()
            return {h: int(g) for h, g in rows}

        return await self._db.run(_read) if wanted else {}

    async def advance(self, base_hash: str, past: int) -> None:
        def _advance(session: Session) -> None:
            # One statement, so two instances deleting the same torrent at once still end at past + 1.
            stmt = dialect_insert(session, RegrabRow.__table__).values(base_hash=base_hash, generation=past + 1)
            current = RegrabRow.__table__.c.generation
            stmt = stmt.on_conflict_do_update(
                index_elements=["base_hash"],
                set_={"generation": case((current > stmt.excluded.generation, current),
                                         else_=stmt.excluded.generation)},
            )
            session.execute(stmt)

        await self._db.run(_advance)
