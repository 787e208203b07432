"""Identical alerts collapsed: one per (kind, subject) per period, however often the event repeats.

A burst of failures of one release (every retry, every Sonarr re-grab) or a flapping site would otherwise
flood a phone. Collapsed alerts are counted, and the next one that goes out says how many were held back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from anibridge.domain.alerts.records import Alert, AlertKind


class AlertGate:
    """Decides whether an alert goes out now; `clock` is a monotonic reading in seconds."""

    def __init__(self, period_seconds: float, clock: Callable[[], float], max_keys: int = 10_000) -> None:
        if period_seconds < 0:
            raise ValueError("period_seconds must be >= 0")
        self._period = period_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._last: dict[tuple[AlertKind, str], float] = {}
        self._held: dict[tuple[AlertKind, str], int] = {}
        self._lock = threading.Lock()

    def admit(self, alert: Alert) -> int | None:
        """None when the alert is collapsed into one sent within the period; else how many were held back."""
        now = self._clock()
        with self._lock:
            last = self._last.get(alert.key)
            if last is not None and now - last < self._period:
                self._held[alert.key] = self._held.get(alert.key, 0) + 1
                return None
            self._forget_old(now)
            self._last[alert.key] = now
            return self._held.pop(alert.key, 0)

    def _forget_old(self, now: float) -> None:
        """Keys whose period has passed carry no information: drop them so the map stays small."""
        if len(self._last) < self._max_keys:
            return
        for key in [k for k, t in self._last.items() if now - t >= self._period]:
            del self._last[key]
            self._held.pop(key, None)
