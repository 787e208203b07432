"""Fakes for the scheduler/runner tests: a controllable clock, a stream finder and a downloader that writes
real bytes, drives progress callbacks from a thread and honours cancellation like yt-dlp does."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.ports.errors import DownloadCancelled, DownloadFailed, HosterUnavailable, NotFound
from anibridge.ports.streams import DirectStream, DownloadProgress


@dataclass
class FakeFinder:
    """Hosters in order; `offered=False` → NotFound; `broken` hosters raise HosterUnavailable."""

    order: list[str] = field(default_factory=lambda: ["VOE", "Filemoon", "Vidoza"])
    offered: bool = True
    broken: set[str] = field(default_factory=set)
    calls: list[tuple[str | None, frozenset[str]]] = field(default_factory=list)
    resolved: int = 0

    async def find(self, ref: EpisodeRef, preferred: str | None = None,
                   exclude: frozenset[str] = frozenset()) -> DirectStream:
        self.calls.append((preferred, exclude))
        if not self.offered:
            raise NotFound(f"{ref.language.value} not offered (available: German Sub)")
        candidates = ([preferred] if preferred else []) + [p for p in self.order if p != preferred]
        causes = []
        for provider in candidates:
            if provider in exclude:
                continue
            if provider in self.broken:
                causes.append(f"{provider}: embed page gone")
                continue
            self.resolved += 1
            return DirectStream(f"http://127.0.0.1:9/{provider}/{self.resolved}.mp4", provider)
        raise HosterUnavailable("; ".join(causes) or "no hoster left")


@dataclass
class FakeDownloader:
    """Writes `size` bytes in `chunks` steps to `<stem>.mp4.part`, then renames to `<stem>.mp4`.

    `failures[provider]` is a list of DownloadFailed to raise on successive calls; `gate` (if set) blocks
    after the first chunk until released, so tests can act mid-download. Resumes from an existing .part.
    """

    size: int = 1000
    chunks: int = 10
    delay: float = 0.0
    failures: dict[str, list[DownloadFailed]] = field(default_factory=dict)
    gate: threading.Event | None = None
    started: threading.Event = field(default_factory=threading.Event)
    calls: list[tuple[str, str]] = field(default_factory=list)
    resumed_from: list[int] = field(default_factory=list)

    async def download(self, stream: DirectStream, dest_dir: Path, stem: str,
                       on_progress: Callable[[DownloadProgress], None], is_cancelled: Callable[[], bool],
                       rate_limit: int | None = None) -> Path:
        self.calls.append((stream.provider, stem))
        pending = self.failures.get(stream.provider)
        if pending:
            raise pending.pop(0)
        return await asyncio.to_thread(self._write, dest_dir, stem, on_progress, is_cancelled)

    def _write(self, dest_dir: Path, stem: str, on_progress: Callable[[DownloadProgress], None],
               is_cancelled: Callable[[], bool]) -> Path:
        part = dest_dir / f"{stem}.mp4.part"
        final = dest_dir / f"{stem}.mp4"
        if final.exists():
            return final
        have = part.stat().st_size if part.exists() else 0
        self.resumed_from.append(have)
        step = max(1, self.size // self.chunks)
        with open(part, "ab") as fh:
            while have < self.size:
                if is_cancelled():
                    raise DownloadCancelled("download cancelled")
                n = min(step, self.size - have)
                fh.write(b"v" * n)
                fh.flush()
                have += n
                on_progress(DownloadProgress(have, self.size, 1000.0, 1))
                self.started.set()
                if self.gate is not None:
                    while not self.gate.wait(0.01):
                        if is_cancelled():
                            raise DownloadCancelled("download cancelled")
                if self.delay:
                    time.sleep(self.delay)
        part.rename(final)
        return final
