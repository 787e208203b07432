"""One log line per STRM playback session instead of one per HLS segment or Range request.

Why: a media server playing one episode makes hundreds of requests (every HLS segment, every seek of an MP4);
each used to log a line with the signed URL. The log now says once that a client started playing an episode,
and again only after the client was quiet for `window` seconds (a new session). The per-request access lines of
successful STRM requests are kept at DEBUG by the logging configuration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable

log = logging.getLogger("anibridge.delivery.strm")

WINDOW_SECONDS = 600.0
MAX_SESSIONS = 4096


class PlaybackLog:
    """A small sliding-TTL set of (stream identity, client): `started()` is true only for a new session."""

    def __init__(self, window: float = WINDOW_SECONDS, monotonic: Callable[[], float] = time.monotonic,
                 max_sessions: int = MAX_SESSIONS) -> None:
        self._window = window
        self._monotonic = monotonic
        self._max = max(1, max_sessions)
        self._seen: dict[Hashable, float] = {}

    def started(self, key: Hashable) -> bool:
        now = self._monotonic()
        last = self._seen.pop(key, None)
        self._seen[key] = now  # re-inserted: the dict stays ordered by last use, oldest first
        if len(self._seen) > self._max:
            self._prune(now)
        return last is None or now - last >= self._window

    def _prune(self, now: float) -> None:
        for key in [k for k, seen in self._seen.items() if now - seen >= self._window]:
            del self._seen[key]
        while len(self._seen) > self._max:
            del self._seen[next(iter(self._seen))]

    def note(self, key: Hashable, message: str, *args: object) -> None:
        """Log `message` at INFO when `key` starts a session; nothing while the session goes on."""
        if self.started(key):
            log.info(message, *args)
