"""The dashboard's health table lists the browser pass of SerienStream's Turnstile gate as /health does: "off" is
a choice and leaves the report ok; asked for without Chromium installed, it is degraded and says what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import falcon.testing
import pytest

from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container

pytestmark = pytest.mark.anyio


def _row(html: str, name: str) -> str:
    match = re.search(rf"<tr><th scope=\"row\">{re.escape(name)}</th>(.*?)</tr>", html, re.S)
    assert match is not None, html
    return match.group(1)


async def _overview(env: dict[str, str]) -> str:
    Path(env["DOWNLOAD_DIR"]).mkdir(parents=True, exist_ok=True)  # a missing one would make the report degraded
    app = build_falcon_app(create_container(load_settings(env)))
    async with falcon.testing.ASGIConductor(app) as conductor:
        page = await conductor.simulate_get("/")
        assert page.status_code == 200
        return page.text


async def test_browser_gate_off_is_listed_and_leaves_health_alone(tmp_path: Path) -> None:
    html = await _overview({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": str(tmp_path / "dl")})
    row = _row(html, "browser gate")
    assert "status-off" in row and "BROWSER_GATE=off" in row
    assert re.search(r'Health: <span class="status status-(ok|unknown)">', html), "off must not degrade the report"


async def test_browser_gate_asked_for_without_chromium_is_degraded_with_the_cause(tmp_path: Path) -> None:
    html = await _overview({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": str(tmp_path / "dl"),
                            "BROWSER_GATE": "chromium", "CHROMIUM_PATH": str(tmp_path / "no-chromium")})
    row = _row(html, "browser gate")
    assert "status-degraded" in row and "BROWSER_GATE=chromium, but" in row
    assert 'Health: <span class="status status-degraded">' in html
