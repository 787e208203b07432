"""One log line per playback session: a (stream, client) pair logs again only after a quiet window."""

from __future__ import annotations

import logging

import pytest

from anibridge.delivery.strm.playback_log import PlaybackLog


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_session_logs_once_while_requests_keep_coming(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    playback = PlaybackLog(window=60, monotonic=clock)
    caplog.set_level(logging.INFO)
    for _ in range(500):  # a two-hour film's segments, 10 s apart: never 60 s quiet
        playback.note(("ep1", "10.0.0.5"), "plays %s", "ep1")
        clock.now += 10
    assert [r.getMessage() for r in caplog.records] == ["plays ep1"]


def test_other_clients_and_streams_and_returning_after_a_pause_are_new_sessions() -> None:
    clock = Clock()
    playback = PlaybackLog(window=60, monotonic=clock)
    assert playback.started(("ep1", "a"))
    assert playback.started(("ep1", "b")) and playback.started(("ep2", "a"))
    clock.now = 59
    assert not playback.started(("ep1", "a"))
    clock.now = 59 + 60
    assert playback.started(("ep1", "a"))


def test_memory_stays_bounded() -> None:
    clock = Clock()
    playback = PlaybackLog(window=60, monotonic=clock, max_sessions=10)
    for i in range(1000):
        playback.started(("ep", i))
    assert len(playback._seen) <= 11
