"""The bounded log buffer behind the qBittorrent API's log/main."""

from __future__ import annotations

import logging

from anibridge.adapters.log_ring import CRITICAL, INFO, WARNING, LogRing, install_log_ring


def _record(level: int, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("anibridge.x", level, __file__, 1, msg, args, None)


def test_ring_keeps_the_newest_with_growing_ids_and_qbittorrent_types() -> None:
    ring = LogRing(capacity=2)
    ring.emit(_record(logging.INFO, "one"))
    ring.emit(_record(logging.WARNING, "two %d", 2))
    ring.emit(_record(logging.ERROR, "three\nlines"))
    lines = ring.since()
    assert [(ln.id, ln.type, ln.message) for ln in lines] == [
        (1, WARNING, "anibridge.x: two 2"), (2, CRITICAL, "anibridge.x: three lines")]
    assert [ln.id for ln in ring.since(1)] == [2]
    assert ring.since(types=frozenset({INFO})) == []


def test_a_broken_format_string_is_logged_not_raised() -> None:
    ring = LogRing()
    ring.emit(_record(logging.INFO, "%d", "not a number"))
    assert ring.since()[0].message == "anibridge.x: %d"


def test_install_is_idempotent() -> None:
    first = install_log_ring()  # stays installed: bounded, and the composition root installs the same one
    assert install_log_ring() is first and first in logging.getLogger().handlers
