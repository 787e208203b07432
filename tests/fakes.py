"""Test doubles shared by several test folders, so there is one copy of each to keep in step with its port."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """The `anibridge.ports.system.Clock` port on manual time: `advance` moves wall and monotonic time together.

    `start` (aware UTC) and `mono` pick the starting readings, so tests that pin timestamps keep their instants.
    """

    def __init__(self, start: datetime = DEFAULT_START, mono: float = 1000.0) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock start must be timezone-aware")
        self.wall = start.astimezone(UTC)
        self.mono = mono

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


class RunningClock:
    """The Clock port on real time plus an offset: for tests whose worker threads must see time pass while
    `advance` still jumps ahead (lease expiry); FakeClock stands still, which would starve those threads."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 1, tzinfo=UTC)
        self._offset = 0.0
        self._start = time.monotonic()

    def now(self) -> datetime:
        return self._now + timedelta(seconds=time.monotonic() - self._start + self._offset)

    def monotonic(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds
