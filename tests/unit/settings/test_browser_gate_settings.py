"""BROWSER_GATE: off by default and then exactly as before; asked for but not installed, a clear line — never a
crash — at startup, in /health and in the waiting reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from anibridge.settings import SettingsError, load_settings
from anibridge.wiring.browser_gate import build_gate_browser, gate_hint, health_state, startup_warning


def test_off_by_default_builds_nothing_and_names_the_remedy() -> None:
    settings = load_settings({})
    assert settings.browser_gate == "off" and settings.chromium_path == "/usr/bin/chromium"
    assert build_gate_browser(settings) is None and startup_warning(settings) is None
    assert gate_hint(settings) == "BROWSER_GATE=chromium would pass it"
    assert health_state(settings)()["status"] == "off"


def test_asked_for_but_missing_is_a_warning_and_a_degraded_health(tmp_path: Path) -> None:
    settings = load_settings({"BROWSER_GATE": "Chromium", "CHROMEDRIVER_PATH": str(tmp_path / "no-driver")})
    warning = startup_warning(settings)
    assert warning is not None and f"chromedriver ({tmp_path / 'no-driver'})" in warning
    assert "WITH_BROWSER=1" in warning and "waited out" in warning
    state = health_state(settings)()
    assert state["status"] == "degraded" and "not installed" in state["detail"]
    assert build_gate_browser(settings) is not None and gate_hint(settings) == ""  # each pass names the cause


def test_an_unknown_browser_is_refused_with_the_choices() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"BROWSER_GATE": "firefox"})
    assert "BROWSER_GATE" in str(info.value) and "chromium" in str(info.value)
