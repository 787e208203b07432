"""Categories and tags of client tasks: qBittorrent's naming rules, persisted categories, task tag sets."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from anibridge.domain.qbittorrent.errors import (
    TorrentConflict,
    TorrentError,
)
from anibridge.domain.qbittorrent.records import (
    Category,
    ClientTask,
)

if TYPE_CHECKING:
    from anibridge.domain.qbittorrent.paths import SavePaths
    from anibridge.ports.repos import ClientTaskRepo

Resolve = Callable[[str], Awaitable[list[ClientTask]]]


_BAD_CATEGORY = re.compile(r"\\|//|^/|/$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_CATEGORY_LEN = 255
"""Width of the category columns (PostgreSQL refuses longer names with a DataError)."""


def _clean_category(name: str) -> str:
    """Category names follow qBittorrent's rules (and Sonarr's validator): no `\\`, no `//`, no edge slashes,
    and no `.`/`..` segment (qBittorrent maps sub-categories to folders, where `..` climbs out)."""
    cleaned = name.strip()
    if not cleaned:
        raise TorrentError("Category name must not be empty")
    if _BAD_CATEGORY.search(cleaned) or _CONTROL.search(cleaned) or len(cleaned) > MAX_CATEGORY_LEN:
        raise TorrentConflict("Incorrect category name")
    if any(part in (".", "..") for part in cleaned.split("/")):
        raise TorrentConflict("Incorrect category name")
    return cleaned


def _clean_save_path(path: str) -> str:
    if _CONTROL.search(path):  # NUL cannot be stored in PostgreSQL text nor used as a path
        raise TorrentError("Invalid save path")
    return path.strip()


MAX_TAG_LEN = 255
"""Width of the tag columns (PostgreSQL refuses longer values with a DataError)."""


def split_tags(raw: str) -> list[str]:
    """Tags arrive comma-separated; qBittorrent trims them and drops empties. A tag the tag columns cannot hold
    (too long, control characters such as NUL) is a bad parameter."""
    tags = [t.strip() for t in raw.split(",") if t.strip()]
    if any(len(t) > MAX_TAG_LEN or _CONTROL.search(t) for t in tags):
        raise TorrentError(f"Invalid tag (at most {MAX_TAG_LEN} printable characters)")
    return tags


class TorrentLabels:
    """Categories and the global tag list live in the ClientTaskRepo (so they survive restarts and are shared by
    instances on one database); a task's own tags live on the task."""

    def __init__(self, tasks: ClientTaskRepo, resolve: Resolve, paths: SavePaths | None = None) -> None:
        self._tasks = tasks
        self._resolve = resolve
        self._paths = paths

    async def ensure_category(self, name: str) -> str:
        """torrents/add with an unknown category creates it, as qBittorrent does; returns the clean name."""
        name = name.strip()
        if name and name not in {c.name for c in await self._tasks.categories()}:
            name = _clean_category(name)
            await self._tasks.save_category(Category(name))
        return name

    # ---------------------------------------------------------- categories
    async def categories(self) -> list[Category]:
        return sorted(await self._tasks.categories(), key=lambda c: c.name)

    async def create_category(self, name: str, save_path: str) -> None:
        """409 for an existing name, as qBittorrent answers (Sonarr only creates categories it did not list)."""
        if not name.strip():
            raise TorrentError("Category cannot be empty")
        category = Category(_clean_category(name), self._checked_save_path(save_path, "Unable to create category"))
        if category.name in {c.name for c in await self._tasks.categories()}:
            raise TorrentConflict("Unable to create category")
        await self._tasks.save_category(category)

    async def edit_category(self, name: str, save_path: str) -> None:
        """409 for a missing name, as qBittorrent answers (it never creates a category here)."""
        if not name.strip():
            raise TorrentError("Category cannot be empty")
        category = Category(_clean_category(name), self._checked_save_path(save_path, "Unable to edit category"))
        if category.name not in {c.name for c in await self._tasks.categories()}:
            raise TorrentConflict("Unable to edit category")
        await self._tasks.save_category(category)

    def _checked_save_path(self, path: str, refusal: str) -> str:
        """Kept as the client wrote it (it reads it back), but it must lie inside the download root."""
        cleaned = _clean_save_path(path)
        if self._paths is not None:
            self._paths.relative(cleaned, refusal)
        return cleaned

    async def remove_categories(self, names: Iterable[str]) -> None:
        doomed = {n.strip() for n in names if n.strip()}
        if not doomed:
            return
        for task in await self._tasks.list():
            if task.category in doomed:
                await self._tasks.upsert(replace(task, category=""))
        await self._tasks.delete_categories(sorted(doomed))

    async def set_category(self, hashes: str, category: str) -> None:
        """qBittorrent answers 409 for a category that does not exist (it no longer creates it implicitly)."""
        category = category.strip()
        if category and category not in {c.name for c in await self._tasks.categories()}:
            raise TorrentConflict("Incorrect category name")
        for task in await self._resolve(hashes):
            if task.category != category:
                await self._tasks.upsert(replace(task, category=category))

    # ---------------------------------------------------------------- tags
    async def tags(self) -> list[str]:
        return await self.tags_with(t for task in await self._tasks.list() for t in task.tags)

    async def tags_with(self, used: Iterable[str]) -> list[str]:
        """Every known tag, for callers that already hold every task's tags (the cached listing). Tags given with
        torrents/add are not in the global list until addTags/createTags names them, hence the union."""
        return sorted(set(used) | set(await self._tasks.tags()))

    async def create_tags(self, tags: Iterable[str]) -> None:
        await self._tasks.save_tags([t for t in tags if t])

    async def delete_tags(self, tags: Iterable[str]) -> None:
        doomed = set(tags)
        await self._tasks.delete_tags(sorted(doomed))
        for task in await self._tasks.list():
            if doomed & set(task.tags):
                await self._tasks.upsert(replace(task, tags=tuple(t for t in task.tags if t not in doomed)))

    async def add_tags(self, hashes: str, tags: Sequence[str]) -> None:
        await self.create_tags(tags)
        for task in await self._resolve(hashes):
            merged = tuple(dict.fromkeys((*task.tags, *tags)))
            if merged != task.tags:
                await self._tasks.upsert(replace(task, tags=merged))

    async def set_tags(self, hashes: str, tags: Sequence[str]) -> None:
        """Replace each task's tags (qBittorrent ≥ 5.1's setTags); new names join the global list."""
        wanted = tuple(dict.fromkeys(t for t in tags if t))
        await self.create_tags(wanted)
        for task in await self._resolve(hashes):
            if task.tags != wanted:
                await self._tasks.upsert(replace(task, tags=wanted))

    async def remove_tags(self, hashes: str, tags: Sequence[str]) -> None:
        """An empty tag list removes every tag, as in qBittorrent."""
        for task in await self._resolve(hashes):
            kept = tuple(t for t in task.tags if tags and t not in tags)
            if kept != task.tags:
                await self._tasks.upsert(replace(task, tags=kept))
