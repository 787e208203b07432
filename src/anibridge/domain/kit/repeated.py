"""Log a failure that repeats once, with a count when it changes or ends, instead of once per attempt.

Why: during a database outage every worker's poll and every progress write failed and logged a full traceback,
272 of them (3.5 MB) in 90 s, burying the one line that says what is wrong.
"""

from __future__ import annotations

import logging


class RepeatedFailure:
    """Tracks one kind of recurring failure (e.g. "claiming a job"); not thread-safe, use it on the event loop."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self._text: str | None = None
        self._count = 0

    @property
    def count(self) -> int:
        """Consecutive failures so far (0 after a success)."""
        return self._count

    def failed(self, ex: BaseException) -> None:
        text = _first_line(ex)
        if text != self._text:
            self._flush()
            self._log.warning("%s failed: %s (repeats are counted, not logged)", self._what, text)
            self._text = text
        self._count += 1

    def succeeded(self) -> None:
        if self._text is not None:
            self._flush()
            self._log.info("%s works again", self._what)
        self._text, self._count = None, 0

    def _flush(self) -> None:
        if self._text is not None and self._count > 1:
            self._log.warning("%s failed %d times in a row: %s", self._what, self._count, self._text)
        self._count = 0


def _first_line(ex: BaseException) -> str:
    lines = str(ex).strip().splitlines()
    return f"{type(ex).__name__}: {lines[0][:300]}" if lines else type(ex).__name__
