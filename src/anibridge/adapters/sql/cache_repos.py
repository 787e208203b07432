"""Availability cache and STRM URL mappings: keyed by EpisodeRef, written with race-free upserts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.orm import Session

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.mapping import ref_of, ref_values, upsert
from anibridge.adapters.sql.models import AvailabilityRow, StrmMappingRow
from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.streams.records import Availability
from anibridge.domain.strm.records import StrmMapping
from anibridge.ports.system import Clock

_GET_MANY_CHUNK = 200


def _availability(row: AvailabilityRow) -> Availability:
    return Availability(
        ref=ref_of(row),
        available=row.available,
        checked_at=row.checked_at,
        height=row.height,
        vcodec=row.vcodec,
        provider=row.provider,
        extra=dict(row.extra or {}),
    )


def _ref_match(ref: EpisodeRef) -> ColumnElement[bool]:
    return and_(
        AvailabilityRow.site == ref.site.value,
        AvailabilityRow.slug == ref.slug,
        AvailabilityRow.season == ref.season,
        AvailabilityRow.episode == ref.episode,
        AvailabilityRow.language == ref.language.value,
    )


class SqlAvailabilityRepo:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, ref: EpisodeRef) -> Availability | None:
        found = await self.get_many([ref])
        return found.get(ref)

    async def get_many(self, refs: Sequence[EpisodeRef]) -> dict[EpisodeRef, Availability]:
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return {}

        def _get(session: Session) -> dict[EpisodeRef, Availability]:
            out: dict[EpisodeRef, Availability] = {}
            for start in range(0, len(wanted), _GET_MANY_CHUNK):
                chunk = wanted[start : start + _GET_MANY_CHUNK]
                rows = session.scalars(select(AvailabilityRow).where(or_(*(_ref_match(r) for r in chunk)))).all()
                for row in rows:
                    item = _availability(row)
                    out[item.ref] = item
            return out

        return await self._db.run(_get)

    async def put(self, availability: Availability) -> None:
        values = {
            **ref_values(availability.ref),
            "available": availability.available,
            "height": availability.height,
            "vcodec": availability.vcodec,
            "provider": availability.provider,
            "checked_at": availability.checked_at,
            "extra": dict(availability.extra),
        }

        def _put(session: Session) -> None:
            upsert(session, AvailabilityRow.__table__, values)  # type: ignore[arg-type]

        await self._db.run(_put)


class SqlStrmMappingRepo:
    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self._db = database
        self._clock: Clock = clock or SystemClock()

    async def get(self, ref: EpisodeRef, provider_hint: str) -> StrmMapping | None:
        def _get(session: Session) -> StrmMapping | None:
            row = session.get(StrmMappingRow, (*ref_values(ref).values(), provider_hint))
            if row is None:
                return None
            return StrmMapping(
                ref=ref_of(row),
                provider_hint=row.provider_hint,
                resolved_url=row.resolved_url,
                resolved_at=row.resolved_at,
                provider_used=row.provider_used,
                headers=dict(row.headers or {}),
            )

        return await self._db.run(_get)

    async def put(self, mapping: StrmMapping) -> None:
        values = {
            **ref_values(mapping.ref),
            "provider_hint": mapping.provider_hint,
            "resolved_url": mapping.resolved_url,
            "provider_used": mapping.provider_used,
            "headers": dict(mapping.headers),
            "resolved_at": mapping.resolved_at,
            "updated_at": self._clock.now(),
        }

        def _put(session: Session) -> None:
            upsert(session, StrmMappingRow.__table__, values)  # type: ignore[arg-type]

        await self._db.run(_put)

    async def delete(self, ref: EpisodeRef, provider_hint: str) -> None:
        r = ref_values(ref)

        def _delete(session: Session) -> None:
            session.execute(
                delete(StrmMappingRow).where(
                    StrmMappingRow.site == r["site"],
                    StrmMappingRow.slug == r["slug"],
                    StrmMappingRow.season == r["season"],
                    StrmMappingRow.episode == r["episode"],
                    StrmMappingRow.language == r["language"],
                    StrmMappingRow.provider_hint == provider_hint,
                )
            )

        await self._db.run(_delete)
