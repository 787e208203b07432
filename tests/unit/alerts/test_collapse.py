"""Identical alerts (same kind and subject) go out once per period; the next one says how many were held back."""

from __future__ import annotations

import pytest

from anibridge.domain.alerts.collapse import AlertGate
from anibridge.domain.alerts.records import Alert, AlertKind
from tests.fakes import FakeClock


def _failed(subject: str) -> Alert:
    return Alert(AlertKind.DOWNLOAD_FAILED, subject, f"failed: {subject}", "no hoster")


def test_a_burst_of_identical_alerts_is_one_alert() -> None:
    clock = FakeClock()
    gate = AlertGate(600, clock.monotonic)
    admitted = [gate.admit(_failed("Dark.S01E01")) for _ in range(20)]
    assert admitted[0] == 0
    assert admitted[1:] == [None] * 19


def test_after_the_period_the_next_alert_goes_out_and_counts_the_held_back_ones() -> None:
    clock = FakeClock()
    gate = AlertGate(600, clock.monotonic)
    gate.admit(_failed("Dark.S01E01"))
    for _ in range(4):
        clock.advance(100)
        assert gate.admit(_failed("Dark.S01E01")) is None
    clock.advance(200)  # 600 s after the first one
    assert gate.admit(_failed("Dark.S01E01")) == 4
    clock.advance(1)
    assert gate.admit(_failed("Dark.S01E01")) is None


def test_different_subjects_and_kinds_are_not_collapsed() -> None:
    clock = FakeClock()
    gate = AlertGate(600, clock.monotonic)
    assert gate.admit(_failed("Dark.S01E01")) == 0
    assert gate.admit(_failed("Dark.S01E02")) == 0
    assert gate.admit(Alert(AlertKind.SITE_DOWN, "Dark.S01E01", "t", "b")) == 0


def test_period_zero_collapses_nothing() -> None:
    clock = FakeClock()
    gate = AlertGate(0, clock.monotonic)
    assert [gate.admit(_failed("x")) for _ in range(3)] == [0, 0, 0]


def test_the_key_map_stays_bounded() -> None:
    clock = FakeClock()
    gate = AlertGate(10, clock.monotonic, max_keys=5)
    for n in range(5):
        gate.admit(_failed(str(n)))
    clock.advance(11)
    gate.admit(_failed("new"))  # the five expired keys are forgotten
    assert len(gate._last) == 1


def test_negative_period_is_refused() -> None:
    with pytest.raises(ValueError):
        AlertGate(-1, FakeClock().monotonic)
