"""A site's title index with TTL, stale-while-revalidate, one refresh at a time, persisted across restarts.

Why: the index pages are large (s.to's is ~2.5 MB) and sites fail often. A lookup must never wait for a
refresh when an older index exists, an outage must not cause a fetch per lookup (the reference's bug), and a
restart must not start from nothing — so the last good index is written atomically to
`DATA_DIR/index-<site>.json` and read back on first use.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anibridge.domain.catalog.identity import Site
from anibridge.ports.catalog import SeriesEntry
from anibridge.ports.errors import PortError, SiteUnavailable

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
FAILURE_COOLDOWN_SECONDS = 30.0


@dataclass(frozen=True)
class IndexSnapshot:
    """Entries plus per-slug page URLs (Megakino needs the post URL; others leave it empty)."""

    entries: tuple[SeriesEntry, ...]
    fetched_at: float
    urls: Mapping[str, str] = field(default_factory=dict)
    modified: Mapping[str, str] = field(default_factory=dict)  # slug → sitemap `lastmod` (Megakino's film RSS)


Loader = Callable[[], Awaitable[IndexSnapshot]]


def index_path(data_dir: Path | None, site: Site) -> Path | None:
    return None if data_dir is None else data_dir / f"index-{site.value}.json"


class IndexCache:
    """Serves the newest snapshot; refreshes in the background when older than `ttl_seconds` (0 = once per process)."""

    def __init__(
        self,
        site: Site,
        loader: Loader,
        *,
        path: Path | None,
        ttl_seconds: float,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._site = site
        self._loader = loader
        self._path = path
        self._ttl = ttl_seconds
        self._now = now
        self._snapshot: IndexSnapshot | None = None
        self._disk_checked = False
        self._refreshed_this_process = False
        self._refresh: asyncio.Task[IndexSnapshot] | None = None
        self._last_failure: tuple[float, PortError] | None = None

    @property
    def snapshot(self) -> IndexSnapshot | None:
        return self._snapshot

    async def get(self) -> IndexSnapshot:
        """The current snapshot; waits only when nothing has ever been loaded (raises the load error then)."""
        if self._snapshot is None and not self._disk_checked:
            self._disk_checked = True
            self._snapshot = self._read_disk()
        if self._snapshot is not None and self._snapshot.entries:
            if self._is_stale(self._snapshot):
                self._start_refresh()
            return self._snapshot
        if self._last_failure is not None and self._now() - self._last_failure[0] < FAILURE_COOLDOWN_SECONDS:
            raise self._last_failure[1]
        return await asyncio.shield(self._start_refresh())

    async def refresh(self) -> IndexSnapshot:
        """Force a refresh now (joins one already running)."""
        return await asyncio.shield(self._start_refresh())

    def _is_stale(self, snap: IndexSnapshot) -> bool:
        if self._ttl <= 0:
            return not self._refreshed_this_process
        return self._now() - snap.fetched_at > self._ttl

    def _start_refresh(self) -> asyncio.Task[IndexSnapshot]:
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._run_refresh(), name=f"index-refresh-{self._site.value}")
        return self._refresh

    async def _run_refresh(self) -> IndexSnapshot:
        try:
            snap = await self._loader()
        except PortError as ex:
            self._last_failure = (self._now(), ex)
            self._refreshed_this_process = True
            log.warning("%s index refresh failed: %s", self._site.value, ex)
            if self._snapshot is not None and self._snapshot.entries:
                return self._snapshot
            raise
        except Exception as ex:  # noqa: BLE001 - a parser bug must not kill the cache
            err = SiteUnavailable(f"{self._site.value}: index could not be loaded: {type(ex).__name__}: {ex}")
            self._last_failure = (self._now(), err)
            self._refreshed_this_process = True
            log.exception("%s index refresh crashed", self._site.value)
            if self._snapshot is not None and self._snapshot.entries:
                return self._snapshot
            raise err from ex
        self._refreshed_this_process = True
        if not snap.entries and self._snapshot is not None and self._snapshot.entries:
            log.warning("%s index refresh returned no titles; keeping the previous index", self._site.value)
            return self._snapshot
        self._snapshot = snap
        self._last_failure = None
        log.info("%s index loaded: %d titles", self._site.value, len(snap.entries))
        # Megabytes of JSON plus an fsync: off the event loop (on an SD card or NAS it can take seconds).
        await asyncio.to_thread(self._write_disk, snap)
        return snap

    def _read_disk(self) -> IndexSnapshot | None:
        if self._path is None or not self._path.exists():
            return None
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            if raw.get("version") != FORMAT_VERSION or raw.get("site") != self._site.value:
                return None
            entries = tuple(_entry_from_json(self._site, item) for item in raw["entries"])
            snap = IndexSnapshot(
                entries, float(raw["fetched_at"]), dict(raw.get("urls") or {}), dict(raw.get("modified") or {})
            )
        except (OSError, ValueError, KeyError, TypeError) as ex:
            log.warning("ignoring unreadable index cache %s: %s", self._path, ex)
            return None
        log.info("%s index read from %s: %d titles", self._site.value, self._path, len(snap.entries))
        return snap

    def _write_disk(self, snap: IndexSnapshot) -> None:
        if self._path is None:
            return
        payload = {
            "version": FORMAT_VERSION,
            "site": self._site.value,
            "fetched_at": snap.fetched_at,
            "entries": [_entry_to_json(e) for e in snap.entries],
            "urls": dict(snap.urls),
        }
        if snap.modified:
            payload["modified"] = dict(snap.modified)
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, ensure_ascii=False, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path)
        except OSError as ex:
            log.warning("could not persist %s index to %s: %s", self._site.value, self._path, ex)
            tmp.unlink(missing_ok=True)


def _entry_to_json(entry: SeriesEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"slug": entry.slug, "title": entry.title}
    if entry.alt_titles:
        out["alt"] = list(entry.alt_titles)
    if entry.kind != "series":
        out["kind"] = entry.kind
    if entry.year is not None:
        out["year"] = entry.year
    return out


def _entry_from_json(site: Site, item: Mapping[str, Any]) -> SeriesEntry:
    year = item.get("year")
    return SeriesEntry(
        site=site,
        slug=str(item["slug"]),
        title=str(item["title"]),
        alt_titles=tuple(str(a) for a in item.get("alt", ())),
        kind=str(item.get("kind", "series")),
        year=int(year) if year is not None else None,
    )
