"""Per-torrent settings clients set and read back: speed limits, piece/sequential flags, super seeding,
automatic management, the download path, file priority, trackers and web seeds.

None of them changes how a hoster download runs, but each must read back as set: qbit_manage, autobrr and
cross-seed compare what they read with what they want and re-apply (or give up) on a mismatch. Errors follow
qBittorrent's answers for the same calls (404 unknown hash, 409 unknown tracker, 400 bad values).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from anibridge.domain.qbittorrent.errors import TorrentConflict, TorrentError, TorrentNotFound
from anibridge.domain.qbittorrent.records import ClientTask, TaskOptions

if TYPE_CHECKING:
    from anibridge.domain.qbittorrent.paths import SavePaths
    from anibridge.ports.repos import ClientTaskRepo

Resolve = Callable[[str], Awaitable[list[ClientTask]]]
Change = Callable[[TaskOptions], TaskOptions]

VALID_FILE_PRIORITIES = frozenset({0, 1, 6, 7})
MAX_URLS = 100
"""Trackers/web seeds kept per task (they are stored with the task; a client pasting thousands gets a 400)."""


def _valid_url(url: str, schemes: frozenset[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in schemes and bool(parts.netloc) and len(url) <= 2048


_TRACKER_SCHEMES = frozenset({"http", "https", "udp", "wss"})
_WEBSEED_SCHEMES = frozenset({"http", "https"})


class TorrentOptionsService:
    def __init__(self, tasks: ClientTaskRepo, resolve: Resolve, paths: SavePaths) -> None:
        self._tasks = tasks
        self._resolve = resolve
        self._paths = paths

    async def update(self, hashes: str, change: Change) -> list[ClientTask]:
        """Apply `change` to every given task (unknown hashes skipped, as qBittorrent does)."""
        changed = []
        for task in await self._resolve(hashes):
            options = change(task.options)
            if options != task.options:
                task = replace(task, options=options)
                await self._tasks.upsert(task)
            changed.append(task)
        return changed

    async def limits(self, hashes: Sequence[str], upload: bool) -> dict[str, int]:
        """uploadLimit/downloadLimit: the limit per requested hash, -1 for unknown hashes (as qBittorrent)."""
        known = {t.hash: t for t in await self._resolve("|".join(hashes))}
        out: dict[str, int] = {}
        for raw in hashes:
            task = known.get(raw.strip().lower())
            out[raw] = -1 if task is None else (task.options.up_limit if upload else task.options.dl_limit)
        return out

    async def set_download_path(self, hashes: str, path: str) -> None:
        relative = self._paths.relative(path, "Cannot create target directory") if path.strip() else ""
        await self.update(hashes, lambda o: replace(o, download_path=relative) if not o.auto_tmm else o)

    async def file_priority(self, hash_: str, ids: str, priority: int) -> None:
        if priority not in VALID_FILE_PRIORITIES:
            raise TorrentError("Priority is not valid")
        task = await self._one(hash_)
        for raw in ids.split("|"):
            try:
                index = int(raw)
            except ValueError:
                raise TorrentError("File IDs must be integers") from None
            if index != 0:  # one file per torrent
                raise TorrentConflict("File ID is not valid")
        await self.update(task.hash, lambda o: replace(o, file_priority=priority))

    # ------------------------------------------------------------ trackers
    async def add_trackers(self, hash_: str, urls: str) -> None:
        task = await self._one(hash_)
        new = [u.strip() for u in urls.replace("\r", "\n").split("\n") if u.strip()]
        new = [u for u in new if _valid_url(u, _TRACKER_SCHEMES)]
        merged = tuple(dict.fromkeys((*task.options.trackers, *new)))
        if len(merged) > MAX_URLS:
            raise TorrentError(f"Too many trackers (at most {MAX_URLS})")
        await self.update(task.hash, lambda o: replace(o, trackers=merged))

    async def edit_tracker(self, hash_: str, orig: str, new: str) -> None:
        task = await self._one(hash_)
        if orig == new:
            return
        if not _valid_url(new, _TRACKER_SCHEMES):
            raise TorrentError("New tracker URL is invalid")
        current = task.options.trackers
        if new in current:
            raise TorrentConflict("New tracker URL already exists")
        if orig not in current:
            raise TorrentConflict("Tracker not found")
        edited = tuple(new if u == orig else u for u in current)
        await self.update(task.hash, lambda o: replace(o, trackers=edited))

    async def remove_trackers(self, hash_: str, urls: str) -> None:
        """`*` removes from every task, as in qBittorrent; URLs arrive `|`-separated and may be %-encoded."""
        doomed = {unquote(u) for u in urls.split("|") if u}
        hashes = "all" if hash_.strip() == "*" else (await self._one(hash_)).hash
        await self.update(hashes, lambda o: replace(o, trackers=tuple(u for u in o.trackers if u not in doomed)))

    # ------------------------------------------------------------ web seeds
    async def add_webseeds(self, hash_: str, urls: str) -> None:
        task = await self._one(hash_)
        new = self._webseed_list(urls)
        merged = tuple(dict.fromkeys((*task.options.webseeds, *new)))
        if len(merged) > MAX_URLS:
            raise TorrentError(f"Too many web seeds (at most {MAX_URLS})")
        await self.update(task.hash, lambda o: replace(o, webseeds=merged))

    async def edit_webseed(self, hash_: str, orig: str, new: str) -> None:
        task = await self._one(hash_)
        self._webseed_list(f"{orig}|{new}")
        if orig == new:
            return
        if orig not in task.options.webseeds:
            raise TorrentConflict(f'"{orig}" is not an existing URL')
        edited = tuple(dict.fromkeys(new if u == orig else u for u in task.options.webseeds))
        await self.update(task.hash, lambda o: replace(o, webseeds=edited))

    async def remove_webseeds(self, hash_: str, urls: str) -> None:
        task = await self._one(hash_)
        doomed = set(self._webseed_list(urls))
        await self.update(task.hash, lambda o: replace(o, webseeds=tuple(u for u in o.webseeds if u not in doomed)))

    @staticmethod
    def _webseed_list(urls: str) -> list[str]:
        out = []
        for url in (u.strip() for u in urls.split("|") if u.strip()):
            if not _valid_url(url, _WEBSEED_SCHEMES):
                raise TorrentError(f"URL seed is invalid: {url[:200]}")
            out.append(url)
        return out

    async def _one(self, hash_: str) -> ClientTask:
        task = await self._tasks.get(hash_.strip().lower())
        if task is None:
            raise TorrentNotFound("Not Found")
        return task
