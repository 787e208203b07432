"""The last log records in memory, for the qBittorrent API's `log/main` (what a qBittorrent UI's log tab shows).

A bounded deque fed by a logging handler: constant memory however long the service runs, ids that only grow
(clients ask for records after `last_known_id`), and the qBittorrent type codes (1 normal, 2 info,
4 warning, 8 critical). Installed once on the root logger by the composition root.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass

NORMAL, INFO, WARNING, CRITICAL = 1, 2, 4, 8


@dataclass(frozen=True, slots=True)
class LogLine:
    id: int
    timestamp: int
    type: int
    message: str


def _type_of(level: int) -> int:
    if level >= logging.ERROR:
        return CRITICAL
    if level >= logging.WARNING:
        return WARNING
    if level >= logging.INFO:
        return INFO
    return NORMAL


class LogRing(logging.Handler):
    def __init__(self, capacity: int = 1000, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._lines: deque[LogLine] = deque(maxlen=max(1, capacity))
        self._next = 0
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            message = str(record.msg)
        text = f"{record.name}: {' '.join(message.split())}"[:2000]
        with self._guard:
            self._lines.append(LogLine(self._next, int(record.created), _type_of(record.levelno), text))
            self._next += 1

    def since(self, last_known_id: int = -1, types: frozenset[int] | None = None) -> list[LogLine]:
        """Records with an id above `last_known_id`, oldest first, optionally only the given types."""
        with self._guard:
            lines = list(self._lines)
        return [line for line in lines if line.id > last_known_id and (types is None or line.type in types)]


_installed: LogRing | None = None
_install_guard = threading.Lock()


def install_log_ring(capacity: int = 1000) -> LogRing:
    """The process-wide ring, attached to the root logger on first use (later calls return the same one)."""
    global _installed
    with _install_guard:
        if _installed is None:
            _installed = LogRing(capacity)
            logging.getLogger().addHandler(_installed)
        return _installed
