"""One running task per key, shared by every concurrent caller (hoster resolves, probes, metadata lookups).

Why a task and not a future the first caller fills: Sonarr and players hang up mid-request all the time. The work
runs in its own task and each caller awaits it through `asyncio.shield`, so the caller that started it may go away
without cancelling it for the others (and the result still lands in the caches behind it). An exception reaches
every waiter; the key is freed the moment the task ends, so nothing is remembered here.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._running: dict[K, asyncio.Task[V]] = {}

    def running(self, key: K) -> bool:
        return key in self._running

    async def do(self, key: K, work: Callable[[], Awaitable[V]]) -> V:
        task = self._running.get(key)
        if task is None:

            async def run() -> V:
                return await work()

            task = asyncio.ensure_future(run())
            self._running[key] = task
            task.add_done_callback(functools.partial(self._finished, key))
        return await asyncio.shield(task)

    def _finished(self, key: K, task: asyncio.Task[V]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved here so a failure nobody awaits any more is not reported as "never retrieved"
